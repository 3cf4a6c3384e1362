/* The choice of a login mechanism for an SMTP relay. */
#include <stdlib.h>
#include <string.h>

#include "deliver/smtpauth.h"
#include "sasl/mech.h"
#include "test.h"

static const struct sasl_creds cr = { "u", "p", "relay", 25 };

/* The mechanism chosen, or NULL with the error in *err. */
static const char *
choose(const char *offered, enum auth_method want, int safe,
    struct error *err)
{
	static char		name[32];
	struct sasl_client	c;

	err_clear(err);
	if (smtpauth_choose(offered, want, safe, "SMTP server relay", "smtp",
	    &cr, &c, err) == -1)
		return (NULL);
	(void)strlcpy(name, c.name, sizeof name);
	mech_free(&c);
	return (name);
}

int
main(void)
{
	struct error	err;

	/* auto: the strongest offered, in any case. */
	CHECK_STR(choose("PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256", AUTH_AUTO, 1,
	    &err), "SCRAM-SHA-256");
	CHECK_STR(choose("login cram-md5", AUTH_AUTO, 0, &err), "CRAM-MD5");
	CHECK_STR(choose("  PLAIN   LOGIN ", AUTH_AUTO, 1, &err), "PLAIN");
	/* No word is a prefix of another's match. */
	CHECK(choose("PLAINX CRAM-MD5X", AUTH_AUTO, 1, &err) == NULL);
	CHECK(err.code == ERR_UNAVAILABLE);

	/* Without a safe link auto sends no readable password... */
	CHECK(choose("PLAIN LOGIN", AUTH_AUTO, 0, &err) == NULL);
	CHECK(err.code == ERR_UNAVAILABLE);
	CHECK(strstr(err.what, "without TLS") != NULL);
	CHECK(strstr(err.hint, "smtp_tls starttls") != NULL);
	/* ...but a method the user named is used. */
	CHECK_STR(choose("PLAIN LOGIN", AUTH_PLAIN, 0, &err), "PLAIN");

	/* Tokens and certificates only when named. */
	CHECK(choose("XOAUTH2 OAUTHBEARER EXTERNAL", AUTH_AUTO, 1, &err) ==
	    NULL);
	CHECK_STR(choose("XOAUTH2", AUTH_XOAUTH2, 1, &err), "XOAUTH2");
	CHECK_STR(choose("OAUTHBEARER", AUTH_OAUTHBEARER, 1, &err),
	    "OAUTHBEARER");
	CHECK_STR(choose("EXTERNAL PLAIN", AUTH_EXTERNAL, 0, &err),
	    "EXTERNAL");

	/* Named but not offered: what is offered, made printable. */
	CHECK(choose("PLAIN \001", AUTH_CRAM_MD5, 1, &err) == NULL);
	CHECK(err.code == ERR_UNAVAILABLE);
	CHECK(strstr(err.what, "does not offer CRAM-MD5") != NULL);
	CHECK(strstr(err.what, "\\001") != NULL);

	/* POP3's own methods are no SMTP methods. */
	CHECK(choose("PLAIN", AUTH_USER, 1, &err) == NULL);
	CHECK(err.code == ERR_CONFIG);
	CHECK(choose("APOP", AUTH_APOP, 1, &err) == NULL);
	CHECK(err.code == ERR_CONFIG);
	return (TEST_DONE());
}
