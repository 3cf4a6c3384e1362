/*
 * JSON text for --json: one object per line, built in memory and written
 * with one write, so that lines from several jobs never mix.  Strings are
 * escaped whatever they hold: control characters as \u00XX, and bytes that
 * are not valid UTF-8 replaced by U+FFFD, so the output always parses.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

struct json {
	char	*buf;		/* NUL-terminated */
	size_t	 len;
	size_t	 size;
	int	 members;	/* in the object being built */
};

void	json_init(struct json *);
void	json_free(struct json *);
void	json_open(struct json *);
/* Closes the object and ends the line. */
void	json_close(struct json *);
/* A member whose value is s, or null when s is NULL. */
void	json_string(struct json *, const char *key, const char *s);
void	json_uint(struct json *, const char *key, unsigned long long);
/* A number with three decimals. */
void	json_seconds(struct json *, const char *key, double);
/* Appends s as a JSON string, quotes included. */
void	json_quote(struct json *, const char *s);

#endif
