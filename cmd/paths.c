#include <sys/types.h>

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
