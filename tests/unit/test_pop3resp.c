/*
 * The response parser, response codes, and the checks on what a server lists
 * (STAT, UIDL, LIST), run over a pair of pipes with the server's words
 * written in advance.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/conn.h"
#include "pop3/pop3.h"
#include "state/state.h"
#include "util/log.h"
#include "test.h"

static void
test_parse(void)
{
	struct pop3_resp	r;

	CHECK(pop3_parse_resp("+OK", &r) == 0 && r.ok);
	CHECK(pop3_parse_resp("+OK 2 320", &r) == 0 && r.ok);
	CHECK_STR(r.text, "2 320");
	CHECK(pop3_parse_resp("-ERR [IN-USE] locked", &r) == 0 && !r.ok);
	CHECK_STR(r.code, "IN-USE");
	CHECK_STR(r.text, "locked");
	CHECK(pop3_resp_class(&r, ERR_NOPERM) == ERR_TEMP);
	CHECK(pop3_parse_resp("-ERR [SYS/TEMP/DISK] later", &r) == 0);
	CHECK(pop3_resp_class(&r, ERR_NOPERM) == ERR_TEMP);
	CHECK(pop3_parse_resp("-ERR [LOGIN-DELAY] wait", &r) == 0);
	CHECK(pop3_resp_class(&r, ERR_NOPERM) == ERR_TEMP);
	CHECK(pop3_parse_resp("-ERR [SYS/PERM] gone", &r) == 0);
	CHECK(pop3_resp_class(&r, ERR_NOPERM) == ERR_PROTO);
	CHECK(pop3_parse_resp("-ERR [AUTH] bad", &r) == 0);
	CHECK(pop3_resp_class(&r, ERR_TEMP) == ERR_NOPERM);
	CHECK(pop3_parse_resp("-ERR [SYS/TEMPORARY] x", &r) == 0);
	CHECK(pop3_resp_class(&r, ERR_NOPERM) == ERR_NOPERM);
	CHECK(pop3_parse_resp("-ERR plain", &r) == 0 && r.code[0] == '\0');
	CHECK(pop3_resp_class(&r, ERR_NOPERM) == ERR_NOPERM);
	CHECK(pop3_parse_resp("+OKAY", &r) == -1);
	CHECK(pop3_parse_resp("OK", &r) == -1);
	CHECK(pop3_parse_resp("", &r) == -1);
	CHECK(pop3_parse_resp("* OK imap", &r) == -1);
}

static void
test_safe(void)
{
	char	buf[64];

	log_safe(buf, sizeof buf, "a\tb\x1b[2J\xff");
	CHECK(strchr(buf, '\x1b') == NULL);
	CHECK(strchr(buf, '\t') == NULL);
	CHECK(strchr(buf, '\xff') == NULL);
	log_safe(buf, 8, "0123456789");
	CHECK(strlen(buf) < 8);
}

/*
 * Runs pop3_scan against what the server is scripted to say, with the state
 * st (or none); the listing in *listp when listp is not NULL.
 */
static int
scan_state(const char *server, struct state *st, int known_sizes,
    struct pop3_list **listp, u_int *count, struct error *err)
{
	struct account	 acct;
	struct pop3	 p;
	struct pop3_list *list = NULL;
	struct conn	*c;
	int		 in[2], out[2], rc;

	memset(&acct, 0, sizeof acct);
	acct.pipelining = PIPELINING_ON;
	if (pipe(in) == -1 || pipe(out) == -1)
		return (-2);
	if (write(in[1], server, strlen(server)) != (ssize_t)strlen(server))
		return (-2);
	close(in[1]);
	c = conn_new(in[0], out[1], 5, "the server");
	pop3_init(&p, c, &acct);
	err_clear(err);
	rc = pop3_scan(&p, st, known_sizes, &list, err);
	*count = pop3_list_count(list);
	if (listp != NULL)
		*listp = list;
	else
		pop3_list_free(list);
	conn_free(c);
	close(out[0]);
	return (rc);
}

static int
scan(const char *server, u_int *count, struct error *err)
{
	return (scan_state(server, NULL, 0, NULL, count, err));
}

