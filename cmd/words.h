/*
 * Splitting a line into words, with the quoting rules of fetchrc: words are
 * separated by blanks; "double quotes" keep blanks and # in a word, and
 * inside them \" and \\ stand for " and \ (any other backslash is itself).
 * Outside quotes a backslash is an ordinary character.
 */
#ifndef WORDS_H
#define WORDS_H

#include <stddef.h>

struct words {
	char	**v;		/* NULL-terminated */
	size_t	  n;
};

/*
 * Splits s into w.  With comments set, # outside quotes ends the line.
 * Returns 0, or -1 with *errstr saying what is wrong with s.
 */
int	words_split(const char *s, int comments, struct words *w,
	    const char **errstr);
/* Frees w, overwriting each word first: words may hold secrets. */
void	words_free(struct words *w);
/* Copies src into dst. */
void	words_copy(struct words *dst, const struct words *src);
/* Joins words with blanks into an allocated string, for messages. */
char	*words_join(char *const *v);

#endif
