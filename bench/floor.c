/*
 * bench/floor.c: the fastest a POP3 client could fetch a mailbox, for
 * bench/compare to measure the others against.  It logs in, sends every
 * RETR at once (or STAT, UIDL and LIST with --list) and throws the bytes
 * away: no parsing beyond finding the end of each answer, no disk.
 *
 *   floor [--tls CAFILE] [--list [--new N]] [--disk MAILDIR] [--expect N]
 *         HOST PORT USER PASS
 *
 * With --tls the connection is implicit TLS, verified against CAFILE and
 * the name "localhost" (what the bench's certificate carries), as a real
 * client would.  With --list --new N, the last N messages are fetched after
 * the listing, as a client finding N new ones would.  With --disk, each
 * message goes as it came (dot-stuffed, no header added) into a file of
 * MAILDIR/tmp, and at the end one syncfs, a rename of each into
 * MAILDIR/new and an fsync of new/ make them durable: the floor of a
 * client that keeps what it fetches.  With --expect, STAT
 * must count N messages.  Prints the number of messages and bytes read;
 * exits 1 on any failure.
 *
 * Built by bench/compare: cc -O2 floor.c $(pkg-config --cflags --libs gnutls)
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <gnutls/gnutls.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USAGE	"usage: floor [--tls CAFILE] [--list [--new N]] [--disk DIR] " \
	"[--expect N] HOST PORT USER PASS"

static gnutls_session_t	 tls;
static int		 fd = -1;
static char		 buf[256 * 1024];
static size_t		 have, off;
static unsigned long long total;
static int		 outfd = -1;	/* the message being written (--disk) */
static int		 quitting;	/* all read but QUIT's answer */

static void
die(const char *what)
{
	fprintf(stderr, "floor: %s\n", what);
	exit(1);
}

static void
out(const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = tls != NULL ? gnutls_record_send(tls, s, len) :
		    write(fd, s, len);
		if (n <= 0)
			die("write failed");
		s += n;
		len -= (size_t)n;
	}
}

static int
fill(void)
{
	ssize_t	n;

	do {
		n = tls != NULL ? gnutls_record_recv(tls, buf, sizeof buf) :
		    read(fd, buf, sizeof buf);
	} while (tls != NULL && (n == GNUTLS_E_AGAIN ||
	    n == GNUTLS_E_INTERRUPTED));
	/* Over TLS, Dovecot may close without answering QUIT. */
	if (n <= 0 && quitting)
		return (-1);
	if (n < 0 && tls != NULL) {
		fprintf(stderr, "floor: TLS: %s\n", gnutls_strerror((int)n));
		exit(1);
	}
	if (n <= 0)
		die("the server closed the connection");
	total += (unsigned long long)n;
	have = (size_t)n;
	off = 0;
	return (0);
}

/* Reads one line into line, without its LF; -1 at the end of input. */
static int
getline_status(char *line, size_t len)
{
	size_t	n = 0;

	for (;;) {
		if (off == have && fill() == -1)
			return (-1);
		if (buf[off] == '\n') {
			off++;
			break;
		}
		if (n < len - 1)
			line[n++] = buf[off];
		off++;
	}
	line[n] = '\0';
	return (0);
}

/* Reads one status line; exits unless it is +OK. */
static void
status(void)
{
	char	line[512];

	if (getline_status(line, sizeof line) == -1)
		return;
	if (strncmp(line, "+OK", 3) != 0) {
		fprintf(stderr, "floor: the server said: %s\n", line);
		exit(1);
	}
}

/* The bytes from buf + from to buf + to, into the message's file. */
static void
sink(size_t from, size_t to)
{
	ssize_t	n;

	while (outfd != -1 && from < to) {
		if ((n = write(outfd, buf + from, to - from)) <= 0)
			die("cannot write a message");
		from += (size_t)n;
	}
}

/*
 * Skips a multi-line answer up to its ".\r\n" line: a state machine over
 * the bytes, so the end is found across reads without copying them.
 */
static void
multiline(void)
{
	int	 st = 1;	/* 0 in a line, 1 at its start, 2 after ".", 3 ".\r" */
	char	*p, *e;
	size_t	 seg = off;

	for (;;) {
		if (off == have) {
			sink(seg, off);
			fill();
			seg = off;
		}
		if (st == 0) {
			/* The fast path: the next line end, with memchr. */
			p = buf + off;
			e = memchr(p, '\n', have - off);
			if (e == NULL) {
				off = have;
				continue;
			}
			off = (size_t)(e - buf) + 1;
			st = 1;
			continue;
		}
		switch (buf[off++]) {
		case '.':
			st = st == 1 ? 2 : 0;
			break;
		case '\r':
			st = st == 2 ? 3 : 0;
			break;
		case '\n':
			if (st == 3) {
				sink(seg, off);
				return;
			}
			st = 1;
			break;
		default:
			st = 0;
			break;
		}
	}
}

static long
stat_count(void)
{
	char	line[512];
	long	count;

	if (getline_status(line, sizeof line) == -1 ||
	    sscanf(line, "+OK %ld", &count) != 1 || count < 0)
		die("STAT: no count");
	return (count);
}

