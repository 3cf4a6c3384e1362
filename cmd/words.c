#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"
#include "words.h"

struct words_buf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

static void
words_putc(struct words_buf *b, char c)
{
	char	*p;

	if (b->len + 1 >= b->size) {
		/* Grown by hand so a secret is never left behind by realloc. */
		p = xmalloc(b->size * 2);
		memcpy(p, b->s, b->len);
		explicit_bzero(b->s, b->size);
		free(b->s);
		b->s = p;
		b->size *= 2;
	}
	b->s[b->len++] = c;
}

static void
words_add(struct words *w, struct words_buf *b)
{
	b->s[b->len] = '\0';
	w->v = xreallocarray(w->v, w->n + 2, sizeof *w->v);
	w->v[w->n++] = xstrdup(b->s);
	w->v[w->n] = NULL;
	explicit_bzero(b->s, b->len);
	b->len = 0;
}

int
words_split(const char *s, int comments, struct words *w,
    const char **errstr)
{
	struct words_buf	 b;
	int			 inword = 0, quoted = 0, rv = -1;

	w->v = xcalloc(1, sizeof *w->v);
	w->n = 0;
	b.size = 64;
	b.len = 0;
	b.s = xmalloc(b.size);

	for (; *s != '\0'; s++) {
		if (quoted) {
			if (*s == '"')
				quoted = 0;
			else if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				words_putc(&b, *++s);
			else
				words_putc(&b, *s);
			continue;
		}
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
			if (inword)
				words_add(w, &b);
			inword = 0;
			continue;
		}
		if (*s == '#' && comments)
			break;
		inword = 1;
		if (*s == '"')
			quoted = 1;
		else
			words_putc(&b, *s);
	}
	if (quoted) {
		*errstr = "unterminated quote";
		goto out;
	}
	if (inword)
		words_add(w, &b);
	rv = 0;

out:
	explicit_bzero(b.s, b.size);
	free(b.s);
	if (rv == -1)
		words_free(w);
	return (rv);
}

void
words_free(struct words *w)
{
	size_t	i;

	if (w->v == NULL)
		return;
	for (i = 0; i < w->n; i++)
		xfree_secret(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

void
words_copy(struct words *dst, const struct words *src)
{
	size_t	i;

	dst->v = xcalloc(src->n + 1, sizeof *dst->v);
	for (i = 0; i < src->n; i++)
		dst->v[i] = xstrdup(src->v[i]);
	dst->n = src->n;
}

char *
words_join(char *const *v)
{
	struct words_buf	 b;
	const char		*p;
	size_t			 i;
	int			 q;

	b.size = 64;
	b.len = 0;
	b.s = xmalloc(b.size);
	for (i = 0; v[i] != NULL; i++) {
		if (i > 0)
			words_putc(&b, ' ');
		q = *v[i] == '\0' || strpbrk(v[i], " \t\"\\#") != NULL;
		if (q)
			words_putc(&b, '"');
		for (p = v[i]; *p != '\0'; p++) {
			if (q && (*p == '"' || *p == '\\'))
				words_putc(&b, '\\');
			words_putc(&b, *p);
		}
		if (q)
			words_putc(&b, '"');
	}
	b.s[b.len] = '\0';
	return (b.s);
}
