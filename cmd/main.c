#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "account.h"
#include "exitcode.h"
#include "jobs.h"
#include "output.h"
#include "paths.h"
#include "rc.h"
#include "run.h"
#include "serverinfo.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xmalloc.h"

enum {
	OPT_DELETE = 256,
	OPT_PROGRESS,
	OPT_JSON,
};

static const struct option main_longopts[] = {
	{ "rcfile",	required_argument,	NULL,	'f' },
	{ "keep",	no_argument,		NULL,	'k' },
	{ "delete",	no_argument,		NULL,	OPT_DELETE },
	{ "fetch-all",	no_argument,		NULL,	'A' },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "dry-run",	no_argument,		NULL,	'n' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ "status",	no_argument,		NULL,	's' },
	{ "serverinfo",	no_argument,		NULL,	'S' },
	{ "jobs",	required_argument,	NULL,	'j' },
	{ "progress",	required_argument,	NULL,	OPT_PROGRESS },
	{ "json",	no_argument,		NULL,	OPT_JSON },
	{ NULL,		0,			NULL,	0 }
};

static const char main_usage[] =
    "usage: popfetch [-AhknqSsVv] [--delete] [--json] [--progress when]\n"
    "                [-f rcfile] [-j jobs] [account ...]\n";

static const char main_help[] =
    "Fetch mail from POP3 servers into a Maildir.\n"
    "\n"
    "  -f, --rcfile FILE  rc file (default $XDG_CONFIG_HOME/popfetch/fetchrc,\n"
    "                     else ~/.fetchrc)\n"
    "  -k, --keep         keep every message on the server this run\n"
    "      --delete       delete what was delivered, whatever keep says\n"
    "  -A, --fetch-all    fetch messages fetched before too\n"
    "  -n, --dry-run      connect, log in and plan; fetch and delete nothing\n"
    "  -s, --status       count messages and new ones; fetch and change\n"
    "                     nothing; exit 0 with new mail, 1 without\n"
    "  -S, --serverinfo   show the server's greeting, capabilities and TLS\n"
    "                     certificate; log in to nothing\n"
    "  -j, --jobs N       fetch up to N accounts at once (1 to 64, default 1)\n"
    "      --json         one JSON object per account on standard output\n"
    "      --progress WHEN\n"
    "                     a progress line on standard error: auto (when it\n"
    "                     is a terminal), always or never\n"
    "  -q, --quiet        print only errors\n"
    "  -v, --verbose      say more; -vv adds the protocol trace\n"
    "  -h, --help         print this help\n"
    "  -V, --version      print the version\n"
    "\n"
    "With no account named, every account of the rc file is fetched.\n"
    "See popfetch(1) and fetchrc(5).\n";

static int
main_usage_error(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "popfetch: %s\n", msg);
	fputs(main_usage, stderr);
	return (EX_USAGE);
}

enum main_progress {
	PROGRESS_AUTO,
	PROGRESS_ALWAYS,
	PROGRESS_NEVER,
};

static int
main_progress(const char *arg, enum main_progress *mode)
{
	if (strcmp(arg, "auto") == 0)
		*mode = PROGRESS_AUTO;
	else if (strcmp(arg, "always") == 0)
		*mode = PROGRESS_ALWAYS;
	else if (strcmp(arg, "never") == 0)
		*mode = PROGRESS_NEVER;
	else
		return (-1);
	return (0);
}

/*
 * The progress line is for a person watching one account at a time: never
 * with -q, nor under --json unless asked for, and with auto only on a
 * terminal and when no two accounts are fetched at once.
 */
static int
main_showprogress(enum main_progress mode, int quiet, int json, u_int jobs,
    size_t naccounts)
{
	if (quiet || mode == PROGRESS_NEVER)
		return (0);
	if (mode == PROGRESS_ALWAYS)
		return (1);
	return (!json && isatty(STDERR_FILENO) &&
	    (jobs <= 1 || naccounts <= 1));
}

/* Messages and the secret pipes assume 0, 1 and 2 are open. */
static void
main_fds(void)
{
	int	fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

static int
main_missing(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == -1 &&
	    (errno == ENOENT || errno == ENOTDIR));
}

/* The XDG rc file when it exists, else ~/.fetchrc. */
static int
main_rcfile(char **path, struct error *err)
{
	char	*xdg = NULL, *home = NULL;
	int	 rv = -1;

	if (paths_xdg("XDG_CONFIG_HOME", ".config", "popfetch/fetchrc", &xdg,
	    err) == -1 || paths_expand("~/.fetchrc", &home, err) == -1)
		goto out;
	if (!main_missing(xdg)) {
		*path = xdg;
		xdg = NULL;
	} else if (!main_missing(home)) {
		*path = home;
		home = NULL;
	} else {
		err_set(err, ERR_CONFIG, "no rc file: tried %s and %s", xdg,
		    home);
		err_hint(err, "write one, see fetchrc(5)");
		goto out;
	}
	rv = 0;
out:
	free(xdg);
	free(home);
	return (rv);
}

