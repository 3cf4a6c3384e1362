/*
 * The POP3 parsers straight, no login in the way: the input is the server
 * from its greeting on, through CAPA (multi-line, RFC 2449 limits), CAPA
 * again as the user when the first byte says so, then STAT, UIDL and LIST
 * with their range checks, with a state holding a few UIDs when the first
 * byte says so.  A scan that succeeds has a valid UID and a size for every
 * message, no UID twice; whatever the server said is shown only made
 * printable.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzconn.h"
#include "pop3/pop3.h"
#include "state/state.h"
#include "state/uid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_pop3_uidcmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
fuzz_pop3_check(struct pop3_list *list)
{
	const char	**uids;
	u_int	  i, count = pop3_list_count(list);

	if (count > POP3_MAX_MESSAGES)
		abort();
	uids = calloc(count + 1, sizeof *uids);
	for (i = 1; i <= count; i++) {
		if (!uid_valid(pop3_list_uid(list, i)) ||
		    pop3_list_size(list, i) > LLONG_MAX / 4)
			abort();
		uids[i - 1] = pop3_list_uid(list, i);
	}
	qsort(uids, count, sizeof *uids, fuzz_pop3_uidcmp);
	for (i = 1; i < count; i++) {
		if (strcmp(uids[i - 1], uids[i]) == 0)
			abort();
	}
	free(uids);
}

/* A state of a few UIDs that seeds and the dictionary use, made once. */
static char *
fuzz_pop3_statedir(void)
{
	static char	 dir[] = "/tmp/popfetch-fuzz.XXXXXX";
	static int	 made;
	char		 path[512];
	FILE		*fp;

	if (made)
		return (dir);
	if (mkdtemp(dir) == NULL ||
	    state_path(path, sizeof path, dir, "k", ".state") == -1 ||
	    (fp = fopen(path, "w")) == NULL)
		abort();
	fputs("popfetch-state 1\n1\t1\na\t1\na1\t1\nb2\t2\nuid1\t1\n"
	    "x\t1\n", fp);
	fclose(fp);
	made = 1;
	return (dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct account	 acct;
	struct pop3	 p;
	struct pop3_list *list = NULL;
	struct state	*st = NULL;
	struct error	 err;
	struct conn	*c;
	size_t		 k;

	if (size < 1)
		return (0);
	memset(&acct, 0, sizeof acct);
	acct.name = (char *)"fuzz";
	acct.host = (char *)"pop.example.org";
	acct.user = (char *)"user";
	acct.port = 110;
	acct.pipelining = data[0] & 1 ? PIPELINING_ON : data[0] & 2 ?
	    PIPELINING_OFF : PIPELINING_AUTO;
	if ((c = fuzzconn_new(data + 1, size - 1)) == NULL)
		return (0);
	err_clear(&err);
	pop3_init(&p, c, &acct);
	if (pop3_greeting(&p, &err) == -1 || pop3_capa(&p, &err) == -1 ||
	    ((data[0] & 4) && pop3_capa_user(&p, &err) == -1))
		goto end;
	if ((data[0] & 8) && (st = state_open(fuzz_pop3_statedir(), "k",
	    &err)) == NULL)
		abort();
	if (pop3_scan(&p, st, data[0] & 16, &list, &err) == 0)
		fuzz_pop3_check(list);
end:
	fuzzconn_printable(p.greeting);
	for (k = 0; k < p.ncapa_lines; k++)
		fuzzconn_printable(p.capa_lines[k]);
	fuzzconn_printable(err.what);
	fuzzconn_printable(err.hint);
	pop3_list_free(list);
	state_close(st);
	conn_free(c);
	return (0);
}
