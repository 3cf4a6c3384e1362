/*
 * OAuth 2.0 as the network and the disk give it: the token file (the first
 * byte's low bits 0), or the answer of an endpoint to a refresh, a device
 * code request, a device poll or a code grant (1-4), with the HTTP status
 * the next bits pick.  This harness stands in for oauth/http.c: its
 * http_post answers with the input, no network.  Tokens accepted must be
 * saved so that they load again; every error must be printable, since it
 * goes to a terminal as it is.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzzconn.h"
#include "oauth/http.h"
#include "oauth/oauth.h"
#include "util/xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Expired, so that a refresh asks the endpoint. */
static const char	fuzz_tokens[] =
    "{\"refresh_token\":\"r\",\"access_token\":\"a\",\"expires_at\":1}\n";

static char		fuzz_dir[64];
static struct account	fuzz_acct;
static struct oauth_conf fuzz_conf;

static const char	*fuzz_body;	/* the endpoint's answer, or NULL */
static size_t		 fuzz_len;
static long		 fuzz_status;

int
http_post(const char *url, const char *const *form, const char *trust_file,
    int timeout, size_t max, struct http_answer *ans, struct error *err)
{
	(void)url;
	(void)form;
	(void)trust_file;
	(void)timeout;
	if (fuzz_body == NULL)
		return (err_set(err, ERR_TEMP, "no answer"));
	if (fuzz_len > max)
		return (err_set(err, ERR_PROTO, "answer too long"));
	ans->status = fuzz_status;
	ans->body = xmalloc(fuzz_len + 1);
	memcpy(ans->body, fuzz_body, fuzz_len);
	ans->body[fuzz_len] = '\0';
	ans->len = fuzz_len;
	/* One answer only: a second request in the same run gets none. */
	fuzz_body = NULL;
	return (0);
}

void
http_answer_free(struct http_answer *ans)
{
	free(ans->body);
	ans->body = NULL;
}

static void
fuzz_oauth_rm(const char *suffix)
{
	char	path[PATH_MAX];
	int	n;

	n = snprintf(path, sizeof path, "%s%s", fuzz_conf.path, suffix);
	if (n > 0 && (size_t)n < sizeof path)
		(void)unlink(path);
}

static void
fuzz_oauth_cleanup(void)
{
	fuzz_oauth_rm("");
	fuzz_oauth_rm(".tmp");
	fuzz_oauth_rm(".lock");
	(void)rmdir(fuzz_dir);
}

/* Once per process; in /dev/shm where there is one, as saving syncs. */
static void
fuzz_oauth_init(void)
{
	static int	done;
	struct error	err;

	if (done)
		return;
	if (strlcpy(fuzz_dir, access("/dev/shm", W_OK) == 0 ?
	    "/dev/shm/fuzz_oauth.XXXXXX" : "/tmp/fuzz_oauth.XXXXXX",
	    sizeof fuzz_dir) >= sizeof fuzz_dir || mkdtemp(fuzz_dir) == NULL)
		abort();
	fuzz_acct.name = (char *)"fuzz";
	fuzz_acct.host = (char *)"pop.example.org";
	fuzz_acct.user = (char *)"user";
	fuzz_acct.port = 995;
	fuzz_acct.state_dir = fuzz_dir;
	fuzz_acct.oauth_client_id = (char *)"client";
	fuzz_acct.oauth_token_url = (char *)"https://auth.example.org/token";
	fuzz_acct.oauth_device_url = (char *)"https://auth.example.org/device";
	fuzz_acct.timeout = 10;
	err_clear(&err);
	if (oauth_conf(&fuzz_conf, &fuzz_acct, NULL, &err) == -1)
		abort();
	if (atexit(fuzz_oauth_cleanup) != 0)
		abort();
	done = 1;
}

static void
fuzz_oauth_file(const uint8_t *data, size_t size)
{
	int	fd;

	if ((fd = open(fuzz_conf.path, O_WRONLY|O_CREAT|O_TRUNC, 0600)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

/* Tokens just saved load again, and a fresh one is used as it is. */
static void
fuzz_oauth_saved(const char *token)
{
	struct error	 err;
	char		*again = NULL;
	int		 refreshed;

	fuzzconn_printable(token);
	if (oauth_expiry(&fuzz_conf) == 0)
		abort();
	err_clear(&err);
	if (oauth_expiry(&fuzz_conf) - time(NULL) <= OAUTH_MARGIN + 5)
		return;
	if (oauth_access(&fuzz_conf, 0, &again, &refreshed, &err) == -1 ||
	    refreshed || strcmp(again, token) != 0)
		abort();
	xfree_secret(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long	 status[] = { 200, 400, 401, 503 };
	struct oauth_device	 dv;
	struct error		 err;
	char			*token = NULL;
	int			 refreshed, rv;

	if (size < 1 || size > OAUTH_ANSWER_MAX)
		return (0);
	fuzz_oauth_init();
	err_clear(&err);
	fuzz_body = (const char *)data + 1;
	fuzz_len = size - 1;
	fuzz_status = status[(data[0] >> 3) % 4];

	switch (data[0] % 8) {
	case 0:
		fuzz_body = NULL;
		fuzz_oauth_file(data + 1, size - 1);
		(void)oauth_expiry(&fuzz_conf);
		if (oauth_access(&fuzz_conf, 0, &token, &refreshed, &err) ==
		    0)
			fuzzconn_printable(token);
		break;
	case 1:
		fuzz_oauth_file((const uint8_t *)fuzz_tokens,
		    sizeof fuzz_tokens - 1);
		if (oauth_access(&fuzz_conf, 1, &token, &refreshed, &err) ==
		    0) {
			if (!refreshed)
				abort();
			fuzz_oauth_saved(token);
		}
		break;
	case 2:
		if (oauth_device_start(&fuzz_conf, &dv, &err) == 0) {
			fuzzconn_printable(dv.device_code);
			fuzzconn_printable(dv.user_code);
			fuzzconn_printable(dv.verification_uri);
			if (dv.interval < 1 || dv.interval > 300)
				abort();
			oauth_device_free(&dv);
		}
		break;
	case 3:
		(void)unlink(fuzz_conf.path);
		memset(&dv, 0, sizeof dv);
		dv.device_code = xstrdup("d");
		dv.interval = 5;
		dv.expires = time(NULL) + 600;
		rv = oauth_device_poll(&fuzz_conf, &dv, &err);
		if (rv == 1 && oauth_expiry(&fuzz_conf) == 0)
			abort();
		if (rv == 0 && dv.interval != 5 && dv.interval != 10)
			abort();
		oauth_device_free(&dv);
		break;
	default:
		(void)unlink(fuzz_conf.path);
		if (oauth_code_grant(&fuzz_conf, "code",
		    "http://127.0.0.1:1/", "verifier", &err) == 0 &&
		    oauth_expiry(&fuzz_conf) == 0)
			abort();
		break;
	}
	xfree_secret(token);
	fuzzconn_printable(err.what);
	fuzzconn_printable(err.hint);
	return (0);
}
