#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "authorize.h"
#include "exitcode.h"
#include "oauth/oauth.h"
#include "output.h"
#include "secret.h"
#include "util/log.h"
#include "util/xmalloc.h"

int
authorize_run(const struct rc_account *ra)
{
	const struct account	*a = &ra->acct;
	struct oauth_conf	 c;
	struct oauth_device	 dv;
	struct error		 err;
	struct tm		*tm;
	char			*cs = NULL, uri[1024], code[256], when[64];
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
		err_set(&err, ERR_CONFIG, "account '%s': the authorization "
		    "code flow (a browser and a loopback redirect) is not "
		    "built yet, and the provider has no device flow for mail",
		    a->name);
		err_hint(&err, "set oauth_device_url if the provider has one");
		goto fail;
	}
	if (oauth_device_start(&c, &dv, &err) == -1)
		goto fail;
	(void)strnvis(uri, dv.verification_uri, sizeof uri, VIS_SAFE);
	(void)strnvis(code, dv.user_code, sizeof code, VIS_SAFE);
	printf("To authorize %s, open %s\nand enter the code %s\n", a->name,
	    uri, code);
	fflush(stdout);
	for (;;) {
		sleep((u_int)dv.interval);
		if ((rc = oauth_device_poll(&c, &dv, &err)) == -1)
			goto fail;
		if (rc == 1)
			break;
		log_verbose("not authorized yet; asking again in %d s",
		    dv.interval);
	}
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
