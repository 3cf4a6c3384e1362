#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "oauth/http.h"
#include "oauth/oauth.h"
#include "state/state.h"
#include "util/log.h"
#include "util/mkdirs.h"
#include "util/xmalloc.h"

/* A token file bigger than this is not ours. */
#define OAUTH_FILE_MAX		(64 * 1024)
/* The longest token, code or URL believed from an endpoint. */
#define OAUTH_FIELD_MAX		(16 * 1024)

static const struct oauth_preset {
	enum oauth_provider	 provider;
	const char		*auth_url, *device_url, *token_url, *scope;
} oauth_presets[] = {
	{ OAUTH_MICROSOFT,
	    "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
	    "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
	    "https://login.microsoftonline.com/common/oauth2/v2.0/token",
	    "https://outlook.office.com/POP.AccessAsUser.All offline_access" },
	{ OAUTH_GOOGLE,
	    "https://accounts.google.com/o/oauth2/v2/auth",
	    NULL,	/* Google's device flow does not grant mail scopes */
	    "https://oauth2.googleapis.com/token",
	    "https://mail.google.com/" },
};

struct oauth_tokens {
	char	*access;
	char	*refresh;
	time_t	 expires;
};

int
oauth_conf(struct oauth_conf *c, const struct account *a,
    const char *client_secret, struct error *err)
{
	char	key[512];
	size_t	i;

	memset(c, 0, sizeof *c);
	c->account = a->name;
	for (i = 0; i < sizeof oauth_presets / sizeof oauth_presets[0]; i++) {
		if (oauth_presets[i].provider != a->oauth_provider)
			continue;
		c->auth_url = oauth_presets[i].auth_url;
		c->device_url = oauth_presets[i].device_url;
		c->token_url = oauth_presets[i].token_url;
		c->scope = oauth_presets[i].scope;
	}
	if (a->oauth_auth_url != NULL)
		c->auth_url = a->oauth_auth_url;
	if (a->oauth_device_url != NULL)
		c->device_url = a->oauth_device_url;
	if (a->oauth_token_url != NULL)
		c->token_url = a->oauth_token_url;
	if (a->oauth_scope != NULL)
		c->scope = a->oauth_scope;
	c->client_id = a->oauth_client_id;
	c->client_secret = client_secret;
	c->trust_file = a->tls_trust_file;
	c->timeout = a->timeout;
	if (c->client_id == NULL)
		return (err_set(err, ERR_CONFIG, "account '%s' has "
		    "oauth_provider but no oauth_client_id", a->name));
	if (c->token_url == NULL)
		return (err_set(err, ERR_CONFIG, "account '%s' has no "
		    "oauth_token_url", a->name));
	if (a->state_dir == NULL || state_key(a, key, sizeof key) == -1 ||
	    state_path(c->path, sizeof c->path, a->state_dir, key,
	    ".oauth") == -1)
		return (err_set(err, ERR_CONFIG, "account '%s': state_dir is "
		    "too long", a->name));
	return (0);
}

static void
oauth_tokens_free(struct oauth_tokens *t)
{
	xfree_secret(t->access);
	xfree_secret(t->refresh);
	t->access = t->refresh = NULL;
}

/* A string field of an object, bounded and printable; NULL if absent. */
static int
oauth_string(json_object *o, const char *name, char **out)
{
	json_object	*v;
	const char	*s;
	size_t		 i, len;

	*out = NULL;
	if (!json_object_object_get_ex(o, name, &v))
		return (0);
	if (!json_object_is_type(v, json_type_string))
		return (-1);
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len == 0 || len > OAUTH_FIELD_MAX || strlen(s) != len)
		return (-1);
	for (i = 0; i < len; i++) {
		if ((u_char)s[i] < 0x20 || (u_char)s[i] >= 0x7f)
			return (-1);
	}
	*out = xstrdup(s);
	return (0);
}

/* A whole number field in [min, max]; def if absent. */
static int
oauth_number(json_object *o, const char *name, long long min, long long max,
    long long def, long long *out)
{
	json_object	*v;
	const char	*errstr;
	long long	 n;

	*out = def;
	if (!json_object_object_get_ex(o, name, &v))
		return (0);
	/* Some servers send numbers as strings. */
	if (json_object_is_type(v, json_type_string)) {
		n = strtonum(json_object_get_string(v), min, max, &errstr);
		if (errstr != NULL)
			return (-1);
	} else if (json_object_is_type(v, json_type_int)) {
		n = json_object_get_int64(v);
		if (n < min || n > max)
			return (-1);
	} else
		return (-1);
	*out = n;
	return (0);
}

