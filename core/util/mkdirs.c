#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "util/mkdirs.h"

/*
 * A new directory's entry lives in its parent: without this fsync a power
 * cut could take away a freshly made maildir together with what was
 * delivered into it.
 */
static int
mkdirs_sync_parent(const char *path, size_t len)
{
	char	parent[PATH_MAX];
	int	fd;

	while (len > 0 && path[len - 1] != '/')
		len--;
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len == 0) {
		parent[0] = '.';
		len = 1;
	} else
		memcpy(parent, path, len);
	parent[len] = '\0';

	if ((fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	if (fsync(fd) == -1) {
		(void)close(fd);
		return (-1);
	}
	return (close(fd));
}

int
mkdirs_syncparent(const char *path)
{
	return (mkdirs_sync_parent(path, strlen(path)));
}

int
mkdirs(const char *path, mode_t mode, struct error *err)
{
	char		 buf[PATH_MAX];
	struct stat	 sb;
	size_t		 len, i;

	len = strlen(path);
	if (len == 0)
		return (err_set(err, ERR_IO, "cannot create directory: "
		    "empty path"));
	if (len >= sizeof buf) {
		errno = ENAMETOOLONG;
		return (err_setsys(err, ERR_IO, "cannot create directory %s",
		    path));
	}
	memcpy(buf, path, len + 1);

	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) == 0) {
			if (mkdirs_sync_parent(buf, i) == -1)
				return (err_setsys(err, ERR_IO,
				    "cannot sync the parent of %s", buf));
		} else if (errno != EEXIST) {
			err_setsys(err, ERR_IO, "cannot create directory %s",
			    buf);
			if (errno == EACCES || errno == EROFS)
				err_hint(err, "check the permissions of the "
				    "directories above %s", buf);
			return (-1);
		} else if (stat(buf, &sb) == -1) {
			return (err_setsys(err, ERR_IO, "cannot stat %s",
			    buf));
		} else if (!S_ISDIR(sb.st_mode)) {
			errno = ENOTDIR;
			return (err_setsys(err, ERR_IO,
			    "cannot create directory %s", buf));
		}
		buf[i] = path[i];
	}
	return (0);
}