static void
test_scan(void)
{
	struct error	err;
	char		buf[512];
	u_int		n;

	CHECK(scan("+OK 2 30\r\n+OK\r\n1 abc\r\n2 def\r\n.\r\n"
	    "+OK\r\n1 10\r\n2 20\r\n.\r\n", &n, &err) == 0 && n == 2);
	CHECK(scan("+OK 0 0\r\n+OK\r\n.\r\n+OK\r\n.\r\n", &n, &err) == 0 &&
	    n == 0);
	/* Duplicate UID. */
	CHECK(scan("+OK 2 30\r\n+OK\r\n1 abc\r\n2 abc\r\n.\r\n"
	    "+OK\r\n1 10\r\n2 20\r\n.\r\n", &n, &err) == -1 &&
	    err.code == ERR_PROTO);
	/* UID with a control character, and one of 71 characters. */
	CHECK(scan("+OK 1 10\r\n+OK\r\n1 a\x01z\r\n.\r\n+OK\r\n1 10\r\n.\r\n",
	    &n, &err) == -1 && err.code == ERR_PROTO);
	memset(buf, 0, sizeof buf);
	(void)snprintf(buf, sizeof buf, "+OK 1 10\r\n+OK\r\n1 %071d\r\n.\r\n"
	    "+OK\r\n1 10\r\n.\r\n", 7);
	CHECK(scan(buf, &n, &err) == -1 && err.code == ERR_PROTO);
	/* A UID with a space in it. */
	CHECK(scan("+OK 1 10\r\n+OK\r\n1 a b\r\n.\r\n+OK\r\n1 10\r\n.\r\n",
	    &n, &err) == -1 && err.code == ERR_PROTO);
	/* Message number beyond STAT's count. */
	CHECK(scan("+OK 1 10\r\n+OK\r\n1 a\r\n2 b\r\n.\r\n+OK\r\n1 10\r\n.\r\n",
	    &n, &err) == -1 && err.code == ERR_PROTO);
	CHECK(scan("+OK 1 10\r\n+OK\r\n1 a\r\n.\r\n+OK\r\n1 10\r\n3 10\r\n"
	    ".\r\n", &n, &err) == -1 && err.code == ERR_PROTO);
	/* A message without a UID, and one listed twice. */
	CHECK(scan("+OK 2 20\r\n+OK\r\n1 a\r\n.\r\n+OK\r\n1 10\r\n2 10\r\n"
	    ".\r\n", &n, &err) == -1 && err.code == ERR_PROTO);
	CHECK(scan("+OK 1 10\r\n+OK\r\n1 a\r\n.\r\n+OK\r\n1 10\r\n1 10\r\n"
	    ".\r\n", &n, &err) == -1 && err.code == ERR_PROTO);
	/* Counts and sizes must be numbers in range. */
	CHECK(scan("+OK -1 10\r\n", &n, &err) == -1 && err.code == ERR_PROTO);
	CHECK(scan("+OK 99999999 10\r\n", &n, &err) == -1 &&
	    err.code == ERR_PROTO);
	CHECK(scan("+OK 1 10\r\n+OK\r\n1 a\r\n.\r\n+OK\r\n1 x\r\n.\r\n",
	    &n, &err) == -1 && err.code == ERR_PROTO);
	/* No UIDL: popfetch cannot track messages. */
	CHECK(scan("+OK 1 10\r\n-ERR no\r\n+OK\r\n1 10\r\n.\r\n", &n,
	    &err) == -1 && err.code == ERR_UNAVAILABLE);
	/* The connection ends early. */
	CHECK(scan("+OK 1 10\r\n+OK\r\n1 a\r\n", &n, &err) == -1 &&
	    err.code == ERR_TEMP);
}

/*
 * A UID the state already holds is pointed to, not copied, and claimed for
 * state_retain_claimed; the others are the listing's own.  A UID given
 * twice is refused either way: the state's as it comes, the others once
 * listed.  A size past 32 bits is kept whole.
 */