/* The answer's body as a JSON object, or NULL. */
static json_object *
oauth_json(const struct http_answer *ans)
{
	json_tokener	*tok;
	json_object	*o;

	if ((tok = json_tokener_new()) == NULL)
		return (NULL);
	o = json_tokener_parse_ex(tok, ans->body, (int)ans->len);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)ans->len ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return (o);
}

static int
oauth_malformed(const char *url, const char *what, struct error *err)
{
	err_set(err, ERR_PROTO, "%s answered %s", url, what);
	err_hint(err, "is oauth_token_url right? The provider may have "
	    "changed its endpoints");
	return (-1);
}

/*
 * An error answer (RFC 6749 section 5.2): invalid_grant means the grant is
 * gone (revoked, expired, password changed), which only --authorize mends.
 */
static int
oauth_refused(const struct oauth_conf *c, const char *url,
    const struct http_answer *ans, json_object *o, struct error *err)
{
	json_object	*v;
	char		*code = NULL, safe[300], dsafe[900];

	if (ans->status >= 500)
		return (err_set(err, ERR_TEMP, "%s answered HTTP %ld: try "
		    "again later", url, ans->status));
	if (o == NULL || oauth_string(o, "error", &code) == -1 ||
	    code == NULL) {
		free(code);
		return (oauth_malformed(url, "an error that is not OAuth JSON",
		    err));
	}
	log_safe(safe, sizeof safe, code);
	dsafe[0] = '\0';
	/* Only shown: any string will do, made printable and cut short. */
	if (json_object_object_get_ex(o, "error_description", &v) &&
	    json_object_is_type(v, json_type_string))
		log_safe(dsafe, sizeof dsafe, json_object_get_string(v));
	err_set(err, ERR_NOPERM, "%s refused the token request: %s%s%s", url,
	    safe, dsafe[0] != '\0' ? ": " : "", dsafe);
	if (strcmp(code, "invalid_grant") == 0)
		err_hint(err, "the authorization was revoked or has expired: "
		    "run popfetch --authorize %s", c->account);
	else if (strcmp(code, "invalid_client") == 0 ||
	    strcmp(code, "unauthorized_client") == 0)
		err_hint(err, "check oauth_client_id and the client secret");
	free(code);
	return (-1);
}

static int
oauth_load(const struct oauth_conf *c, struct oauth_tokens *t,
    struct error *err)
{
	struct http_answer	 ans;
	struct stat		 sb;
	json_object		*o = NULL;
	long long		 exp;
	ssize_t			 n;
	int			 fd, rv = -1;

	memset(t, 0, sizeof *t);
	memset(&ans, 0, sizeof ans);
	if ((fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT) {
			err_set(err, ERR_NOPERM, "account '%s' is not "
			    "authorized yet", c->account);
			err_hint(err, "run popfetch --authorize %s once",
			    c->account);
			return (-1);
		}
		return (err_setsys(err, ERR_IO, "%s", c->path));
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > OAUTH_FILE_MAX) {
		err_set(err, ERR_IO, "%s is not a token file of popfetch",
		    c->path);
		goto out;
	}
	ans.body = xmalloc((size_t)sb.st_size + 1);
	n = read(fd, ans.body, (size_t)sb.st_size);
	if (n != sb.st_size) {
		err_setsys(err, ERR_IO, "cannot read %s", c->path);
		goto out;
	}
	ans.body[n] = '\0';
	ans.len = (size_t)n;
	if ((o = oauth_json(&ans)) == NULL ||
	    oauth_string(o, "refresh_token", &t->refresh) == -1 ||
	    oauth_string(o, "access_token", &t->access) == -1 ||
	    oauth_number(o, "expires_at", 0, LLONG_MAX, 0, &exp) == -1 ||
	    t->refresh == NULL) {
		err_set(err, ERR_IO, "%s is damaged", c->path);
		err_hint(err, "run popfetch --authorize %s again", c->account);
		goto out;
	}
	t->expires = (time_t)exp;
	rv = 0;
out:
	if (rv == -1)
		oauth_tokens_free(t);
	json_object_put(o);
	http_answer_free(&ans);
	(void)close(fd);
	return (rv);
}