int
main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred;
	struct sockaddr_in	 sin;
	const char		*ca = NULL, *disk = NULL;
	char			 path[4096], path2[4096];
	int			 dfd;
	char			 cmd[512], *cmds;
	long			 count, i, expect = -1, new = 0;
	size_t			 len, used;
	int			 list = 0, one = 1, rc;

	while (argc > 1 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--tls") == 0 && argc > 2) {
			ca = argv[2];
			argc--, argv++;
		} else if (strcmp(argv[1], "--expect") == 0 && argc > 2) {
			expect = strtol(argv[2], NULL, 10);
			argc--, argv++;
		} else if (strcmp(argv[1], "--disk") == 0 && argc > 2) {
			disk = argv[2];
			argc--, argv++;
		} else if (strcmp(argv[1], "--new") == 0 && argc > 2) {
			new = strtol(argv[2], NULL, 10);
			argc--, argv++;
		} else if (strcmp(argv[1], "--list") == 0)
			list = 1;
		else
			die(USAGE);
		argc--, argv++;
	}
	if (argc != 5)
		die(USAGE);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)strtol(argv[2], NULL, 10));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1)
		die("HOST must be an IPv4 address");
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1)
		die("cannot connect");
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (ca != NULL) {
		if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
		    gnutls_certificate_set_x509_trust_file(cred, ca,
		    GNUTLS_X509_FMT_PEM) <= 0 ||
		    gnutls_init(&tls, GNUTLS_CLIENT) < 0 ||
		    gnutls_set_default_priority(tls) < 0 ||
		    gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, cred) < 0)
			die("TLS set-up failed");
		gnutls_session_set_verify_cert(tls, "localhost", 0);
		gnutls_transport_set_int(tls, fd);
		do {
			rc = gnutls_handshake(tls);
		} while (rc < 0 && !gnutls_error_is_fatal(rc));
		if (rc < 0) {
			fprintf(stderr, "floor: TLS: %s\n", gnutls_strerror(rc));
			exit(1);
		}
	}
	status();
	/* USER, PASS and STAT in one write, as a pipelining client may. */
	len = (size_t)snprintf(cmd, sizeof cmd, "USER %s\r\nPASS %s\r\nSTAT\r\n",
	    argv[3], argv[4]);
	if (len >= sizeof cmd)
		die("USER or PASS too long");
	out(cmd, len);
	status();
	status();
	count = stat_count();
	if (expect != -1 && count != expect) {
		fprintf(stderr, "floor: STAT says %ld messages, not %ld\n",
		    count, expect);
		exit(1);
	}
	if (list) {
		out("UIDL\r\nLIST\r\n", 12);
		status();
		multiline();
		status();
		multiline();
	}
	if (list && new <= 0) {
		out("QUIT\r\n", 6);
		quitting = 1;
		status();
	} else {
		/* Every message, or the new ones after a listing. */
		if ((cmds = malloc((size_t)count * 20 + 16)) == NULL)
			die("out of memory");
		used = 0;
		for (i = list ? count - new + 1 : 1; i <= count; i++)
			used += (size_t)snprintf(cmds + used, 20, "RETR %ld\r\n",
			    i);
		out(cmds, used);
		for (i = list ? count - new + 1 : 1; i <= count; i++) {
			status();
			if (disk != NULL) {
				(void)snprintf(path, sizeof path, "%s/tmp/%ld",
				    disk, i);
				if ((outfd = open(path, O_WRONLY | O_CREAT |
				    O_EXCL, 0600)) == -1)
					die("cannot create a message file");
			}
			multiline();
			if (outfd != -1 && close(outfd) == -1)
				die("cannot write a message");
			outfd = -1;
		}
		/*
		 * QUIT only once everything is read, as the clients do:
		 * Dovecot over TLS may cut the output short when a QUIT comes
		 * pipelined behind a lot of it.
		 */
		out("QUIT\r\n", 6);
		quitting = 1;
		status();
		free(cmds);
		if (disk != NULL) {
			(void)snprintf(path, sizeof path, "%s/tmp", disk);
			if ((dfd = open(path, O_RDONLY | O_DIRECTORY)) == -1 ||
			    syncfs(dfd) == -1)
				die("cannot sync");
			(void)close(dfd);
			for (i = list ? count - new + 1 : 1; i <= count; i++) {
				(void)snprintf(path, sizeof path, "%s/tmp/%ld",
				    disk, i);
				(void)snprintf(path2, sizeof path2,
				    "%s/new/%ld", disk, i);
				if (rename(path, path2) == -1)
					die("cannot rename a message file");
			}
			(void)snprintf(path, sizeof path, "%s/new", disk);
			if ((dfd = open(path, O_RDONLY | O_DIRECTORY)) == -1 ||
			    fsync(dfd) == -1)
				die("cannot sync new/");
			(void)close(dfd);
		}
	}
	printf("%ld %llu\n", count, total);
	return (0);
}
