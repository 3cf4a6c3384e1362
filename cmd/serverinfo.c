#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exitcode.h"
#include "output.h"
#include "serverinfo.h"
#include "session/serverinfo.h"
#include "util/log.h"

/* What each capability means to somebody writing an account block. */
static const struct {
	const char	*cap;
	const char	*means;
} serverinfo_caps[] = {
	{ "PIPELINING", "commands may be sent in batches: faster fetching" },
	{ "UIDL", "unique message IDs: needed to tell new mail from old" },
	{ "TOP", "headers can be read alone: needed by 'filter'" },
	{ "USER", "USER/PASS login ('auth user')" },
	{ "SASL", "SASL login mechanisms ('auth' plain, login, cram-md5, "
	    "scram-sha-256, xoauth2, oauthbearer, external)" },
	{ "STLS", "a plain connection can be upgraded to TLS "
	    "('tls_starttls on', port 110)" },
	{ "RESP-CODES", "errors carry codes like [IN-USE], [SYS/TEMP]: "
	    "popfetch tells temporary failures from permanent ones" },
	{ "AUTH-RESP-CODE", "login errors carry the [AUTH] code" },
	{ "LOGIN-DELAY", "the least number of seconds between two logins: "
	    "do not run popfetch more often" },
	{ "EXPIRE", "days after which the server deletes fetched messages "
	    "itself (NEVER: it does not; 0: at once, whatever 'keep' says)" },
	{ "IMPLEMENTATION", "the server software" },
	{ "UTF8", "UTF-8 user names and passwords" },
};

static void
serverinfo_cap(const char *line)
{
	size_t	i, n = strcspn(line, " ");

	for (i = 0; i < sizeof serverinfo_caps / sizeof serverinfo_caps[0];
	    i++) {
		if (strlen(serverinfo_caps[i].cap) == n &&
		    strncasecmp(line, serverinfo_caps[i].cap, n) == 0) {
			printf("  %-28s %s\n", line, serverinfo_caps[i].means);
			return;
		}
	}
	printf("  %s\n", line);
}

/*
 * A certificate's names are the server's words, trusted or not: escaped,
 * so that none can move the cursor or forge the lines read before pinning.
 */
static void
serverinfo_field(const char *label, const char *text)
{
	char	safe[2048];

	log_safe(safe, sizeof safe, text);
	printf("  %-12s %s\n", label, safe);
}

int
serverinfo_run(const struct rc_account *ra)
{
	const struct account	*a = &ra->acct;
	struct serverinfo	 si;
	struct error		 err;
	const struct tls_info	*ti = &si.tls_info;
	size_t			 i;

	err_clear(&err);
	log_account(a->name);
	if (serverinfo_get(a, &si, &err) == -1) {
		output_error(a->name, a->host, &err);
		return (exitcode(err.code));
	}
	printf("account %s: %s port %u, %s\n", a->name, a->host, si.port,
	    !a->tls ? "no TLS" : a->tls_starttls ? "STLS" : "implicit TLS");
	printf("greeting: %s\n", si.greeting);
	if (si.apop)
		printf("  the greeting has an APOP timestamp ('auth apop')\n");
	if (!si.capa_ok)
		printf("capabilities: none (the server does not answer "
		    "CAPA)\n");
	else {
		printf("capabilities:\n");
		for (i = 0; i < si.ncapa; i++)
			serverinfo_cap(si.capa[i]);
	}
	if (!si.tls) {
		printf("TLS: none\n");
		return (0);
	}
	printf("TLS: %s\n", ti->desc);
	printf("certificate:\n");
	serverinfo_field("subject:", ti->subject);
	serverinfo_field("names:", ti->altnames[0] ? ti->altnames : "-");
	serverinfo_field("issuer:", ti->issuer);
	printf("  valid:       %s to %s\n", ti->not_before, ti->not_after);
	printf("  SHA-256:     %s\n", ti->fingerprint);
	serverinfo_field("check:", ti->verify);
	printf("to pin this certificate instead of trusting a CA:\n"
	    "  tls_fingerprint %s\n", ti->fingerprint);
	return (0);
}