static void
test_scan_state(void)
{
	const char	*server = "+OK 4 30\r\n+OK\r\n1 abc\r\n2 def\r\n"
			    "3 ghi\r\n4 old\r\n.\r\n+OK\r\n1 10\r\n"
			    "2 5000000000\r\n3 30\r\n4 4294967295\r\n.\r\n";
	const char	*dups[] = {
		/* one the state holds, twice */
		"+OK 2 20\r\n+OK\r\n1 ghi\r\n2 ghi\r\n.\r\n"
		    "+OK\r\n1 10\r\n2 10\r\n.\r\n",
		/* one it does not */
		"+OK 3 20\r\n+OK\r\n1 new\r\n2 abc\r\n3 new\r\n.\r\n"
		    "+OK\r\n1 10\r\n2 10\r\n3 10\r\n.\r\n",
	};
	struct pop3_list *list = NULL;
	struct state	*st;
	struct error	 err;
	char		 tmpl[] = "/tmp/popfetch-test.XXXXXX", path[512];
	FILE		*fp;
	u_int		 n = 0, i;

	if (mkdtemp(tmpl) == NULL ||
	    state_path(path, sizeof path, tmpl, "k", ".state") == -1 ||
	    (fp = fopen(path, "w")) == NULL) {
		CHECK(0);
		return;
	}
	fputs("popfetch-state 1\nabc\t1\nghi\t3\ngone\t2\tA2\n", fp);
	fclose(fp);
	err_clear(&err);
	st = state_open(tmpl, "k", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK(scan_state(server, st, 1, &list, &n, &err) == 0);
	if (list != NULL && n == 4) {
		CHECK_STR(pop3_list_uid(list, 1), "abc");
		CHECK_STR(pop3_list_uid(list, 2), "def");
		CHECK_STR(pop3_list_uid(list, 3), "ghi");
		CHECK_STR(pop3_list_uid(list, 4), "old");
		/* The state's own copy: found by its address. */
		CHECK(state_uid(st, state_claim(st, "abc", &(int){0})) ==
		    pop3_list_uid(list, 1));
		CHECK(pop3_list_size(list, 1) == 10);
		CHECK(pop3_list_size(list, 2) == 5000000000ULL);
		CHECK(pop3_list_size(list, 3) == 30);
		CHECK(pop3_list_size(list, 4) == 4294967295ULL);
	} else
		CHECK(0);
	/*
	 * The listing claimed abc and ghi: gone, missing from the two
	 * listings before, is forgotten.
	 */
	state_retain_claimed(st);
	CHECK(state_seen(st, "abc", NULL) == 1);
	CHECK(state_seen(st, "ghi", NULL) == 1);
	CHECK(state_seen(st, "gone", NULL) == 0);
	pop3_list_free(list);
	state_close(st);

	/* Sizes of the state's UIDs not asked for: not kept. */
	st = state_open(tmpl, "k", &err);
	CHECK(st != NULL);
	if (st == NULL)
		return;
	list = NULL;
	CHECK(scan_state(server, st, 0, &list, &n, &err) == 0);
	if (list != NULL && n == 4) {
		CHECK_STR(pop3_list_uid(list, 3), "ghi");
		CHECK(pop3_list_size(list, 1) == 0);
		CHECK(pop3_list_size(list, 2) == 5000000000ULL);
		CHECK(pop3_list_size(list, 3) == 0);
		CHECK(pop3_list_size(list, 4) == 4294967295ULL);
	} else
		CHECK(0);
	pop3_list_free(list);
	state_close(st);

	for (i = 0; i < sizeof dups / sizeof dups[0]; i++) {
		st = state_open(tmpl, "k", &err);
		CHECK(st != NULL);
		if (st == NULL)
			return;
		err_clear(&err);
		CHECK(scan_state(dups[i], st, 0, NULL, &n, &err) == -1);
		CHECK(err.code == ERR_PROTO);
		CHECK(strstr(err.what, "same UID") != NULL);
		state_close(st);
	}
	(void)unlink(path);
	(void)rmdir(tmpl);
}

static void
test_long_line(void)
{
	struct error	 err;
	char		*big;
	u_int		 n;
	size_t		 len = 3 * CONN_LINE_MAX;

	/* Fits in the pipe's buffer; the line never ends. */
	big = malloc(len + 1);
	memcpy(big, "+OK ", 4);
	memset(big + 4, 'x', len - 4);
	big[len] = '\0';
	CHECK(scan(big, &n, &err) == -1 && err.code == ERR_PROTO);
	free(big);
}

int
main(void)
{
	test_parse();
	test_safe();
	test_scan();
	test_scan_state();
	test_long_line();
	return (TEST_DONE());
}
