#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/envelope.h"
#include "util/xmalloc.h"

#define ENVELOPE_NULL		"MAILER-DAEMON"
#define ENVELOPE_CHUNK		8192

void
envelope_init(struct envelope *env)
{
	memset(env, 0, sizeof *env);
	env->last = '\n';
}

void
envelope_reset(struct envelope *env)
{
	env->len = 0;
	env->done = 0;
	env->last = '\n';
}

void
envelope_free(struct envelope *env)
{
	free(env->buf);
	envelope_init(env);
}

/*
 * The header block ends at the first empty line; a message that starts with
 * one has no header at all.  Only the bytes up to the end are taken, so the
 * caller knows where the body starts.
 */
size_t
envelope_add(struct envelope *env, const char *data, size_t len)
{
	size_t	i, room, n;

	if (env->done)
		return (0);
	room = ENVELOPE_HDR_MAX - env->len;
	n = len < room ? len : room;
	for (i = 0; i < n; i++) {
		if (data[i] == '\n' && env->last == '\n') {
			env->done = 1;
			n = i + 1;
			break;
		}
		env->last = data[i];
	}
	if (env->len + n > env->size) {
		env->size = env->len + n + ENVELOPE_CHUNK;
		if (env->size > ENVELOPE_HDR_MAX)
			env->size = ENVELOPE_HDR_MAX;
		env->buf = xreallocarray(env->buf, env->size, 1);
	}
	if (n > 0)
		memcpy(env->buf + env->len, data, n);
	env->len += n;
	if (env->len == ENVELOPE_HDR_MAX)
		env->done = 1;
	return (n);
}

static int
envelope_wsp(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/*
 * The value of the first field called name, with its continuation lines
 * unfolded; NULL when there is none.
 */
static char *
envelope_field(const char *hdr, size_t len, const char *name)
{
	const char	*p = hdr, *end, *eol, *q;
	char		*val = NULL;
	size_t		 nlen = strlen(name), vlen = 0, n;

	/* An empty message has no header, and may have no buffer (NULL). */
	if (len == 0)
		return (NULL);
	end = hdr + len;
	while (p < end) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		if (p == eol || (eol - p == 1 && *p == '\r'))
			break;
		if (val != NULL) {
			if (*p != ' ' && *p != '\t')
				break;
			n = eol - p;
			val = xreallocarray(val, vlen + n + 2, 1);
			val[vlen++] = ' ';
			memcpy(val + vlen, p, n);
			vlen += n;
			val[vlen] = '\0';
		} else if ((size_t)(eol - p) > nlen &&
		    strncasecmp(p, name, nlen) == 0) {
			/* "Name :" is the obsolete syntax, still seen. */
			for (q = p + nlen; q < eol && (*q == ' ' || *q == '\t');
			    q++)
				;
			if (q < eol && *q == ':') {
				q++;
				n = eol - q;
				val = xmalloc(n + 1);
				memcpy(val, q, n);
				vlen = n;
				val[vlen] = '\0';
			}
		}
		p = eol + 1;
	}
	if (val != NULL) {
		/* A NUL in the header must not cut the value short unseen. */
		for (n = 0; n < vlen; n++) {
			if (val[n] == '\0')
				val[n] = ' ';
		}
	}
	return (val);
}

/*
 * Comments become a blank, quoted strings stay as they are (an address may
 * hold one), line breaks and tabs become blanks.  In place: never longer.
 */
static void
envelope_uncomment(char *s)
{
	char	*o = s;
	int	 depth = 0, quoted = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0' && (quoted || depth > 0)) {
			if (depth == 0) {
				*o++ = *s++;
				*o++ = *s;
			} else
				s++;
			continue;
		}
		if (depth > 0) {
			if (*s == '(')
				depth++;
			else if (*s == ')' && --depth == 0)
				*o++ = ' ';
			continue;
		}
		if (*s == '"')
			quoted = !quoted;
		else if (*s == '(' && !quoted) {
			depth = 1;
			continue;
		}
		*o++ = envelope_wsp(*s) ? ' ' : *s;
	}
	*o = '\0';
}

/* The first c outside quoted strings in s, or NULL. */
static char *
envelope_find(char *s, const char *set)
{
	int	quoted = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && quoted && s[1] != '\0')
			s++;
		else if (*s == '"')
			quoted = !quoted;
		else if (!quoted && strchr(set, *s) != NULL)
			return (s);
	}
	return (NULL);
}

/*
 * The address of the first mailbox in a value: inside <angle brackets>
 * (without an obsolete source route), else the bare addr-spec up to a
 * comma, after a group's name.  Blanks outside quotes go ("a . b @ c" is
 * old but valid).  Empty when there is none.
 */
static void
envelope_addr(char *val, char *out, size_t outlen)
{
	char	*s, *e, *o;
	int	 quoted = 0;

	envelope_uncomment(val);
	if ((s = envelope_find(val, "<")) != NULL) {
		s++;
		if ((e = envelope_find(s, ">")) != NULL)
			*e = '\0';
		while (*s == ' ')
			s++;
		if (*s == '@' && (e = envelope_find(s, ":")) != NULL)
			s = e + 1;
	} else {
		s = val;
		e = envelope_find(s, ":@");
		if (e != NULL && *e == ':')
			s = e + 1;
		if ((e = envelope_find(s, ",;")) != NULL)
			*e = '\0';
	}

	o = out;
	for (; *s != '\0' && (size_t)(o - out) + 1 < outlen; s++) {
		if (*s == '"')
			quoted = !quoted;
		if (*s == ' ' && !quoted)
			continue;
		*o++ = *s;
	}
	if (*s != '\0')
		o = out;	/* too long to be an address: none */
	*o = '\0';
}

/*
 * Bytes outside a small set become '_': no blank can split a From_ line,
 * and nothing a shell treats specially reaches an MDA's command, not even
 * in a user's "sh -c".  A leading '-' gets a '_' before it, so that the
 * sender can never be taken for an option.
 */
static void
envelope_safe(const char *addr, char *out, size_t outlen)
{
	const char	*ok = ".-_+=@%";
	size_t		 o = 0;
	u_char		 c;

	if (*addr == '-' && outlen > 1)
		out[o++] = '_';
	for (; *addr != '\0' && o + 1 < outlen; addr++) {
		c = (u_char)*addr;
		out[o++] = (c < 0x80 && (isalnum(c) || strchr(ok, c) != NULL)) ?
		    (char)c : '_';
	}
	out[o] = '\0';
	if (*addr != '\0')
		(void)strlcpy(out, ENVELOPE_NULL, outlen);
}

void
envelope_sender(const char *hdr, size_t len, char *out, size_t outlen)
{
	char	*val;
	char	 addr[ENVELOPE_SENDER_MAX];

	addr[0] = '\0';
	if ((val = envelope_field(hdr, len, "Return-Path")) != NULL) {
		envelope_addr(val, addr, sizeof addr);
		free(val);
		/* <> is the null sender of a bounce: it has no From to use. */
		if (addr[0] == '\0') {
			(void)strlcpy(out, ENVELOPE_NULL, outlen);
			return;
		}
	}
	if (addr[0] == '\0' &&
	    (val = envelope_field(hdr, len, "From")) != NULL) {
		envelope_addr(val, addr, sizeof addr);
		free(val);
	}
	if (addr[0] == '\0')
		(void)strlcpy(out, ENVELOPE_NULL, outlen);
	else
		envelope_safe(addr, out, outlen);
}
