#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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
#include "authorize.h"
#include "check.h"
#include "exitcode.h"
#include "jobs.h"
#include "output.h"
#include "import.h"
#include "paths.h"
#include "popurl.h"
#include "rc.h"
#include "run.h"
#include "serverinfo.h"
#include "util/error.h"
#include "util/intr.h"
#include "util/log.h"
#include "util/xmalloc.h"

enum {
	OPT_DELETE = 256,
	OPT_PROGRESS,
	OPT_JSON,
	OPT_DELIVER,
	OPT_PASSWORDEVAL,
	OPT_IMPORT,
	OPT_AUTHORIZE,
	OPT_CHECK,
	OPT_SYSLOG,
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
	{ "deliver",	required_argument,	NULL,	OPT_DELIVER },
	{ "passwordeval", required_argument,	NULL,	OPT_PASSWORDEVAL },
	{ "import",	required_argument,	NULL,	OPT_IMPORT },
	{ "authorize",	required_argument,	NULL,	OPT_AUTHORIZE },
	{ "check",	no_argument,		NULL,	OPT_CHECK },
	{ "syslog",	no_argument,		NULL,	OPT_SYSLOG },
	{ NULL,		0,			NULL,	0 }
};

static const char main_usage[] =
    "usage: popfetch [-AhknqSsVv] [--check] [--delete] [--json] [--syslog]\n"
    "                [--progress when]\n"
    "                [-f rcfile] [-j jobs] [account ...]\n"
    "       popfetch [option ...] [--deliver maildir|mbox path]\n"
    "                [--passwordeval command] pop[s]://user;AUTH=mech@host:port\n"
    "       popfetch --import fetchmail|mpop|getmail file\n"
    "       popfetch [-f rcfile] --authorize account\n";

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
    "      --deliver maildir DIR | mbox FILE\n"
    "                     where the mail of a POP URL goes (~/Maildir)\n"
    "      --passwordeval CMD\n"
    "                     the password of a POP URL is CMD's first line\n"
    "      --import fetchmail|mpop|getmail FILE\n"
    "                     print FILE as a fetchrc on standard output\n"
    "      --check        check the rc file and what each account needs;\n"
    "                     print what it would do; no network\n"
    "      --syslog       log to syslog (the journal) instead of stderr\n"
    "      --authorize ACCOUNT\n"
    "                     authorize an account with oauth_provider, once\n"
    "  -h, --help         print this help\n"
    "  -V, --version      print the version\n"
    "\n"
    "With no account named, every account of the rc file is fetched.\n"
    "A POP URL (RFC 2384) fetches one mailbox without an rc file: pop://\n"
    "is port 110 with STLS required, pops:// implicit TLS on port 995.\n"
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

/*
 * A core file would hold the password, the tokens and the rc file's
 * secrets: none is written, and no other process of the user may read
 * this one's memory.  Before anything is read.
 */
