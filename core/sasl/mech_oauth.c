/*
 * XOAUTH2 (Google's, Microsoft's) and OAUTHBEARER (RFC 7628): a bearer
 * token in place of a password.  A refused token comes back as a challenge
 * holding a JSON object; it is answered as each mechanism requires, so that
 * the server ends with -ERR, and its status is kept for the error message.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sasl/mech.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define OAUTH_FIELD_MAX	96

/*
 * The value of key in the server's JSON object, string or number, cut at
 * len bytes; "" when absent or of another type.  Only ever shown, after
 * log_safe.
 */
static void
oauth_field(json_object *o, const char *key, char *out, size_t len)
{
	json_object	*v;

	out[0] = '\0';
	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return;
	if (json_object_is_type(v, json_type_string) ||
	    json_object_is_type(v, json_type_int))
		(void)strlcpy(out, json_object_get_string(v), len);
}

/* What the server's JSON says, into c->detail. */
static void
oauth_detail(struct sasl_client *c, const u_char *in, size_t inlen)
{
	json_tokener	*tok;
	json_object	*o = NULL;
	char		*json, status[OAUTH_FIELD_MAX], error[OAUTH_FIELD_MAX];
	char		 raw[2 * OAUTH_FIELD_MAX + 16];
	char		 safe[sizeof c->detail - 32];

	json = xstrndup((const char *)in, inlen);
	if ((tok = json_tokener_new()) != NULL) {
		o = json_tokener_parse_ex(tok, json, (int)strlen(json));
		if (o != NULL && !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			o = NULL;
		}
		json_tokener_free(tok);
	}
	oauth_field(o, "status", status, sizeof status);
	oauth_field(o, "error", error, sizeof error);
	json_object_put(o);
	if (status[0] != '\0' || error[0] != '\0')
		(void)snprintf(raw, sizeof raw, "%s%s%s%s%s",
		    status[0] != '\0' ? "status " : "", status,
		    status[0] != '\0' && error[0] != '\0' ? ", " : "",
		    error[0] != '\0' ? "error " : "", error);
	else
		(void)strlcpy(raw, json, sizeof raw);
	log_safe(safe, sizeof safe, raw);
	(void)snprintf(c->detail, sizeof c->detail, "the server says: %s",
	    safe);
	free(json);
}

static int
oauth_xoauth2_step(struct sasl_client *c, const u_char *in, size_t inlen,
    struct sasl_buf *out, struct error *err)
{
	const struct sasl_creds	*cr = c->ctx;
	char			*msg;

	switch (c->round) {
	case 0:
		xasprintf(&msg, "user=%s\001auth=Bearer %s\001\001",
		    cr->user, cr->secret);
		sasl_set(out, msg, strlen(msg));
		xfree_secret(msg);
		return (0);
	case 1:
		/* The error challenge: an empty answer gets the -ERR. */
		oauth_detail(c, in, inlen);
		sasl_set(out, "", 0);
		return (0);
	default:
		return (err_set(err, ERR_PROTO, "the server sent a second "
		    "XOAUTH2 challenge"));
	}
}

void
mech_xoauth2(struct sasl_client *c, const struct sasl_creds *cr)
{
	memset(c, 0, sizeof *c);
	c->name = "XOAUTH2";
	c->initial = 1;
	c->step = oauth_xoauth2_step;
	c->ctx = (void *)cr;
}

static int
oauth_bearer_step(struct sasl_client *c, const u_char *in, size_t inlen,
    struct sasl_buf *out, struct error *err)
{
	const struct sasl_creds	*cr = c->ctx;
	char			*msg, *name;

	switch (c->round) {
	case 0:
		name = sasl_saslname(cr->user);
		xasprintf(&msg, "n,a=%s,\001host=%s\001port=%u\001"
		    "auth=Bearer %s\001\001", name, cr->host, cr->port,
		    cr->secret);
		free(name);
		sasl_set(out, msg, strlen(msg));
		xfree_secret(msg);
		return (0);
	case 1:
		/* RFC 7628 3.2.3: the error is acknowledged with ^A. */
		oauth_detail(c, in, inlen);
		sasl_set(out, "\001", 1);
		return (0);
	default:
		return (err_set(err, ERR_PROTO, "the server sent a second "
		    "OAUTHBEARER challenge"));
	}
}

void
mech_oauthbearer(struct sasl_client *c, const struct sasl_creds *cr)
{
	memset(c, 0, sizeof *c);
	c->name = "OAUTHBEARER";
	c->initial = 1;
	c->step = oauth_bearer_step;
	c->ctx = (void *)cr;
}
