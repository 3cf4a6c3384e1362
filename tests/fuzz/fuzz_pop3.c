/*
 * The POP3 parsers straight, no login in the way: the input is the server
 * from its greeting on, through CAPA (multi-line, RFC 2449 limits), CAPA
 * again as the user when the first byte says so, then STAT, UIDL and LIST
 * with their range checks.  A scan that succeeds has a valid UID and a
 * size for every message, no UID twice; whatever the server said is shown
 * only made printable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzconn.h"
#include "pop3/pop3.h"
#include "state/uid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_pop3_uidcmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
fuzz_pop3_check(struct pop3_msg *msgs, u_int count)
{
	const char	**uids;
	u_int	  i;

	if (count > POP3_MAX_MESSAGES || msgs[0].uid != NULL)
		abort();
	uids = calloc(count + 1, sizeof *uids);
	for (i = 1; i <= count; i++) {
		if (!uid_valid(msgs[i].uid))
			abort();
		uids[i - 1] = msgs[i].uid;
	}
	qsort(uids, count, sizeof *uids, fuzz_pop3_uidcmp);
	for (i = 1; i < count; i++) {
		if (strcmp(uids[i - 1], uids[i]) == 0)
			abort();
	}
	free(uids);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct account	 acct;
	struct pop3	 p;
	struct pop3_msg	*msgs = NULL;
	struct error	 err;
	struct conn	*c;
	u_int		 count = 0;
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
	if (pop3_scan(&p, &msgs, &count, NULL, NULL, &err) == 0)
		fuzz_pop3_check(msgs, count);
end:
	fuzzconn_printable(p.greeting);
	for (k = 0; k < p.ncapa_lines; k++)
		fuzzconn_printable(p.capa_lines[k]);
	fuzzconn_printable(err.what);
	fuzzconn_printable(err.hint);
	pop3_scan_free(msgs);
	conn_free(c);
	return (0);
}
