#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/conn.h"
#include "util/intr.h"
#include "util/xmalloc.h"

struct conn *
conn_new(int rfd, int wfd, int timeout, const char *peer)
{
	struct conn	*c;

	c = xcalloc(1, sizeof *c);
	c->rfd = rfd;
	c->wfd = wfd;
	c->timeout = timeout;
	c->peer = peer;
	return (c);
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	tls_free(c);
	if (c->wbuf != NULL)
		explicit_bzero(c->wbuf, c->wsize);
	if (c->rfd != -1)
		close(c->rfd);
	if (c->wfd != -1 && c->wfd != c->rfd)
		close(c->wfd);
	free(c->wbuf);
	free(c);
}

int
conn_wait(struct conn *c, int fd, short events, struct error *err)
{
	struct pollfd	pfd;
	struct timespec	ts;
	long long	ms, left;
	int		n;

	pfd.fd = fd;
	pfd.events = events;
	for (;;) {
		if (intr_check(err) == -1)
			return (-1);
		ms = (long long)c->timeout * 1000;
		if (c->deadline != 0) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			left = (c->deadline - ts.tv_sec) * 1000 -
			    ts.tv_nsec / 1000000;
			if (left <= 0) {
				err_set(err, ERR_TEMP, "%s kept the session "
				    "going for more than %d s", c->peer,
				    c->session_timeout);
				err_hint(err, "a server that trickles its "
				    "answers; try again later, or raise "
				    "'session_timeout'");
				return (-1);
			}
			if (left < ms)
				ms = left;
		}
		n = poll(&pfd, 1, (int)ms);
		if (n == -1 && errno == EINTR)
			continue;
		/* Cut short by the session's end: said above, next turn. */
		if (n == 0 && ms < (long long)c->timeout * 1000)
			continue;
		break;
	}
	if (n == -1)
		return (err_setsys(err, ERR_TEMP, "poll"));
	if (n == 0) {
		err_set(err, ERR_TEMP, "no answer from %s in %d s", c->peer,
		    c->timeout);
		err_hint(err, "the server or the network is slow or down; "
		    "try again later, or raise 'timeout'");
		return (-1);
	}
	return (0);
}

static int
conn_lost(struct conn *c, ssize_t n, struct error *err)
{
	if (n == 0)
		err_set(err, ERR_TEMP, "connection closed by %s", c->peer);
	else if (errno == EAGAIN || errno == EWOULDBLOCK) {
		err_set(err, ERR_TEMP, "no answer from %s in %d s", c->peer,
		    c->timeout);
		err_hint(err, "the server or the network is slow or down; "
		    "try again later, or raise 'timeout'");
		return (-1);
	} else
		err_setsys(err, ERR_TEMP, "connection to %s lost", c->peer);
	err_hint(err, "nothing was lost: try again later");
	return (-1);
}

int
conn_fill(struct conn *c, struct error *err)
{
	ssize_t	n;

	if (c->roff > 0) {
		memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
		c->rlen -= c->roff;
		c->roff = 0;
	}
	if (c->rlen == sizeof c->rbuf)
		return (err_set(err, ERR_SOFTWARE, "read buffer full"));

	if (c->tls != NULL) {
		n = tls_read(c, c->rbuf + c->rlen, sizeof c->rbuf - c->rlen,
		    err);
		if (n < 0)
			return (-1);
	} else {
		if (conn_wait(c, c->rfd, POLLIN, err) == -1)
			return (-1);
		do
			n = read(c->rfd, c->rbuf + c->rlen,
			    sizeof c->rbuf - c->rlen);
		while (n == -1 && errno == EINTR);
	}
	if (n <= 0)
		return (conn_lost(c, n, err));
	c->rlen += n;
	c->rtotal += n;
	return (0);
}

int
conn_getline(struct conn *c, char **line, size_t *len, struct error *err)
{
	char	*start, *nl;
	size_t	 scanned = 0, n;

	for (;;) {
		start = c->rbuf + c->roff;
		n = c->rlen - c->roff;
		if ((nl = memchr(start + scanned, '\n', n - scanned)) != NULL)
			break;
		scanned = n;
		if (n > CONN_LINE_MAX) {
			return (err_set(err, ERR_PROTO, "%s sent a line longer "
			    "than %d bytes", c->peer, CONN_LINE_MAX));
		}
		if (conn_fill(c, err) == -1)
			return (-1);
	}
	n = nl - start;
	if (n > CONN_LINE_MAX)
		return (err_set(err, ERR_PROTO, "%s sent a line longer than "
		    "%d bytes", c->peer, CONN_LINE_MAX));
	c->roff += n + 1;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	start[n] = '\0';
	*line = start;
	*len = n;
	return (0);
}

size_t
conn_buffered(struct conn *c, char **p)
{
	*p = c->rbuf + c->roff;
	return (c->rlen - c->roff);
}

void
conn_consume(struct conn *c, size_t n)
{
	c->roff += n;
	if (c->roff == c->rlen)
		c->roff = c->rlen = 0;
}

size_t
conn_discard(struct conn *c)
{
	size_t	n = c->rlen - c->roff;

	c->roff = c->rlen = 0;
	return (n);
}

void
conn_queue_raw(struct conn *c, const char *s, size_t len)
{
	size_t	 need = c->wlen + len + 2, size;
	char	*p;

	if (need > c->wsize) {
		/* Not realloc: the old buffer may hold a password. */
		size = need < 1024 ? 1024 : need * 2;
		p = xmalloc(size);
		if (c->wbuf != NULL) {
			memcpy(p, c->wbuf, c->wlen);
			explicit_bzero(c->wbuf, c->wsize);
			free(c->wbuf);
		}
		c->wbuf = p;
		c->wsize = size;
	}
	memcpy(c->wbuf + c->wlen, s, len);
	c->wlen += len;
}

void
conn_queue(struct conn *c, const char *s, size_t len)
{
	conn_queue_raw(c, s, len);
	/* conn_queue_raw left room for the line end. */
	c->wbuf[c->wlen++] = '\r';
	c->wbuf[c->wlen++] = '\n';
}

/* Bytes queued and not yet sent. */
size_t
conn_queued(struct conn *c)
{
	return (c->wlen);
}

int
conn_flush(struct conn *c, struct error *err)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < c->wlen) {
		if (c->tls != NULL) {
			n = tls_write(c, c->wbuf + off, c->wlen - off, err);
			if (n < 0)
				return (-1);
		} else {
			if (conn_wait(c, c->wfd, POLLOUT, err) == -1)
				return (-1);
			n = write(c->wfd, c->wbuf + off, c->wlen - off);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				return (conn_lost(c, n, err));
		}
		off += n;
	}
	/* Commands sent may have carried a secret (PASS, AUTH). */
	explicit_bzero(c->wbuf, c->wlen);
	c->wlen = 0;
	return (0);
}