static void
main_nocore(void)
{
	struct rlimit	rl = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
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

/*
 * The one account of a POP URL, as an rc file would hold it, after the
 * defaults of rcpath when -f named one; an error in the URL's own lines is
 * the command line's.
 */
static int
main_url(const char *rcpath, const char *url, const char *delivery,
    const char *target, const char *eval, struct rc **rc)
{
	struct popurl	 u;
	struct error	 err;
	char		*text = NULL;
	int		 rv = EX_USAGE;

	err_clear(&err);
	if (popurl_parse(url, &u, &err) == -1) {
		fprintf(stderr, "popfetch: bad POP URL '%s': %s\n", url,
		    err.what);
		if (err.hint[0] != '\0')
			fprintf(stderr, "popfetch: %s\n", err.hint);
		return (EX_USAGE);
	}
	text = popurl_rc(&u, delivery, target, eval);
	if ((rcpath != NULL ? rc_load_more(rcpath, url, text, rc, &err) :
	    rc_load_text(url, text, rc, &err)) == -1) {
		output_error("popfetch", NULL, &err);
		/* The rc file's own errors are its own. */
		if (rcpath != NULL && strncmp(err.what, rcpath,
		    strlen(rcpath)) == 0)
			rv = EX_CONFIG;
		goto out;
	}
	rv = 0;
out:
	free(text);
	popurl_free(&u);
	return (rv);
}

static void
main_stop(int signo)
{
	intr_signo = signo;
}

/*
 * SIGTERM (systemd stopping the service), SIGINT (^C) and SIGHUP end a run
 * as an error does: without QUIT, what was delivered recorded, exit 75.
 * No SA_RESTART, so that a wait in progress sees the signal at once.
 */
static void
main_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = main_stop;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
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
	const char		 *delivery = NULL, *target = NULL;
	const char		 *eval = NULL, *import = NULL;
	const char		 *authorize = NULL;
	size_t			  nsel = 0, i, j;
	u_int			  jobs = 1;
	int			  ch, quiet = 0, verbose = 0, rv = 0, status;
	int			  keep = 0, del = 0, serverinfo = 0;
	int			  check = 0, use_syslog = 0;

	memset(&ro, 0, sizeof ro);
	opts->keep = -1;

	main_fds();
	main_nocore();
	/* Write errors on sockets and pipes are handled where they happen. */
	signal(SIGPIPE, SIG_IGN);
	main_signals();
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
		case OPT_DELIVER:
			/* Two words: the method, then the next argument. */
			if ((strcmp(optarg, "maildir") != 0 &&
			    strcmp(optarg, "mbox") != 0) || optind >= argc ||
			    *argv[optind] == '\0') {
				rv = main_usage_error("--deliver takes maildir "
				    "DIR or mbox FILE");
				goto out;
			}
			delivery = optarg;
			target = argv[optind++];
			break;
		case OPT_PASSWORDEVAL:
			if (*optarg == '\0') {
				rv = main_usage_error("--passwordeval needs a "
				    "command");
				goto out;
			}
			eval = optarg;
			break;
		case OPT_IMPORT:
			import = optarg;
			break;
		case OPT_AUTHORIZE:
			authorize = optarg;
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_SYSLOG:
			use_syslog = 1;
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

	if (import != NULL) {
		if (argc != 1) {
			rv = main_usage_error("--import takes a format and "
			    "one file");
			goto out;
		}
		rv = import_run(import, argv[0]);
		goto out;
	}
	for (i = 0; i < (size_t)argc; i++) {
		if (popurl_is(argv[i]))
			break;
	}
	if (i < (size_t)argc && argc != 1) {
		rv = main_usage_error("a POP URL is fetched alone, without "
		    "account names");
		goto out;
	}
	if (i == (size_t)argc && (delivery != NULL || eval != NULL)) {
		rv = main_usage_error("--deliver and --passwordeval go with a "
		    "POP URL; in fetchrc use the delivery and passwordeval "
		    "keys");
		goto out;
	}
	if (i < (size_t)argc) {
		if ((rv = main_url(rcpath, argv[0], delivery, target, eval,
		    &rc)) != 0)
			goto out;
		/* Its account is the last one: the file's are not fetched. */
		argc = 0;
		nsel = 1;
		sel = xcalloc(1, sizeof *sel);
		sel[0] = rc->accounts[rc->naccounts - 1];
	} else if ((rcpath == NULL && main_rcfile(&rcpath, &err) == -1) ||
	    rc_load(rcpath, &rc, &err) == -1) {
		output_error("popfetch", NULL, &err);
		rv = exitcode(err.code);
		goto out;
	}

	if (authorize != NULL) {
		struct rc_account	*ra;

		if (argc != 0) {
			rv = main_usage_error("--authorize takes one account");
			goto out;
		}
		if ((ra = rc_find(rc, authorize)) == NULL) {
			fprintf(stderr, "popfetch: no account '%s' in %s\n",
			    authorize, rcpath);
			rv = EX_USAGE;
			goto out;
		}
		rv = authorize_run(ra);
		goto out;
	}
	if (sel == NULL && argc == 0) {
		sel = xcalloc(rc->naccounts, sizeof *sel);
		for (nsel = 0; nsel < rc->naccounts; nsel++)
			sel[nsel] = rc->accounts[nsel];
	} else if (sel == NULL) {
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

	if (check) {
		rv = check_run(sel, nsel);
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

	if (use_syslog)
		output_syslog(NULL);
	for (i = 0; i < nsel; i++) {
		if (sel[i]->acct.syslog)
			output_syslog(sel[i]->acct.name);
	}
	/* No progress line where the lines go to syslog. */
	ro.progress = main_showprogress(use_syslog ? PROGRESS_NEVER : progress,
	    quiet, ro.json, jobs, nsel);
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