/* Replaces the token file whole: write, fsync, rename, fsync the dir. */
static int
oauth_save(const struct oauth_conf *c, const struct oauth_tokens *t,
    struct error *err)
{
	json_object	*o;
	const char	*s;
	char		 tmp[PATH_MAX], dir[PATH_MAX];
	size_t		 len;
	int		 fd = -1, dfd, rv = -1;

	o = json_object_new_object();
	json_object_object_add(o, "refresh_token",
	    json_object_new_string(t->refresh));
	if (t->access != NULL)
		json_object_object_add(o, "access_token",
		    json_object_new_string(t->access));
	json_object_object_add(o, "expires_at",
	    json_object_new_int64((int64_t)t->expires));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = strlen(s);

	(void)strlcpy(dir, c->path, sizeof dir);
	if (mkdirs(dirname(dir), 0700, err) == -1)
		goto out;
	if (snprintf(tmp, sizeof tmp, "%s.tmp", c->path) >= (int)sizeof tmp) {
		err_set(err, ERR_IO, "%s: name too long", c->path);
		goto out;
	}
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || write(fd, s, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) == -1) {
		err_setsys(err, ERR_IO, "cannot write %s", tmp);
		(void)unlink(tmp);
		goto out;
	}
	if (rename(tmp, c->path) == -1) {
		err_setsys(err, ERR_IO, "cannot rename %s", tmp);
		(void)unlink(tmp);
		goto out;
	}
	(void)strlcpy(dir, c->path, sizeof dir);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) != -1) {
		if (fsync(dfd) == -1)
			log_warn("fsync %s", dir);
		(void)close(dfd);
	}
	rv = 0;
out:
	if (fd != -1)
		(void)close(fd);
	/* The string holds the tokens. */
	explicit_bzero((char *)s, len);
	json_object_put(o);
	return (rv);
}

/*
 * A successful token answer into t: access_token and expires_in, and a
 * new refresh_token when the server rotates it (else the old one stays).
 */
static int
oauth_tokens_from(const char *url, json_object *o, struct oauth_tokens *t,
    struct error *err)
{
	char		*access = NULL, *refresh = NULL, *type = NULL;
	long long	 expires_in;

	if (oauth_string(o, "access_token", &access) == -1 || access == NULL ||
	    oauth_string(o, "refresh_token", &refresh) == -1 ||
	    oauth_string(o, "token_type", &type) == -1 ||
	    oauth_number(o, "expires_in", 1, 10LL * 365 * 86400, 3600,
	    &expires_in) == -1) {
		xfree_secret(access);
		xfree_secret(refresh);
		free(type);
		return (oauth_malformed(url, "a token answer without a valid "
		    "access_token, refresh_token or expires_in", err));
	}
	if (type != NULL && strcasecmp(type, "bearer") != 0) {
		xfree_secret(access);
		xfree_secret(refresh);
		free(type);
		return (oauth_malformed(url, "a token that is not a bearer "
		    "token", err));
	}
	free(type);
	xfree_secret(t->access);
	t->access = access;
	if (refresh != NULL) {
		xfree_secret(t->refresh);
		t->refresh = refresh;
	}
	t->expires = time(NULL) + (time_t)expires_in;
	return (0);
}

/* POSTs form to the token endpoint; the answer's tokens into t. */
static int
oauth_token_request(const struct oauth_conf *c, const char *const *form,
    struct oauth_tokens *t, json_object **errobj, struct error *err)
{
	struct http_answer	 ans;
	json_object		*o;
	int			 rv = -1;

	if (errobj != NULL)
		*errobj = NULL;
	if (http_post(c->token_url, form, c->trust_file, c->timeout,
	    OAUTH_ANSWER_MAX, &ans, err) == -1)
		return (-1);
	o = oauth_json(&ans);
	if (ans.status == 200) {
		if (o == NULL)
			oauth_malformed(c->token_url, "a token that is not "
			    "JSON", err);
		else if (oauth_tokens_from(c->token_url, o, t, err) == 0)
			rv = 0;
	} else if (errobj != NULL && o != NULL && ans.status < 500) {
		/* The device flow reads pending and slow_down itself. */
		*errobj = o;
		o = NULL;
		rv = 1;
	} else
		oauth_refused(c, c->token_url, &ans, o, err);
	json_object_put(o);
	http_answer_free(&ans);
	return (rv);
}

