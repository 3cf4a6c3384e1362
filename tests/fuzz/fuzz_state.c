/*
 * The state file and its journal, as left on disk by an earlier run or by
 * anyone who can write the state directory: the input up to its first NUL
 * is the state file, the rest the journal.  Loading, walking the pending
 * entries and saving again must never go out of bounds.
 */
#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	fuzz_dir[] = "/tmp/fuzz_state.XXXXXX";

static int
fuzz_state_pending(void *arg, const char *uid, const char *receipt)
{
	(void)arg;
	if (strlen(uid) == 0 || strlen(receipt) >= STATE_RECEIPT_MAX)
		abort();
	return (0);
}

static void
fuzz_state_write(const char *suffix, const uint8_t *data, size_t size)
{
	char	path[256];
	int	fd;

	if (state_path(path, sizeof path, fuzz_dir, "u@h:110", suffix) == -1)
		abort();
	if ((fd = open(path, O_WRONLY|O_CREAT|O_TRUNC, 0600)) == -1)
		err(1, "%s", path);
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		err(1, "%s", path);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error	 e;
	struct state	*st;
	const uint8_t	*nul;
	size_t		 n;

	if (fuzz_dir[sizeof fuzz_dir - 2] == 'X' && mkdtemp(fuzz_dir) == NULL)
		err(1, "mkdtemp");
	nul = memchr(data, '\0', size);
	n = nul != NULL ? (size_t)(nul - data) : size;
	fuzz_state_write(".state", data, n);
	if (nul != NULL)
		fuzz_state_write(".journal", nul + 1, size - n - 1);
	else
		fuzz_state_write(".journal", NULL, 0);
	memset(&e, 0, sizeof e);
	if ((st = state_open(fuzz_dir, "u@h:110", &e)) == NULL)
		return (0);
	state_pending(st, fuzz_state_pending, NULL);
	state_seen(st, "x", NULL);
	state_close(st);
	return (0);
}
