#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netrc.h"
#include "util/xmalloc.h"

struct netrc {
	char	*buf;
	size_t	 len;
	size_t	 off;
	char	 tok[1024];
};

/* The next token, quoted ("a b", with \ escapes) or not; 0 at the end. */
static int
netrc_token(struct netrc *n)
{
	size_t	t = 0;
	int	quoted = 0;
	char	c;

	while (n->off < n->len && strchr(" \t\r\n", n->buf[n->off]) != NULL)
		n->off++;
	if (n->off == n->len)
		return (0);
	if (n->buf[n->off] == '"') {
		quoted = 1;
		n->off++;
	}
	while (n->off < n->len) {
		c = n->buf[n->off];
		if (quoted && c == '"') {
			n->off++;
			break;
		}
		if (!quoted && strchr(" \t\r\n", c) != NULL)
			break;
		if (quoted && c == '\\' && n->off + 1 < n->len)
			c = n->buf[++n->off];
		n->off++;
		if (t + 1 < sizeof n->tok)
			n->tok[t++] = c;
	}
	n->tok[t] = '\0';
	return (1);
}

/* A macdef runs to the next empty line. */
static void
netrc_skip_macdef(struct netrc *n)
{
	char	*end;

	end = memmem(n->buf + n->off, n->len - n->off, "\n\n", 2);
	n->off = end != NULL ? (size_t)(end - n->buf) + 2 : n->len;
}

/* Whether any token of the file is the keyword password. */
static int
netrc_has_password(struct netrc *n)
{
	int	found = 0;

	n->off = 0;
	while (netrc_token(n)) {
		if (strcmp(n->tok, "password") == 0) {
			found = 1;
			break;
		}
	}
	n->off = 0;
	explicit_bzero(n->tok, sizeof n->tok);
	return (found);
}

static int
netrc_read(const char *path, struct netrc *n, struct error *err)
{
	struct stat	sb;
	ssize_t		r;
	int		fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (0);
		return (err_setsys(err, ERR_CONFIG, "%s", path));
	}
	if (fstat(fd, &sb) == -1) {
		err_setsys(err, ERR_CONFIG, "%s", path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > NETRC_MAX) {
		err_set(err, ERR_CONFIG, "%s is not a regular file of at "
		    "most %d bytes", path, NETRC_MAX);
		goto out;
	}
	n->buf = xmalloc(sb.st_size + 1);
	while (n->len < (size_t)sb.st_size) {
		r = read(fd, n->buf + n->len, sb.st_size - n->len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_setsys(err, ERR_CONFIG, "%s", path);
			goto out;
		}
		if (r == 0)
			break;
		n->len += r;
	}
	n->buf[n->len] = '\0';
	/*
	 * Like fetchrc: a password others can read is not a secret. The
	 * tokens are looked at, not the text, so that every spelling the
	 * parser reads as the keyword ("pass\word") counts.
	 */
	if ((sb.st_mode & 077) != 0 && netrc_has_password(n)) {
		err_set(err, ERR_CONFIG, "%s is readable by others and holds "
		    "a password", path);
		err_hint(err, "chmod 600 %s", path);
		goto out;
	}
	rc = 1;
out:
	close(fd);
	return (rc);
}

int
netrc_lookup(const char *path, const char *host, const char *user,
    char **login, char **password, struct error *err)
{
	struct netrc	 n;
	char		*l = NULL, *p = NULL;
	int		 rc, inentry = 0, more;

	*login = *password = NULL;
	memset(&n, 0, sizeof n);
	if ((rc = netrc_read(path, &n, err)) != 1)
		goto out;
	rc = 0;
	for (;;) {
		more = netrc_token(&n);
		if (!more || strcmp(n.tok, "machine") == 0 ||
		    strcmp(n.tok, "default") == 0) {
			/* The end of an entry: is it the one? */
			if (inentry && p != NULL && (user == NULL ||
			    l == NULL || strcmp(l, user) == 0)) {
				*login = l;
				*password = p;
				l = p = NULL;
				rc = 1;
				break;
			}
			free(l);
			xfree_secret(p);
			l = p = NULL;
			inentry = 0;
			if (!more)
				break;
			if (strcmp(n.tok, "default") == 0)
				inentry = 1;
			else if (netrc_token(&n))
				inentry = strcasecmp(n.tok, host) == 0;
		} else if (strcmp(n.tok, "login") == 0 && netrc_token(&n)) {
			if (inentry) {
				free(l);
				l = xstrdup(n.tok);
			}
		} else if (strcmp(n.tok, "password") == 0 &&
		    netrc_token(&n)) {
			if (inentry) {
				xfree_secret(p);
				p = xstrdup(n.tok);
			}
		} else if (strcmp(n.tok, "account") == 0)
			(void)netrc_token(&n);
		else if (strcmp(n.tok, "macdef") == 0) {
			(void)netrc_token(&n);
			netrc_skip_macdef(&n);
		}
	}

out:
	free(l);
	xfree_secret(p);
	explicit_bzero(n.tok, sizeof n.tok);
	if (n.buf != NULL) {
		explicit_bzero(n.buf, n.len);
		free(n.buf);
	}
	return (rc);
}