#define OAUTH_FORM(...)	((const char *const []){ __VA_ARGS__, NULL })

/*
 * Two runs refreshing at once would both spend the same refresh token, and
 * a server that rotates it may then revoke the grant: one at a time, and
 * the second reads what the first saved.
 */
static int
oauth_lock(const struct oauth_conf *c, struct error *err)
{
	char	path[PATH_MAX], dir[PATH_MAX];
	int	fd;

	if (snprintf(path, sizeof path, "%s.lock", c->path) >=
	    (int)sizeof path) {
		err_set(err, ERR_IO, "%s: name too long", c->path);
		return (-1);
	}
	(void)strlcpy(dir, c->path, sizeof dir);
	if (mkdirs(dirname(dir), 0700, err) == -1)
		return (-1);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		err_setsys(err, ERR_IO, "%s", path);
		return (-1);
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			err_setsys(err, ERR_IO, "cannot lock %s", path);
			(void)close(fd);
			return (-1);
		}
	}
	return (fd);
}

int
oauth_access(const struct oauth_conf *c, int force, char **token,
    int *refreshed, struct error *err)
{
	struct oauth_tokens	 t;
	int			 lockfd, rv = -1;

	*token = NULL;
	*refreshed = 0;
	if ((lockfd = oauth_lock(c, err)) == -1)
		return (-1);
	if (oauth_load(c, &t, err) == -1) {
		(void)close(lockfd);
		return (-1);
	}
	if (!force && t.access != NULL &&
	    t.expires - time(NULL) > OAUTH_MARGIN) {
		log_verbose("OAuth access token good for %lld s more",
		    (long long)(t.expires - time(NULL)));
		*token = t.access;
		t.access = NULL;
		rv = 0;
		goto out;
	}
	log_verbose("refreshing the OAuth access token");
	if (oauth_token_request(c, c->client_secret != NULL ?
	    OAUTH_FORM("grant_type", "refresh_token", "refresh_token",
	    t.refresh, "client_id", c->client_id, "client_secret",
	    c->client_secret) :
	    OAUTH_FORM("grant_type", "refresh_token", "refresh_token",
	    t.refresh, "client_id", c->client_id), &t, NULL, err) != 0)
		goto out;
	/* A rotated refresh token is kept before the access token is used. */
	if (oauth_save(c, &t, err) == -1)
		goto out;
	*token = t.access;
	t.access = NULL;
	*refreshed = 1;
	rv = 0;
out:
	oauth_tokens_free(&t);
	(void)close(lockfd);
	return (rv);
}

time_t
oauth_expiry(const struct oauth_conf *c)
{
	struct oauth_tokens	t;
	struct error		err;
	time_t			e;

	err_clear(&err);
	if (oauth_load(c, &t, &err) == -1)
		return (0);
	e = t.expires;
	oauth_tokens_free(&t);
	return (e);
}

int
oauth_device_start(const struct oauth_conf *c, struct oauth_device *dv,
    struct error *err)
{
	struct http_answer	 ans;
	json_object		*o = NULL;
	long long		 interval, expires;
	int			 rv = -1;

	memset(dv, 0, sizeof *dv);
	if (c->device_url == NULL)
		return (err_set(err, ERR_CONFIG, "account '%s' has no device "
		    "authorization endpoint (oauth_device_url)", c->account));
	if (http_post(c->device_url, c->scope != NULL ?
	    OAUTH_FORM("client_id", c->client_id, "scope", c->scope) :
	    OAUTH_FORM("client_id", c->client_id), c->trust_file, c->timeout,
	    OAUTH_ANSWER_MAX, &ans, err) == -1)
		return (-1);
	o = oauth_json(&ans);
	if (ans.status != 200) {
		oauth_refused(c, c->device_url, &ans, o, err);
		goto out;
	}
	if (o == NULL || oauth_string(o, "device_code", &dv->device_code) ==
	    -1 || oauth_string(o, "user_code", &dv->user_code) == -1 ||
	    oauth_string(o, "verification_uri", &dv->verification_uri) == -1 ||
	    oauth_number(o, "interval", 1, 300, 5, &interval) == -1 ||
	    oauth_number(o, "expires_in", 1, 86400, 900, &expires) == -1 ||
	    dv->device_code == NULL || dv->user_code == NULL) {
		oauth_malformed(c->device_url, "a device code answer without "
		    "a valid device_code, user_code or verification_uri", err);
		goto out;
	}
	/* Google says verification_url. */
	if (dv->verification_uri == NULL &&
	    (oauth_string(o, "verification_url", &dv->verification_uri) ==
	    -1 || dv->verification_uri == NULL)) {
		oauth_malformed(c->device_url, "no verification_uri", err);
		goto out;
	}
	dv->interval = (int)interval;
	dv->expires = time(NULL) + (time_t)expires;
	rv = 0;
out:
	if (rv == -1)
		oauth_device_free(dv);
	json_object_put(o);
	http_answer_free(&ans);
	return (rv);
}