int
main(int argc, char *argv[])
{
	struct run_opts		  ro;
	struct fetch_opts	 *opts = &ro.fetch;
	struct error		  err;
	struct rc		 *rc = NULL;
	struct rc_account	**sel = NULL;
	struct run_acct		 *accts = NULL;
	enum main_progress	  progress = PROGRESS_AUTO;
	const char		 *errstr;
	char			 *rcpath = NULL;
	size_t			  nsel = 0, i, j;
	u_int			  jobs = 1;
	int			  ch, quiet = 0, verbose = 0, rv = 0, status;
	int			  keep = 0, del = 0, serverinfo = 0;

	memset(&ro, 0, sizeof ro);
	opts->keep = -1;

	main_fds();
	/* Write errors on sockets and pipes are handled where they happen. */
	signal(SIGPIPE, SIG_IGN);
	/* Past ulimit -f a write fails with EFBIG, which delivery undoes. */
	signal(SIGXFSZ, SIG_IGN);
	err_clear(&err);

	/* getopt names the program after argv[0]; our lines say popfetch. */
	argv[0] = (char *)"popfetch";
	while ((ch = getopt_long(argc, argv, "Af:hj:knqSsVv", main_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A':
			opts->fetch_all = 1;
			break;
		case 'f':
			free(rcpath);
			rcpath = xstrdup(optarg);
			break;
		case 'h':
			fputs(main_usage, stdout);
			fputs(main_help, stdout);
			rv = EX_OK;
			goto out;
		case 'k':
			keep = 1;
			opts->keep = 1;
			break;
		case OPT_DELETE:
			del = 1;
			opts->keep = 0;
			break;
		case 'n':
			opts->dry_run = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("popfetch %s\n", POPFETCH_VERSION);
			rv = EX_OK;
			goto out;
		case 's':
			opts->status = 1;
			break;
		case 'S':
			serverinfo = 1;
			break;
		case 'j':
			jobs = strtonum(optarg, 1, JOBS_MAX, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "popfetch: -j %s: %s (1 to "
				    "%d)\n", optarg, errstr, JOBS_MAX);
				rv = main_usage_error(NULL);
				goto out;
			}
			break;
		case OPT_PROGRESS:
			if (main_progress(optarg, &progress) == -1) {
				rv = main_usage_error("--progress takes auto, "
				    "always or never");
				goto out;
			}
			break;
		case OPT_JSON:
			ro.json = 1;
			break;
		default:
			rv = main_usage_error(NULL);
			goto out;
		}
	}
	argc -= optind;
	argv += optind;

	if (keep && del) {
		rv = main_usage_error("-k and --delete contradict each other");
		goto out;
	}
	if (quiet && verbose) {
		rv = main_usage_error("-q and -v contradict each other");
		goto out;
	}
	if (serverinfo && (opts->status || ro.json)) {
		rv = main_usage_error(opts->status ? "-S and -s contradict "
		    "each other" : "-S has no JSON output");
		goto out;
	}
	output_init(quiet ? LOG_WARN : verbose == 0 ? LOG_INFO :
	    verbose == 1 ? LOG_VERBOSE : LOG_TRACE);

	if ((rcpath == NULL && main_rcfile(&rcpath, &err) == -1) ||
	    rc_load(rcpath, &rc, &err) == -1) {
		output_error("popfetch", NULL, &err);
		rv = exitcode(err.code);
		goto out;
	}

	if (argc == 0) {
		sel = xcalloc(rc->naccounts, sizeof *sel);
		for (nsel = 0; nsel < rc->naccounts; nsel++)
			sel[nsel] = rc->accounts[nsel];
	} else {
		sel = xcalloc(argc, sizeof *sel);
		for (i = 0; i < (size_t)argc; i++) {
			if ((sel[nsel] = rc_find(rc, argv[i])) == NULL) {
				fprintf(stderr, "popfetch: no account '%s' in "
				    "%s\n", argv[i], rcpath);
				rv = EX_USAGE;
				continue;
			}
			/* Naming an account twice fetches it once. */
			for (j = 0; j < nsel; j++) {
				if (sel[j] == sel[nsel])
					break;
			}
			if (j == nsel)
				nsel++;
		}
		if (rv != 0)
			goto out;
	}

	if (serverinfo) {
		for (i = 0; i < nsel; i++) {
			status = serverinfo_run(sel[i]);
			if (rv == 0)
				rv = status;
		}
		goto out;
	}

	ro.progress = main_showprogress(progress, quiet, ro.json, jobs, nsel);
	accts = xcalloc(nsel == 0 ? 1 : nsel, sizeof *accts);
	for (i = 0; i < nsel; i++)
		accts[i].ra = sel[i];
	rv = jobs_run(accts, nsel, jobs, &ro);

out:
	if (accts != NULL) {
		for (i = 0; i < nsel; i++)
			run_free(&accts[i]);
		free(accts);
	}
	free(sel);
	rc_free(rc);
	free(rcpath);
	if (fflush(stdout) == EOF && rv == 0)
		rv = EX_IOERR;
	return (rv);
}
