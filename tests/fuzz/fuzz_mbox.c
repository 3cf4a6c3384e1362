/*
 * The mbox From_ quoting (mboxrd): a message delivered in the pieces the
 * first bytes choose, then read back as a mail reader would.  The file must
 * hold the mail already there, one From_ line, then a body in which no line
 * starts with "From " and which, with one '>' taken off each ^>+"From "
 * line, is the message again (ended by a newline), then the blank line.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/deliver.h"
#include "deliver/mbox.h"
#include "state/state.h"
#include "util/xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Mail already in the file, without its last newline. */
static const char	fuzz_old[] = "From a@b Thu Jan  1 00:00:00 1970\nold";

static char		fuzz_dir[64];
static char		fuzz_path[128];
static char		fuzz_log[256];
static struct account	fuzz_acct;

static void
fuzz_mbox_cleanup(void)
{
	(void)unlink(fuzz_path);
	(void)unlink(fuzz_log);
	(void)rmdir(fuzz_dir);
}

/* Once per process; in /dev/shm where there is one, as commit syncs. */
static void
fuzz_mbox_init(void)
{
	static int	done;
	char		key[128];
	int		n;

	if (done)
		return;
	if (strlcpy(fuzz_dir, access("/dev/shm", W_OK) == 0 ?
	    "/dev/shm/fuzz_mbox.XXXXXX" : "/tmp/fuzz_mbox.XXXXXX",
	    sizeof fuzz_dir) >= sizeof fuzz_dir || mkdtemp(fuzz_dir) == NULL)
		abort();
	n = snprintf(fuzz_path, sizeof fuzz_path, "%s/mbox", fuzz_dir);
	if (n < 0 || (size_t)n >= sizeof fuzz_path)
		abort();
	fuzz_acct.name = (char *)"fuzz";
	fuzz_acct.host = (char *)"pop.example.org";
	fuzz_acct.user = (char *)"user";
	fuzz_acct.port = 110;
	fuzz_acct.delivery = DELIVERY_MBOX;
	fuzz_acct.delivery_path = fuzz_path;
	fuzz_acct.state_dir = fuzz_dir;
	if (state_key(&fuzz_acct, key, sizeof key) == -1 ||
	    state_path(fuzz_log, sizeof fuzz_log, fuzz_dir, key, ".mbox") == -1)
		abort();
	if (atexit(fuzz_mbox_cleanup) != 0)
		abort();
	done = 1;
}

static void
fuzz_mbox_prepare(int old)
{
	int	fd;

	if ((fd = open(fuzz_path, O_WRONLY|O_CREAT|O_TRUNC, 0600)) == -1)
		abort();
	if (old && write(fd, fuzz_old, sizeof fuzz_old - 1) !=
	    (ssize_t)sizeof fuzz_old - 1)
		abort();
	close(fd);
}

static void
fuzz_mbox_deliver(const char *msg, size_t len, const uint8_t *cuts,
    size_t ncuts)
{
	struct deliver		*d;
	struct deliver_msg	 m;
	struct error		 err;
	char			 receipt[DELIVER_RECEIPT_MAX];
	size_t			 off, n, k = 0;

	err_clear(&err);
	memset(&m, 0, sizeof m);
	m.num = 1;
	m.uid = "u1";
	m.size = len;
	if ((d = deliver_open(&fuzz_acct, &err)) == NULL ||
	    deliver_begin(d, &m, receipt, sizeof receipt, &err) == -1)
		abort();
	for (off = 0; off < len; off += n) {
		n = ncuts > 0 ? (size_t)cuts[k++ % ncuts] % 64 + 1 : len;
		if (n > len - off)
			n = len - off;
		if (deliver_write(d, msg + off, n, &err) == -1)
			abort();
	}
	if (deliver_commit(d, &err) == -1 || deliver_sync(d, &err) == -1)
		abort();
	deliver_close(d);
}

static char *
fuzz_mbox_slurp(size_t *len)
{
	struct stat	 sb;
	char		*buf;
	int		 fd;

	if ((fd = open(fuzz_path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1)
		abort();
	buf = xmalloc((size_t)sb.st_size + 1);
	if (read(fd, buf, (size_t)sb.st_size) != sb.st_size)
		abort();
	close(fd);
	*len = (size_t)sb.st_size;
	return (buf);
}

/* The body as a reader unquotes it into out; abort on a From_ inside. */
static size_t
fuzz_mbox_unquote(const char *p, size_t len, char *out)
{
	const char	*end = p + len, *nl;
	size_t		 o = 0, n, gt;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (n >= 5 && memcmp(p, "From ", 5) == 0)
			abort();
		for (gt = 0; gt < n && p[gt] == '>'; gt++)
			;
		if (gt > 0 && n - gt >= 5 && memcmp(p + gt, "From ", 5) == 0) {
			p++;
			n--;
		}
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	return (o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*msg, *body;
	char		*file, *out;
	size_t		 ncuts, len, flen, blen, olen, want;
	int		 old;

	if (size < 1)
		return (0);
	fuzz_mbox_init();
	ncuts = data[0] % 16;
	old = data[0] & 0x80;
	if (size < 1 + ncuts)
		return (0);
	msg = (const char *)data + 1 + ncuts;
	len = size - 1 - ncuts;

	fuzz_mbox_prepare(old);
	fuzz_mbox_deliver(msg, len, data + 1, ncuts);
	file = fuzz_mbox_slurp(&flen);

	/* The old mail untouched, then a newline it lacked. */
	body = file;
	if (old) {
		if (flen < sizeof fuzz_old ||
		    memcmp(body, fuzz_old, sizeof fuzz_old - 1) != 0 ||
		    body[sizeof fuzz_old - 1] != '\n')
			abort();
		body += sizeof fuzz_old;
	}
	/* One From_ line. */
	blen = flen - (size_t)(body - file);
	if (blen < 5 || memcmp(body, "From ", 5) != 0 ||
	    memchr(body, '\n', blen) == NULL)
		abort();
	olen = (size_t)((char *)memchr(body, '\n', blen) - body) + 1;
	body += olen;
	blen -= olen;
	/* The blank line that ends the message. */
	if (blen < 1 || body[blen - 1] != '\n' ||
	    (blen >= 2 && body[blen - 2] != '\n'))
		abort();
	blen--;

	out = xmalloc(blen + 1);
	olen = fuzz_mbox_unquote(body, blen, out);
	want = len + (len > 0 && msg[len - 1] != '\n');
	if (olen != want || memcmp(out, msg, len) != 0 ||
	    (want > len && out[len] != '\n'))
		abort();
	free(out);
	free(file);
	return (0);
}
