/*
 * The response parser, response codes, and the checks on what a server lists
 * (STAT, UIDL, LIST), run over a pair of pipes with the server's words
 * written in advance.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <unistd.h>

#include "net/conn.h"
#include "pop3/pop3.h"
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

/* Runs pop3_scan against what the server is scripted to say. */
static int
scan(const char *server, u_int *count, struct error *err)
{
	struct account	 acct;
	struct pop3	 p;
	struct pop3_msg	*msgs = NULL;
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
	rc = pop3_scan(&p, &msgs, count, NULL, NULL, err);
	if (rc == 0)
		pop3_scan_free(msgs);
	conn_free(c);
	close(out[0]);
	return (rc);
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

static const char	*known_uids[] = { "abc", "ghi" };

static const char *
known(void *arg, const char *uid)
{
	size_t	i;

	(void)arg;
	for (i = 0; i < sizeof known_uids / sizeof known_uids[0]; i++) {
		if (strcmp(uid, known_uids[i]) == 0)
			return (known_uids[i]);
	}
	return (NULL);
}

/*
 * A UID the state already holds is pointed to, not copied; the others are
 * the listing's own; a UID given twice is refused either way.
 */
static void
test_scan_known(void)
{
	const char	*server = "+OK 3 30\r\n+OK\r\n1 abc\r\n2 def\r\n"
			    "3 ghi\r\n.\r\n+OK\r\n1 10\r\n2 20\r\n3 30\r\n.\r\n";
	const char	*dup = "+OK 2 20\r\n+OK\r\n1 ghi\r\n2 ghi\r\n.\r\n"
			    "+OK\r\n1 10\r\n2 10\r\n.\r\n";
	struct account	 acct;
	struct pop3	 p;
	struct pop3_msg	*msgs = NULL;
	struct conn	*c;
	struct error	 err;
	u_int		 n = 0;
	int		 in[2], out[2], pass;

	memset(&acct, 0, sizeof acct);
	acct.pipelining = PIPELINING_ON;
	for (pass = 0; pass < 2; pass++) {
		const char	*text = pass == 0 ? server : dup;

		if (pipe(in) == -1 || pipe(out) == -1 ||
		    write(in[1], text, strlen(text)) != (ssize_t)strlen(text)) {
			CHECK(0);
			return;
		}
		close(in[1]);
		c = conn_new(in[0], out[1], 5, "the server");
		pop3_init(&p, c, &acct);
		err_clear(&err);
		if (pass == 0) {
			CHECK(pop3_scan(&p, &msgs, &n, known, NULL, &err) == 0);
			if (msgs != NULL && n == 3) {
				CHECK(msgs[1].uid == known_uids[0]);
				CHECK_STR(msgs[2].uid, "def");
				CHECK(msgs[3].uid == known_uids[1]);
				CHECK(msgs[3].size == 30);
			} else
				CHECK(0);
			pop3_scan_free(msgs);
		} else {
			CHECK(pop3_scan(&p, &msgs, &n, known, NULL, &err) == -1);
			CHECK(err.code == ERR_PROTO);
			CHECK(strstr(err.what, "same UID") != NULL);
		}
		conn_free(c);
		close(out[0]);
	}
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
	test_scan_known();
	test_long_line();
	return (TEST_DONE());
}
