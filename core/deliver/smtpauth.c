#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "deliver/smtpauth.h"
#include "sasl/mech.h"
#include "util/log.h"

#define SMTPAUTH_CLEAR	0x01	/* the secret crosses readable */
#define SMTPAUTH_PICK	0x02	/* auto may choose it */

static const struct smtpauth_mech {
	enum auth_method	 method;
	const char		*name;
	int			 flags;
	void			 (*init)(struct sasl_client *,
				    const struct sasl_creds *);
} smtpauth_mechs[] = {
	/* In the order auto tries them: strongest first. */
	{ AUTH_SCRAM_SHA_256, "SCRAM-SHA-256", SMTPAUTH_PICK,
	    mech_scram_sha256 },
	{ AUTH_CRAM_MD5, "CRAM-MD5", SMTPAUTH_PICK, mech_cram_md5 },
	{ AUTH_PLAIN, "PLAIN", SMTPAUTH_PICK | SMTPAUTH_CLEAR, mech_plain },
	{ AUTH_LOGIN, "LOGIN", SMTPAUTH_PICK | SMTPAUTH_CLEAR, mech_login },
	/* A token or a certificate: used only when named. */
	{ AUTH_XOAUTH2, "XOAUTH2", SMTPAUTH_CLEAR, mech_xoauth2 },
	{ AUTH_OAUTHBEARER, "OAUTHBEARER", SMTPAUTH_CLEAR, mech_oauthbearer },
	{ AUTH_EXTERNAL, "EXTERNAL", 0, mech_external },
};
#define SMTPAUTH_NMECHS	(sizeof smtpauth_mechs / sizeof smtpauth_mechs[0])

int
smtpauth_choose(const char *offered, enum auth_method want, int safe,
    const char *peer, const char *proto, const struct sasl_creds *cr,
    struct sasl_client *c, struct error *err)
{
	const struct smtpauth_mech	*m;
	char				 shown[256];
	size_t				 i;
	int				 clear = 0;

	log_safe(shown, sizeof shown, offered);
	for (i = 0; i < SMTPAUTH_NMECHS; i++) {
		m = &smtpauth_mechs[i];
		if (want != AUTH_AUTO) {
			if (m->method != want)
				continue;
			if (!sasl_offered(offered, m->name)) {
				err_set(err, ERR_UNAVAILABLE, "%s does not "
				    "offer %s login (it offers: %s)", peer,
				    m->name, shown);
				err_hint(err, "set '%s_auth' to a method "
				    "the server offers, or to auto", proto);
				return (-1);
			}
			m->init(c, cr);
			return (0);
		}
		if (!(m->flags & SMTPAUTH_PICK) ||
		    !sasl_offered(offered, m->name))
			continue;
		if (!safe && (m->flags & SMTPAUTH_CLEAR)) {
			clear = 1;
			continue;
		}
		m->init(c, cr);
		return (0);
	}
	if (want != AUTH_AUTO)
		return (err_set(err, ERR_CONFIG, "%s_auth: not a method "
		    "this server has", proto));
	if (clear) {
		err_set(err, ERR_UNAVAILABLE, "%s_auth auto will not send "
		    "the password over a connection without TLS, and %s "
		    "offers only methods that would (%s)", proto, peer, shown);
		err_hint(err, "set '%s_tls starttls', or '%s_auth plain' "
		    "to send it unencrypted anyway", proto, proto);
		return (-1);
	}
	err_set(err, ERR_UNAVAILABLE, "%s offers no login method %s_auth "
	    "auto can use (it offers: %s)", peer, proto, shown);
	err_hint(err, "set '%s_auth' to one it offers (xoauth2 and "
	    "oauthbearer take a token from %s_passwordeval)", proto, proto);
	return (-1);
}
