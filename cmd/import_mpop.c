/*
 * mpop's ~/.mpoprc: the same shape as fetchrc (defaults, "account NAME :
 * PARENTS", one key and its value a line), so blocks are carried over as
 * they are and each key is translated on its own.  Where the defaults
 * differ (mpop uses STLS unless told otherwise), the first block says so.
 */
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "util/xmalloc.h"
#include "words.h"

/* Keys whose meaning and values are popfetch's too. */
static const char *const mpop_same[] = {
	"host", "port", "timeout", "pipelining", "user", "password", "tls",
	"tls_trust_file", "tls_key_file", "tls_cert_file", "tls_priorities",
	"tls_starttls", "only_new", "keep", "received_header", NULL
};

/* mpop keys with no equivalent, and why. */
static const char *const mpop_why[] = {
	"source_ip", "popfetch lets the system pick the source address",
	"proxy_host", "popfetch connects directly",
	"proxy_port", "popfetch connects directly",
	"socket", "popfetch connects over the network",
	"tls_crl_file", "GnuTLS checks the system's revocation data only",
	"tls_host_override", "popfetch checks the certificate against host",
	"tls_min_dh_prime_bits", "tls_priorities sets what GnuTLS accepts",
	"uidls_file", "popfetch keeps its state in state_dir, keyed by "
	    "user@host:port",
	NULL
};

/* auth values popfetch has, as mpop spells them. */
static const char *const mpop_auth[] = {
	"user", "apop", "plain", "login", "cram-md5", "scram-sha-256",
	"xoauth2", "oauthbearer", "external", NULL
};

static int
mpop_in(const char *const *list, const char *s)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, s) == 0)
			return (1);
	}
	return (0);
}

/* A size as mpop writes it (bytes, or with k or m) is one popfetch reads. */
static void
mpop_size(struct import *im, const char *key, const char *mkey,
    const char *v)
{
	if (strcmp(v, "off") == 0)
		return;
	if (strspn(v, "0123456789") == 0) {
		import_comment(im, "not carried over: %s %s: not a size", mkey,
		    v);
		return;
	}
	import_key(im, key, v, NULL);
}

static void
mpop_key(struct import *im, struct words *w, u_int line)
{
	const char	*k = w->v[0], *v = w->n > 1 ? w->v[1] : "", *why;
	char		*cmd;

	if (w->n < 2) {
		import_comment(im, "not carried over: '%s' at line %u of %s: "
		    "no value", k, line, im->path);
		return;
	}
	if (mpop_in(mpop_same, k)) {
		import_keyv(im, k, w->v + 1);
		/* Off means off: not the STLS the first block turned on. */
		if (strcmp(k, "tls") == 0 && strcmp(v, "off") == 0)
			import_key(im, "tls_starttls", "off", NULL);
		return;
	}
	if (strcmp(k, "auth") == 0) {
		if (strcmp(v, "on") == 0)
			import_key(im, "auth", "auto", NULL);
		else if (mpop_in(mpop_auth, v))
			import_key(im, "auth", v, NULL);
		else
			import_comment(im, "not carried over: auth %s: popfetch "
			    "lacks it; auto picks the strongest the server "
			    "offers", v);
	} else if (strcmp(k, "passwordeval") == 0) {
		/* mpop runs it with the shell. */
		cmd = words_join(w->v + 1);
		import_shell(im, "passwordeval", NULL, w->n == 2 ? v : cmd);
		free(cmd);
	} else if (strcmp(k, "filter") == 0) {
		/* Its exits 1 and 2 (delete unread, skip) are not popfetch's. */
		cmd = words_join(w->v + 1);
		import_shell(im, "filter", NULL, w->n == 2 ? v : cmd);
		import_key(im, "filter_exit", "mpop", NULL);
		free(cmd);
	} else if (strcmp(k, "tls_certcheck") == 0)
		import_key(im, "tls_verify", v, NULL);
	else if (strcmp(k, "tls_nocertcheck") == 0)
		import_key(im, "tls_verify", "off", NULL);
	else if (strcmp(k, "tls_fingerprint") == 0) {
		/* SHA-256 is 32 bytes: 64 hex digits and 31 colons. */
		if (strlen(v) == 95 || strlen(v) == 64)
			import_key(im, "tls_fingerprint", v, NULL);
		else
			import_comment(im, "not carried over: tls_fingerprint "
			    "%s: SHA-1 and MD5 pins are not accepted; popfetch "
			    "-S shows the SHA-256 one", v);
	} else if (strcmp(k, "killsize") == 0)
		mpop_size(im, "kill_size", k, v);
	else if (strcmp(k, "skipsize") == 0)
		mpop_size(im, "max_size", k, v);
	else if (strcmp(k, "delivery") == 0) {
		if (strcmp(v, "mda") == 0 && w->n > 2) {
			cmd = words_join(w->v + 2);
			import_shell(im, "delivery", "mda", w->n == 3 ?
			    w->v[2] : cmd);
			free(cmd);
		} else if ((strcmp(v, "maildir") == 0 ||
		    strcmp(v, "mbox") == 0) && w->n == 3)
			import_key(im, "delivery", v, w->v[2], NULL);
		else
			import_comment(im, "not carried over: delivery %s: "
			    "popfetch delivers to maildir, mbox or an mda", v);
	} else if ((why = import_why(mpop_why, k)) != NULL)
		import_comment(im, "not carried over: %s %s: %s", k, v, why);
	else
		import_comment(im, "not carried over: '%s' at line %u of %s: "
		    "not an mpop key popfetch knows", k, line, im->path);
}

