/*
 * One account's settings, as cmd/ read them from fetchrc and the command
 * line.  core/ reads this and never changes it.
 */
#ifndef ACCOUNT_H
#define ACCOUNT_H

#include <sys/types.h>

enum auth_method {
	AUTH_AUTO = 0,
	AUTH_USER,
	AUTH_APOP,
	AUTH_PLAIN,
	AUTH_LOGIN,
	AUTH_CRAM_MD5,
	AUTH_SCRAM_SHA_256,
	AUTH_XOAUTH2,
	AUTH_OAUTHBEARER,
	AUTH_EXTERNAL,
};

enum oauth_provider {
	OAUTH_NONE = 0,		/* the token comes from passwordeval */
	OAUTH_MICROSOFT,
	OAUTH_GOOGLE,
	OAUTH_CUSTOM,
};

enum delivery_kind {
	DELIVERY_MAILDIR = 0,
	DELIVERY_MBOX,
	DELIVERY_MDA,
	DELIVERY_LMTP,
	DELIVERY_SMTP,
	DELIVERY_IMAP,
};

enum smtp_tls_mode {
	SMTP_TLS_AUTO = 0,	/* off on loopback or a socket, else starttls */
	SMTP_TLS_OFF,
	SMTP_TLS_STARTTLS,
};

enum imap_tls_mode {
	IMAP_TLS_AUTO = 0,	/* as the URL says: imaps on, imap starttls */
	IMAP_TLS_OFF,
	IMAP_TLS_STARTTLS,
	IMAP_TLS_ON,		/* implicit TLS (imaps://) */
};

enum keep_mode {
	KEEP_OFF = 0,		/* delete what was delivered */
	KEEP_ON,		/* never delete */
	KEEP_DURATION,		/* delete keep_secs after first fetch */
};

/* What a filter's exit status means. */
enum filter_exit {
	FILTER_EXIT_POPFETCH = 0,	/* 0 fetch, 99 delete, 98 leave */
	FILTER_EXIT_MPOP,		/* 0 fetch, 1 delete, 2 leave */
};

enum pipelining_mode {
	PIPELINING_AUTO = 0,
	PIPELINING_ON,
	PIPELINING_OFF,
};

struct account {
	char			*name;
	char			*rcfile;	/* where the block starts */
	u_int			 rcline;

	char			*host;
	u_int			 port;		/* 0: 995 or 110 by TLS mode */
	int			 tls;
	int			 tls_starttls;
	char			*tls_trust_file;	/* NULL: system store */
	int			 tls_verify;
	char			*tls_fingerprint;	/* SHA-256, 64 hex digits */
	char			*tls_cert_file;
	char			*tls_key_file;
	char			*tls_priorities;

	enum auth_method	 auth;
	char			*user;
	char			*password;	/* resolved secret, or NULL */

	enum oauth_provider	 oauth_provider;
	char			*oauth_client_id;
	char			*oauth_client_secret;
	char			**oauth_client_secret_eval;
	char			*oauth_auth_url;
	char			*oauth_device_url;
	char			*oauth_token_url;
	char			*oauth_scope;

	enum delivery_kind	 delivery;
	char			*delivery_path;	/* maildir directory, mbox file */
	char			**mda_argv;	/* the MDA and its arguments */
	char			*smtp_host;	/* lmtp, smtp; NULL: delivery_path
						   is the LMTP socket */
	u_int			 smtp_port;
	char			*recipient;	/* RCPT TO */
	char			*envelope_from;	/* MAIL FROM; NULL: the message's
						   Return-Path, "": <> */
	enum smtp_tls_mode	 smtp_tls;
	char			*smtp_user;	/* NULL: no login */
	enum auth_method	 smtp_auth;	/* not USER or APOP */
	char			*smtp_password;	/* resolved secret, or NULL */
	char			*imap_host;	/* delivery imap */
	u_int			 imap_port;	/* 0: 993 or 143 by imap_tls */
	char			*imap_folder;	/* URL-decoded, INBOX by default */
	enum imap_tls_mode	 imap_tls;	/* never AUTO once rc is read */
	char			*imap_user;
	enum auth_method	 imap_auth;	/* not USER or APOP */
	char			*imap_password;	/* resolved secret, or NULL */

	enum keep_mode		 keep;
	long long		 keep_secs;
	int			 only_new;
	int			 timeout;	/* seconds per read or write */
	int			 session_timeout;	/* seconds for it all */
	enum pipelining_mode	 pipelining;
	char			*state_dir;

	unsigned long long	 max_size;	/* 0: no limit */
	unsigned long long	 kill_size;	/* 0: no limit */
	u_int			 max_messages;	/* 0: no limit */
	char			**filter;	/* argv, NULL: none */
	enum filter_exit	 filter_exit;
	int			 received_header;
	int			 syslog;	/* lines to syslog (cmd/ only) */
};

/* What the command line asks of this run, over the account's settings. */
struct fetch_opts {
	int			 keep;		/* -1: as the account says, 0: --delete, 1: -k */
	int			 fetch_all;	/* -A */
	int			 dry_run;	/* -n */
	int			 status;	/* -s: count, fetch and change nothing */
	/*
	 * Called after each message handled, and at most every half second
	 * during a big one; bytes delivered so far.  NULL: no progress.
	 */
	void			(*progress)(void *arg, u_int done, u_int total,
				    unsigned long long bytes);
	void			*progress_arg;
};

struct fetch_result {
	u_int			 messages;	/* on the server */
	u_int			 new;		/* not fetched before */
	u_int			 fetched;	/* delivered this run */
	u_int			 deleted;	/* marked for deletion and QUIT ok */
	u_int			 skipped;
	u_int			 unconfirmed;	/* skipped, maybe delivered */
	unsigned long long	 bytes;		/* delivered bytes */
	double			 seconds;
};

#endif
