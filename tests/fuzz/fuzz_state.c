/*
 * The state file, its journal and KEY.quit, as left on disk by an earlier
 * run or by anyone who can write the state directory: the input up to its
 * first NUL is the state file, up to the second the journal, the rest
 * KEY.quit.  Loading and walking the pending entries must never go out of
 * bounds; a state that loaded, with its pending UIDs marked, must save and
 * load again holding them, with the journal emptied; and once more after a
 * listing of the pending UIDs (which counts the others' absences, whatever
 * flags they had, and settles KEY.quit, which the save then removes) and a
 * UID appended.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"
#include "state/uid.h"

#define FUZZ_KEY	"u@h:110"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	fuzz_dir[64];

static void
fuzz_state_rm(const char *suffix)
{
	char	path[256];

	if (state_path(path, sizeof path, fuzz_dir, FUZZ_KEY, suffix) == 0)
		(void)unlink(path);
}

/* libFuzzer ends with exit(): leave nothing behind in /tmp. */
static void
fuzz_state_cleanup(void)
{
	fuzz_state_rm(".state");
	fuzz_state_rm(".journal");
	fuzz_state_rm(".quit");
	(void)rmdir(fuzz_dir);
}

/*
 * Once per process, by a flag: mkdtemp() rewrites the X's, and a name
 * that happened to end in 'X' must not be taken for the template again.
 * In /dev/shm where there is one: state_save() syncs, cheap in memory.
 */
static void
fuzz_state_init(void)
{
	static int	done;

	if (done)
		return;
	if (strlcpy(fuzz_dir, access("/dev/shm", W_OK) == 0 ?
	    "/dev/shm/fuzz_state.XXXXXX" : "/tmp/fuzz_state.XXXXXX",
	    sizeof fuzz_dir) >= sizeof fuzz_dir || mkdtemp(fuzz_dir) == NULL)
		abort();
	if (atexit(fuzz_state_cleanup) != 0)
		abort();
	done = 1;
}

/* The pending UIDs marked, the first few kept to look up after a reload. */
static char	fuzz_uids[16][UID_MAX_LEN + 1];
static size_t	fuzz_nuids;

static int
fuzz_state_pending(void *arg, const char *uid, const char *receipt)
{
	struct state	*st = arg;

	if (!uid_valid(uid) || receipt[0] == '\0' ||
	    strlen(receipt) >= STATE_RECEIPT_MAX)
		abort();
	state_mark(st, uid, 1);
	if (fuzz_nuids < sizeof fuzz_uids / sizeof fuzz_uids[0] &&
	    strlcpy(fuzz_uids[fuzz_nuids++], uid, sizeof fuzz_uids[0]) >=
	    sizeof fuzz_uids[0])
		abort();
	return (0);
}

static int
fuzz_state_none(void *arg, const char *uid, const char *receipt)
{
	(void)arg;
	(void)uid;
	(void)receipt;
	abort();
}

static void
fuzz_state_write(const char *suffix, const uint8_t *data, size_t size)
{
	char	path[256];
	int	fd;

	if (state_path(path, sizeof path, fuzz_dir, FUZZ_KEY, suffix) == -1)
		abort();
	if ((fd = open(path, O_WRONLY|O_CREAT|O_TRUNC, 0600)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error	 e;
	struct state	*st, *again;
	const uint8_t	*nul, *nul2 = NULL;
	char		 qpath[256];
	size_t		 i, n, m;
	int		 dup;

	fuzz_state_init();
	nul = memchr(data, '\0', size);
	n = nul != NULL ? (size_t)(nul - data) : size;
	fuzz_state_write(".state", data, n);
	fuzz_state_rm(".journal");
	fuzz_state_rm(".quit");
	if (nul != NULL) {
		nul2 = memchr(nul + 1, '\0', size - n - 1);
		m = nul2 != NULL ? (size_t)(nul2 - nul - 1) : size - n - 1;
		fuzz_state_write(".journal", nul + 1, m);
		if (nul2 != NULL)
			fuzz_state_write(".quit", nul2 + 1,
			    size - n - m - 2);
	}
	err_clear(&e);
	if ((st = state_open(fuzz_dir, FUZZ_KEY, &e)) == NULL)
		return (0);
	(void)state_seen(st, "x", NULL);
	fuzz_nuids = 0;
	(void)state_pending(st, fuzz_state_pending, st);
	if (state_save(st, &e) == -1)
		abort();
	if ((again = state_open(fuzz_dir, FUZZ_KEY, &e)) == NULL)
		abort();
	/* The journal is gone; what it announced is in the state. */
	(void)state_pending(again, fuzz_state_none, NULL);
	for (i = 0; i < fuzz_nuids; i++) {
		if (!state_seen(again, fuzz_uids[i], NULL))
			abort();
	}
	state_close(st);
	/*
	 * A listing of the pending UIDs, then one more UID, appended past
	 * whatever tail the file has (a torn last line is cut off first), or
	 * the file written anew with the counts of absences: it loads a
	 * third time, with no line twice, holding the new UID and, unless
	 * KEY.quit named them, the pending ones; KEY.quit is gone.
	 */
	for (i = 0; i < fuzz_nuids; i++)
		(void)state_claim(again, fuzz_uids[i], &dup);
	state_retain_claimed(again);
	state_mark(again, "~fuzz", 2);
	if (state_save(again, &e) == -1)
		abort();
	state_close(again);
	if (state_path(qpath, sizeof qpath, fuzz_dir, FUZZ_KEY, ".quit") ==
	    -1 || access(qpath, F_OK) == 0)
		abort();
	if ((again = state_open(fuzz_dir, FUZZ_KEY, &e)) == NULL)
		abort();
	if (!state_seen(again, "~fuzz", NULL))
		abort();
	for (i = 0; nul2 == NULL && i < fuzz_nuids; i++) {
		if (!state_seen(again, fuzz_uids[i], NULL))
			abort();
	}
	state_close(again);
	return (0);
}
