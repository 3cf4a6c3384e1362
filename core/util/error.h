/*
 * Errors are values in core/: a code saying what kind of failure it was and
 * words saying what failed and what to try.  cmd/ turns them into messages
 * and exit codes; core/ never prints or exits.
 */
#ifndef ERROR_H
#define ERROR_H

enum err_code {
	ERR_NONE = 0,
	ERR_NOHOST,		/* host not found */
	ERR_UNAVAILABLE,	/* capability missing, TLS verification failed */
	ERR_SOFTWARE,		/* internal error */
	ERR_IO,			/* local delivery or state file failed */
	ERR_TEMP,		/* try again later */
	ERR_PROTO,		/* the server broke the protocol */
	ERR_NOPERM,		/* authentication failed */
	ERR_CONFIG,		/* configuration error */
};

struct error {
	enum err_code	 code;
	char		 what[768];	/* what failed */
	char		 hint[256];	/* what to try, may be empty */
};

void	err_clear(struct error *);
/* Sets code and what, keeps an existing hint.  Returns -1 for "return err_set()". */
int	err_set(struct error *, enum err_code, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* Like err_set, with ": strerror(errno)" appended. */
int	err_setsys(struct error *, enum err_code, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	err_hint(struct error *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
