#include <sys/types.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "util/xmalloc.h"

/* Plain, one line, and a slash as it is. */
#define JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void
json_init(struct json *j)
{
	memset(j, 0, sizeof *j);
	j->buf = xstrdup("");
}

void
json_free(struct json *j)
{
	json_object_put(j->obj);
	j->obj = NULL;
	free(j->buf);
	j->buf = NULL;
	j->len = 0;
}

/*
 * The length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0.  s is NUL-terminated, and a
 * NUL is never a continuation byte, so no read goes past it.
 */
static size_t
json_utf8(const u_char *s)
{
	u_char	lo = 0x80, hi = 0xbf;
	size_t	n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (s[1] < lo || s[1] > hi)
		return (0);
	for (i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return (0);
	}
	return (n);
}

/*
 * s as valid UTF-8, each byte of anything else replaced by U+FFFD, so that
 * what json-c writes always parses; json-c escapes the rest.
 */
static char *
json_clean(const char *str)
{
	const u_char	*s = (const u_char *)str;
	char		*out, *o;
	size_t		 n;

	o = out = xcalloc(3, strlen(str) + 1);
	while (*s != '\0') {
		if (*s < 0x80) {
			*o++ = (char)*s++;
		} else if ((n = json_utf8(s)) != 0) {
			memcpy(o, s, n);
			o += n;
			s += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			s++;
		}
	}
	*o = '\0';
	return (out);
}

static void
json_set(struct json *j, const char *text)
{
	free(j->buf);
	j->buf = xstrdup(text);
	j->len = strlen(j->buf);
}

void
json_quote(struct json *j, const char *str)
{
	json_object	*o;
	char		*clean;

	clean = json_clean(str);
	o = json_object_new_string(clean);
	json_set(j, json_object_to_json_string_ext(o, JSON_FLAGS));
	json_object_put(o);
	free(clean);
}

void
json_open(struct json *j)
{
	json_object_put(j->obj);
	j->obj = json_object_new_object();
}

void
json_close(struct json *j)
{
	char	*line;

	xasprintf(&line, "%s\n", json_object_to_json_string_ext(j->obj,
	    JSON_FLAGS));
	json_set(j, line);
	free(line);
	json_object_put(j->obj);
	j->obj = NULL;
}

void
json_string(struct json *j, const char *key, const char *s)
{
	char	*clean;

	if (s == NULL) {
		json_object_object_add(j->obj, key, NULL);
		return;
	}
	clean = json_clean(s);
	json_object_object_add(j->obj, key, json_object_new_string(clean));
	free(clean);
}

void
json_uint(struct json *j, const char *key, unsigned long long n)
{
	json_object_object_add(j->obj, key, json_object_new_uint64(n));
}

void
json_seconds(struct json *j, const char *key, double d)
{
	char	buf[64];

	/*
	 * JSON has no NaN or infinity; a negative time, or one of millions of
	 * years, is a clock's error.
	 */
	if (!isfinite(d) || d < 0 || d > 1e12)
		d = 0;
	(void)snprintf(buf, sizeof buf, "%.3f", d);
	json_object_object_add(j->obj, key, json_object_new_double_s(d, buf));
}
