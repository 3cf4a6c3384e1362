/*
 * The POP3 protocol over a struct conn: commands, status lines, multi-line
 * responses and message bodies.  Policy (what to fetch, where it goes) is
 * fetch.c's; this file only speaks the protocol and checks what comes back.
 */
#ifndef POP3_H
#define POP3_H

#include <sys/types.h>

#include "account.h"
#include "net/conn.h"
#include "util/error.h"

enum pop3_state {
	POP3_CONNECTED = 0,
	POP3_GREETED,
	POP3_STARTTLS,
	POP3_AUTH,
	POP3_TRANSACTION,
	POP3_QUIT,
	POP3_FAILED,
};

#define CAP_PIPELINING	0x01
#define CAP_UIDL	0x02
#define CAP_USER	0x04
#define CAP_STLS	0x08
#define CAP_RESP_CODES	0x10
#define CAP_TOP		0x20
#define CAP_SASL	0x40
#define CAP_LOGIN_DELAY	0x80
#define CAP_EXPIRE	0x100

#define POP3_MAX_MESSAGES	1000000	/* more is a hostile server */
#define POP3_CAPA_MAX		32	/* CAPA lines kept for --serverinfo */

struct pop3_resp {
	int		 ok;		/* +OK or -ERR */
	char		 code[64];	/* RFC 2449 response code, or "" */
	const char	*text;		/* after the status and code */
	const char	*line;		/* the whole line */
};

struct pop3 {
	struct conn		*conn;
	const struct account	*acct;
	enum pop3_state		 state;
	u_int			 caps;
	int			 capa_ok;	/* CAPA was answered */
	char			 sasl[256];	/* mechanisms from CAPA */
	char			 timestamp[256];	/* APOP, from the greeting */
	int			 timestamp_bad;	/* <..@..> with bytes no msg-id has */
	int			 tls_mode;	/* TLS_VERIFY or TLS_INSPECT */
	char			 greeting[512];	/* made safe to show */
	char			 capa_lines[POP3_CAPA_MAX][128];	/* same */
	size_t			 ncapa_lines;
	/*
	 * RFC 2449 limits: LOGIN-DELAY seconds and EXPIRE days, -1 when not
	 * announced (EXPIRE NEVER too); *_user when the value may change
	 * once logged in, so that CAPA is worth asking again.
	 */
	long			 login_delay;
	long			 expire;
	int			 login_delay_user;
	int			 expire_user;
	int			 scan_queued;	/* STAT, UIDL, LIST sent ahead */
	int			 quit_queued;	/* QUIT sent ahead */
};

/* The server's listing: each message's UID and size, numbered from 1. */
struct pop3_list;
struct state;

/*
 * With PIPELINING, queues STAT, UIDL and LIST behind the login command
 * about to be flushed, so that the scan costs no round trip of its own
 * (unless CAPA must be asked again after the login).
 */
void	pop3_scan_ahead(struct pop3 *);

/* A place for message data: called with each decoded chunk. */
typedef int	(*pop3_sink)(void *, const char *, size_t, struct error *);

void	pop3_init(struct pop3 *, struct conn *, const struct account *);
void	pop3_state(struct pop3 *, enum pop3_state);
const char *pop3_state_name(enum pop3_state);

/* Parses a status line in place; -1 if it is neither +OK nor -ERR. */
int	pop3_parse_resp(const char *, struct pop3_resp *);
/* The error class of an -ERR: its response code decides, else dflt. */
enum err_code pop3_resp_class(const struct pop3_resp *, enum err_code dflt);

/* Whether commands may go out before earlier ones are answered. */
int	pop3_pipelining(struct pop3 *);
/* Queues a command; the trace shows it as shown when that is not NULL. */
void	pop3_queue(struct pop3 *, const char *cmd, const char *shown);
int	pop3_flush(struct pop3 *, struct error *);
/* Reads a status line; -1 on a broken one or a lost connection. */
int	pop3_response(struct pop3 *, struct pop3_resp *, struct error *);
/* Reads the lines of a multi-line response up to ".", each to fn. */
int	pop3_lines(struct pop3 *, int (*fn)(void *, char *, struct error *),
	    void *, struct error *);
/*
 * Streams a message body to sink; more than limit bytes on the wire is a
 * protocol error (the server's LIST size lied by far).
 */
int	pop3_body(struct pop3 *, pop3_sink, void *, unsigned long long limit,
	    unsigned long long *wire, struct error *);

int	pop3_greeting(struct pop3 *, struct error *);
int	pop3_capa(struct pop3 *, struct error *);
int	pop3_stls(struct pop3 *, struct error *);
/*
 * CAPA again once logged in, when the limits may be the user's own; the
 * capabilities known before stay when the server does not answer it.
 */
int	pop3_capa_user(struct pop3 *, struct error *);
/*
 * STAT, UIDL and LIST.  With a state (it may be NULL), each UID is claimed
 * in it (state_claim), and one it holds is not copied into the listing;
 * nor is its size unless known_sizes says it will be asked for.
 */
int	pop3_scan(struct pop3 *, struct state *, int known_sizes,
	    struct pop3_list **, struct error *);
u_int	pop3_list_count(const struct pop3_list *);
/* Message i's UID, which lasts as long as the listing and the state. */
const char *pop3_list_uid(const struct pop3_list *, u_int i);
/* Message i's size; 0 for a UID of the state, unless known_sizes. */
unsigned long long pop3_list_size(const struct pop3_list *, u_int i);
/* Whether message i's size is known (see pop3_scan). */
int	pop3_list_sized(const struct pop3_list *, u_int i);
void	pop3_list_free(struct pop3_list *);
/*
 * Queues QUIT behind the last command of a session that marked nothing for
 * deletion: QUIT then commits nothing, and its round trip overlaps the
 * syncs.  pop3_quit reads its answer later.
 */
void	pop3_quit_ahead(struct pop3 *);
int	pop3_quit(struct pop3 *, struct error *);

#endif
