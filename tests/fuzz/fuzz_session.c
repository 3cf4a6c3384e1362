/*
 * The server's side of a whole session is the input: greeting, CAPA, a
 * login by the method the first byte picks, STAT/UIDL/LIST with their range
 * checks, then every message through the dot-stream decoder.  Status lines,
 * response codes, multi-line replies, SASL challenges (CRAM, SCRAM, the
 * OAuth error JSON) and the scan are all reached from here, if shallowly
 * (fuzz_pop3 and the SASL harnesses go deeper).  Whatever fails, the error
 * must be printable.
 */
#include <sys/types.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "fuzzconn.h"
#include "net/conn.h"
#include "pop3/pop3.h"
#include "util/log.h"

static int
sink(void *arg, const char *buf, size_t len, struct error *err)
{
	(void)arg;
	(void)buf;
	(void)len;
	(void)err;
	return (0);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum auth_method methods[] = {
		AUTH_USER, AUTH_APOP, AUTH_PLAIN, AUTH_LOGIN, AUTH_CRAM_MD5,
		AUTH_SCRAM_SHA_256, AUTH_XOAUTH2, AUTH_OAUTHBEARER,
	};
	struct account		 acct;
	struct pop3		 p;
	struct pop3_list	*list = NULL;
	struct pop3_resp	 r;
	struct conn		*c;
	struct error		 err;
	unsigned long long	 wire;
	u_int			 i;
	int			 in[2], out[2];

	if (size < 1 || size > 512 * 1024)
		return (0);
	if (pipe(in) == -1)
		return (0);
	if (pipe(out) == -1) {
		close(in[0]);
		close(in[1]);
		return (0);
	}
	(void)fcntl(in[1], F_SETPIPE_SZ, 1024 * 1024);
	(void)fcntl(out[1], F_SETPIPE_SZ, 1024 * 1024);
	if (write(in[1], data + 1, size - 1) != (ssize_t)(size - 1))
		goto done;
	close(in[1]);
	in[1] = -1;

	memset(&acct, 0, sizeof acct);
	acct.name = (char *)"fuzz";
	acct.host = (char *)"pop.example.org";
	acct.user = (char *)"user";
	acct.password = (char *)"pencil";
	acct.port = 110;
	acct.auth = methods[data[0] % (sizeof methods / sizeof methods[0])];
	acct.pipelining = data[0] & 0x80 ? PIPELINING_ON : PIPELINING_AUTO;
	err_clear(&err);
	c = conn_new(in[0], out[1], 1, "the server");
	in[0] = out[1] = -1;	/* the conn closes them */
	pop3_init(&p, c, &acct);
	if (pop3_greeting(&p, &err) == -1 || pop3_capa(&p, &err) == -1 ||
	    auth_login(&p, &err) == -1 ||
	    pop3_scan(&p, NULL, 0, &list, &err) == -1)
		goto end;
	for (i = 1; i <= pop3_list_count(list) && i <= 64; i++) {
		if (pop3_response(&p, &r, &err) == -1 || !r.ok ||
		    pop3_body(&p, sink, NULL, pop3_list_size(list, i) * 2 + 65536, &wire,
		    &err) == -1)
			break;
	}
end:
	/* cmd/ prints errors as they are. */
	fuzzconn_printable(err.what);
	fuzzconn_printable(err.hint);
	pop3_list_free(list);
	conn_free(c);
done:
	if (in[0] != -1)
		close(in[0]);
	if (in[1] != -1)
		close(in[1]);
	if (out[1] != -1)
		close(out[1]);
	close(out[0]);
	return (0);
}
