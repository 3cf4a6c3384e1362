#include <sys/types.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util/xmalloc.h"

#define JSON_MINSIZE	256

void
json_init(struct json *j)
{
	j->size = JSON_MINSIZE;
	j->buf = xmalloc(j->size);
	j->buf[0] = '\0';
	j->len = 0;
	j->members = 0;
}

void
json_free(struct json *j)
{
	free(j->buf);
	j->buf = NULL;
	j->len = j->size = 0;
}

static void
json_add(struct json *j, const char *s, size_t n)
{
	while (j->size - j->len <= n) {
		j->buf = xreallocarray(j->buf, j->size, 2);
		j->size *= 2;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void
json_adds(struct json *j, const char *s)
{
	json_add(j, s, strlen(s));
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

void
json_quote(struct json *j, const char *str)
{
	const u_char	*s = (const u_char *)str;
	char		 esc[8];
	size_t		 n;

	json_add(j, "\"", 1);
	while (*s != '\0') {
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			json_add(j, esc, 2);
			s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			(void)snprintf(esc, sizeof esc, "\\u%04x", *s);
			json_add(j, esc, 6);
			s++;
		} else if (*s < 0x80) {
			json_add(j, (const char *)s, 1);
			s++;
		} else if ((n = json_utf8(s)) != 0) {
			json_add(j, (const char *)s, n);
			s += n;
		} else {
			json_adds(j, "\\ufffd");
			s++;
		}
	}
	json_add(j, "\"", 1);
}

void
json_open(struct json *j)
{
	json_add(j, "{", 1);
	j->members = 0;
}

void
json_close(struct json *j)
{
	json_add(j, "}\n", 2);
}

static void
json_key(struct json *j, const char *key)
{
	if (j->members++ > 0)
		json_add(j, ",", 1);
	json_quote(j, key);
	json_add(j, ":", 1);
}

void
json_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s == NULL)
		json_adds(j, "null");
	else
		json_quote(j, s);
}

void
json_uint(struct json *j, const char *key, unsigned long long n)
{
	char	buf[32];

	json_key(j, key);
	(void)snprintf(buf, sizeof buf, "%llu", n);
	json_adds(j, buf);
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
	json_key(j, key);
	(void)snprintf(buf, sizeof buf, "%.3f", d);
	json_adds(j, buf);
}
