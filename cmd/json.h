/*
 * JSON text for --json, through json-c: one object per line, built in
 * memory and written with one write, so that lines from several jobs never
 * mix.  Bytes that are not valid UTF-8 are replaced by U+FFFD and json-c
 * escapes the rest, so the output always parses.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

struct json_object;

struct json {
	struct json_object	*obj;	/* the object being built */
	char			*buf;	/* the text, NUL-terminated */
	size_t			 len;
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
/* s as a JSON string, quotes included, into buf. */
void	json_quote(struct json *, const char *s);

#endif