int
oauth_device_poll(const struct oauth_conf *c, struct oauth_device *dv,
    struct error *err)
{
	struct oauth_tokens	 t;
	json_object		*eo = NULL;
	char			*code = NULL;
	int			 rc, rv = -1;

	memset(&t, 0, sizeof t);
	if (time(NULL) > dv->expires) {
		err_set(err, ERR_NOPERM, "the code expired before it was "
		    "entered");
		err_hint(err, "run popfetch --authorize %s again", c->account);
		return (-1);
	}
	rc = oauth_token_request(c, c->client_secret != NULL ?
	    OAUTH_FORM("grant_type",
	    "urn:ietf:params:oauth:grant-type:device_code", "device_code",
	    dv->device_code, "client_id", c->client_id, "client_secret",
	    c->client_secret) :
	    OAUTH_FORM("grant_type",
	    "urn:ietf:params:oauth:grant-type:device_code", "device_code",
	    dv->device_code, "client_id", c->client_id), &t, &eo, err);
	if (rc == -1)
		goto out;
	if (rc == 1) {
		if (oauth_string(eo, "error", &code) == -1 || code == NULL) {
			oauth_malformed(c->token_url, "an error that is not "
			    "OAuth JSON", err);
			goto out;
		}
		if (strcmp(code, "authorization_pending") == 0)
			rv = 0;
		else if (strcmp(code, "slow_down") == 0) {
			dv->interval += 5;	/* RFC 8628 section 3.5 */
			rv = 0;
		} else if (strcmp(code, "expired_token") == 0) {
			err_set(err, ERR_NOPERM, "the code expired before it "
			    "was entered");
			err_hint(err, "run popfetch --authorize %s again",
			    c->account);
		} else if (strcmp(code, "access_denied") == 0) {
			err_set(err, ERR_NOPERM, "the authorization was "
			    "declined");
		} else {
			struct http_answer fake = { 400, NULL, 0 };

			oauth_refused(c, c->token_url, &fake, eo, err);
		}
		goto out;
	}
	if (t.refresh == NULL) {
		oauth_malformed(c->token_url, "tokens without a refresh_token "
		    "(is offline access in the scope?)", err);
		goto out;
	}
	if (oauth_save(c, &t, err) == -1)
		goto out;
	rv = 1;
out:
	free(code);
	json_object_put(eo);
	oauth_tokens_free(&t);
	return (rv);
}

int
oauth_code_grant(const struct oauth_conf *c, const char *code,
    const char *redirect, const char *verifier, struct error *err)
{
	struct oauth_tokens	t;
	int			rv = -1;

	memset(&t, 0, sizeof t);
	if (oauth_token_request(c, c->client_secret != NULL ?
	    OAUTH_FORM("grant_type", "authorization_code", "code", code,
	    "redirect_uri", redirect, "code_verifier", verifier, "client_id",
	    c->client_id, "client_secret", c->client_secret) :
	    OAUTH_FORM("grant_type", "authorization_code", "code", code,
	    "redirect_uri", redirect, "code_verifier", verifier, "client_id",
	    c->client_id), &t, NULL, err) != 0)
		goto out;
	if (t.refresh == NULL) {
		oauth_malformed(c->token_url, "tokens without a refresh_token "
		    "(is offline access in the scope?)", err);
		goto out;
	}
	rv = oauth_save(c, &t, err);
out:
	oauth_tokens_free(&t);
	return (rv);
}

void
oauth_device_free(struct oauth_device *dv)
{
	free(dv->device_code);
	free(dv->user_code);
	free(dv->verification_uri);
	memset(dv, 0, sizeof *dv);
}
