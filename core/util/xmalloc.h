#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

/* Checked allocation: on failure these abort, as nothing sane can follow. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Overwrites a secret before freeing it. */
void	 xfree_secret(char *);

#endif