int
import_mpop(struct import *im, FILE *f, struct error *err)
{
	struct words	 w;
	const char	*errstr;
	char		*line = NULL, *colon, *name, *parents;
	size_t		 size = 0;
	u_int		 lineno = 0;
	int		 inblock = 0, skipping = 0, rv = -1;

	memset(&w, 0, sizeof w);
	/* mpop starts TLS with STLS unless an account says otherwise. */
	import_comment(im, "mpop's default: STLS on port 110");
	import_defaults(im);
	import_key(im, "tls_starttls", "on", NULL);
	while (getline(&line, &size, f) != -1) {
		lineno++;
		words_free(&w);
		if (words_split(line, 1, &w, &errstr) == -1) {
			err_set(err, ERR_CONFIG, "%s:%u: %s", im->path, lineno,
			    errstr);
			goto out;
		}
		if (w.n == 0)
			continue;
		if (strcmp(w.v[0], "defaults") == 0) {
			import_defaults(im);
			inblock = 1;
			skipping = 0;
			continue;
		}
		if (strcmp(w.v[0], "account") == 0 && w.n > 1) {
			skipping = strcmp(w.v[1], "default") == 0;
			if (skipping) {
				import_comment(im, "not carried over: account "
				    "default: popfetch fetches every account "
				    "when none is named");
				continue;
			}
			name = words_join(w.v + 1);
			parents = NULL;
			if ((colon = strchr(name, ':')) != NULL) {
				parents = colon + 1 + strspn(colon + 1, " ");
				*colon = '\0';
				while (colon > name && colon[-1] == ' ')
					*--colon = '\0';
			}
			import_account(im, name, parents);
			free(name);
			inblock = 1;
			continue;
		}
		if (skipping)
			continue;
		if (!inblock) {
			import_comment(im, "not carried over: '%s' at line %u "
			    "of %s: outside any account", w.v[0], lineno,
			    im->path);
			continue;
		}
		mpop_key(im, &w, lineno);
	}
	if (ferror(f)) {
		err_setsys(err, ERR_IO, "%s", im->path);
		goto out;
	}
	rv = 0;
out:
	words_free(&w);
	if (line != NULL) {
		explicit_bzero(line, size);
		free(line);
	}
	return (rv);
}
