#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authorize.h"
#include "exitcode.h"
#include "oauth/oauth.h"
#include "output.h"
#include "secret.h"
#include "util/intr.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* Seconds to wait for the browser. */
#define AUTHORIZE_WAIT	600

/*
 * The authorization code flow: the browser ends on our loopback listener,
 * or, on a machine it cannot reach, the user pastes where it ended.
 */
static int
authorize_pkce(const struct oauth_conf *c, struct error *err)
{
	struct oauth_pkce	 pk;
	struct pollfd		 pfd[2];
	char			*query = NULL, *line = NULL;
	size_t			 size = 0;
	ssize_t			 n;
	int			 nfds = 2, rv = -1;
	time_t			 deadline = time(NULL) + AUTHORIZE_WAIT;

	if (oauth_pkce_start(c, &pk, err) == -1)
		goto out;
	printf("To authorize %s, open this address in a browser:\n\n%s\n\n"
	    "If the browser runs on another machine, paste here the address "
	    "it ends on\n(it starts with %s):\n", c->account, pk.url,
	    pk.redirect);
	fflush(stdout);
	for (;;) {
		if (intr_check(err) == -1)
			goto out;
		if (time(NULL) > deadline) {
			err_set(err, ERR_TEMP, "no answer from the browser in "
			    "%d minutes", AUTHORIZE_WAIT / 60);
			goto out;
		}
		pfd[0].fd = pk.fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = STDIN_FILENO;
		pfd[1].events = POLLIN;
		if (poll(pfd, nfds, 1000) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			if (oauth_pkce_accept(&pk, &query, err) == -1)
				goto out;
			if (query != NULL)
				break;
		}
		if (nfds == 2 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			if ((n = getline(&line, &size, stdin)) == -1) {
				nfds = 1;	/* no one to paste: the browser */
				continue;
			}
			line[strcspn(line, "\r\n")] = '\0';
			if (*line == '\0')
				continue;
			query = xstrdup(line);
			break;
		}
	}
	rv = oauth_pkce_finish(c, &pk, query, err);
out:
	free(query);
	free(line);
	oauth_pkce_free(&pk);
	return (rv);
}

int
authorize_run(const struct rc_account *ra)
{
	const struct account	*a = &ra->acct;
	struct oauth_conf	 c;
	struct oauth_device	 dv;
	struct error		 err;
	struct tm		*tm;
	char			*cs = NULL, when[64];
	time_t			 until;
	int			 rc, rv;

	memset(&dv, 0, sizeof dv);
	err_clear(&err);
	log_account(a->name);
	if (a->oauth_provider == OAUTH_NONE) {
		err_set(&err, ERR_CONFIG, "account '%s' has no oauth_provider",
		    a->name);
		err_hint(&err, "--authorize is for accounts whose tokens "
		    "popfetch keeps: set oauth_provider, see fetchrc(5)");
		goto fail;
	}
	if (secret_oauth_conf(ra, &c, &cs, &err) == -1)
		goto fail;
	if (c.device_url == NULL) {
		if (authorize_pkce(&c, &err) == -1)
			goto fail;
		goto done;
	}
	if (oauth_device_start(&c, &dv, &err) == -1)
		goto fail;
	/*
	 * Printed whole: oauth_device_start() let only printable ASCII
	 * through, and a cut address would be of no use.
	 */
	printf("To authorize %s, open %s\nand enter the code %s\n", a->name,
	    dv.verification_uri, dv.user_code);
	fflush(stdout);
	for (;;) {
		sleep((u_int)dv.interval);
		if (intr_check(&err) == -1 ||
		    (rc = oauth_device_poll(&c, &dv, &err)) == -1)
			goto fail;
		if (rc == 1)
			break;
		log_verbose("not authorized yet; asking again in %d s",
		    dv.interval);
	}
done:
	until = oauth_expiry(&c);
	if ((tm = localtime(&until)) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", tm) == 0)
		(void)strlcpy(when, "?", sizeof when);
	printf("%s is authorized: its access token is good until %s, and "
	    "popfetch refreshes it on every run\n", a->name, when);
	rv = 0;
	goto out;

fail:
	output_error(a->name, NULL, &err);
	rv = exitcode(err.code);
out:
	oauth_device_free(&dv);
	xfree_secret(cs);
	log_account(NULL);
	return (rv);
}
