#include <sys/types.h>
#include <sys/stat.h>

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "util/xmalloc.h"

int
paths_home(char **home, struct error *err)
{
	const char	*h;
	struct passwd	*pw;

	if ((h = getenv("HOME")) == NULL || *h == '\0') {
		pw = getpwuid(getuid());
		if (pw == NULL || pw->pw_dir == NULL || *pw->pw_dir == '\0') {
			err_set(err, ERR_CONFIG,
			    "cannot find the home directory");
			err_hint(err, "set HOME");
			return (-1);
		}
		h = pw->pw_dir;
	}
	*home = xstrdup(h);
	return (0);
}

int
paths_login(char **login, struct error *err)
{
	const char	*u;
	struct passwd	*pw;

	if ((u = getenv("USER")) == NULL || *u == '\0') {
		pw = getpwuid(getuid());
		if (pw == NULL || pw->pw_name == NULL || *pw->pw_name == '\0') {
			err_set(err, ERR_CONFIG, "cannot find the login name");
			err_hint(err, "set user in the rc file");
			return (-1);
		}
		u = pw->pw_name;
	}
	*login = xstrdup(u);
	return (0);
}

int
paths_expand(const char *path, char **out, struct error *err)
{
	char	*home;

	if (strncmp(path, "~/", 2) != 0) {
		*out = xstrdup(path);
		return (0);
	}
	if (paths_home(&home, err) == -1)
		return (-1);
	xasprintf(out, "%s/%s", home, path + 2);
	free(home);
	return (0);
}

int
paths_xdg(const char *env, const char *fallback, const char *sub,
    char **out, struct error *err)
{
	const char	*v;
	char		*home;

	if ((v = getenv(env)) != NULL && *v == '/') {
		xasprintf(out, "%s/%s", v, sub);
		return (0);
	}
	if (paths_home(&home, err) == -1)
		return (-1);
	xasprintf(out, "%s/%s/%s", home, fallback, sub);
	free(home);
	return (0);
}

/*
 * Whoever may replace a directory entry above path may replace the file:
 * each directory up to / must be the user's or root's and writable by no
 * one else, as ssh asks of its key files.  A sticky directory (/tmp) is
 * fine, since there only an entry's owner may rename or remove it.
 */
int
paths_safe(const char *path, struct error *err)
{
	struct stat	 sb;
	char		*real, *slash;
	uid_t		 uid = getuid();
	int		 rv = -1;

	if ((real = realpath(path, NULL)) == NULL) {
		err_setsys(err, ERR_CONFIG, "%s", path);
		return (-1);
	}
	for (;;) {
		if ((slash = strrchr(real, '/')) == NULL)
			break;
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(real, &sb) == -1) {
			err_setsys(err, ERR_CONFIG, "%s", real);
			goto out;
		}
		if ((sb.st_uid != uid && sb.st_uid != 0) ||
		    ((sb.st_mode & 022) != 0 && (sb.st_mode & S_ISVTX) == 0)) {
			err_set(err, ERR_CONFIG, "%s is in %s, which someone "
			    "other than its owner may write, or which is not "
			    "owned by the user or root", path, real);
			err_hint(err, "chmod go-w %s, or move the file", real);
			goto out;
		}
		if (slash == real)
			break;
	}
	rv = 0;
out:
	free(real);
	return (rv);
}
