/*
 * Logging in: the choice of a method, the digests against the examples of
 * their RFCs, and whole AUTH exchanges over a pair of pipes with the
 * server's words written in advance.
 */
#include <sys/types.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "auth/apop.h"
#include "auth/auth.h"
#include "auth/authsasl.h"
#include "net/conn.h"
#include "pop3/pop3.h"
#include "sasl/mech.h"
#include "test.h"

/* RFC 7677, section 3. */
#define SCRAM_NONCE	"rOprNGfwEbeRWgbNEkqO"
#define SCRAM_SFIRST	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
			"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define SCRAM_CFINAL	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)" \
			"hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define SCRAM_SFINAL	"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
#define SCRAM_BADFINAL	"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static void
test_apop(void)
{
	struct error	err;
	char		d[APOP_DIGEST_LEN];

	/* RFC 1939, section 7. */
	CHECK(apop_digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf", d,
	    &err) == 0);
	CHECK_STR(d, "c4c9334bac560ecc979e58001b3e22fb");
}

static int
step(struct sasl_client *c, const char *in, struct sasl_buf *out,
    struct error *err)
{
	int	rc;

	sasl_wipe(out);
	err_clear(err);
	rc = c->step(c, (const u_char *)in, in != NULL ? strlen(in) : 0, out,
	    err);
	if (rc == 0)
		c->round++;
	return (rc);
}

static void
test_cram(void)
{
	struct sasl_creds	cr = { "tim", "tanstaaftanstaaf", "h", 110 };
	struct sasl_client	c;
	struct sasl_buf		out = { NULL, 0 };
	struct error		err;

	/* RFC 2195, section 2. */
	mech_cram_md5(&c, &cr);
	CHECK(step(&c, "<1896.697170952@postoffice.reston.mci.net>", &out,
	    &err) == 0);
	CHECK_STR((char *)out.data, "tim b913a602c7eda7a495b4e6e7334d3890");
	CHECK(step(&c, "again", &out, &err) == -1);
	sasl_wipe(&out);
	mech_free(&c);
}

static void
test_scram(void)
{
	struct sasl_creds	cr = { "user", "pencil", "h", 110 };
	struct sasl_client	c;
	struct sasl_buf		out = { NULL, 0 };
	struct error		err;

	mech_scram_sha256_nonce(&c, &cr, SCRAM_NONCE);
	CHECK(step(&c, NULL, &out, &err) == 0);
	CHECK_STR((char *)out.data, "n,,n=user,r=" SCRAM_NONCE);
	CHECK(step(&c, SCRAM_SFIRST, &out, &err) == 0);
	CHECK_STR((char *)out.data, SCRAM_CFINAL);
	CHECK(c.finish(&c, &err) == -1);
	CHECK(step(&c, SCRAM_SFINAL, &out, &err) == 0 && out.len == 0);
	CHECK(c.finish(&c, &err) == 0);
	mech_free(&c);

	/* A wrong server signature. */
	mech_scram_sha256_nonce(&c, &cr, SCRAM_NONCE);
	CHECK(step(&c, NULL, &out, &err) == 0);
	CHECK(step(&c, SCRAM_SFIRST, &out, &err) == 0);
	CHECK(step(&c, SCRAM_BADFINAL, &out, &err) == -1 &&
	    err.code == ERR_NOPERM);
	CHECK(c.finish(&c, &err) == -1);
	mech_free(&c);

	/* A server error, a nonce not ours, too few iterations. */
	mech_scram_sha256_nonce(&c, &cr, SCRAM_NONCE);
	CHECK(step(&c, NULL, &out, &err) == 0);
	CHECK(step(&c, SCRAM_SFIRST, &out, &err) == 0);
	CHECK(step(&c, "e=invalid-proof", &out, &err) == -1 &&
	    err.code == ERR_NOPERM && strstr(err.what, "invalid-proof"));
	mech_free(&c);
	mech_scram_sha256_nonce(&c, &cr, SCRAM_NONCE);
	CHECK(step(&c, NULL, &out, &err) == 0);
	CHECK(step(&c, "r=XOprNGfwEbeRWgbNEkqOzz,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
	    "i=4096", &out, &err) == -1 && err.code == ERR_PROTO);
	mech_free(&c);
	mech_scram_sha256_nonce(&c, &cr, SCRAM_NONCE);
	CHECK(step(&c, NULL, &out, &err) == 0);
	CHECK(step(&c, "r=" SCRAM_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	    &out, &err) == -1);
	mech_free(&c);
	mech_scram_sha256_nonce(&c, &cr, SCRAM_NONCE);
	CHECK(step(&c, NULL, &out, &err) == 0);
	CHECK(step(&c, "r=" SCRAM_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1",
	    &out, &err) == -1);
	mech_free(&c);
	mech_scram_sha256_nonce(&c, &cr, SCRAM_NONCE);
	CHECK(step(&c, NULL, &out, &err) == 0);
	CHECK(step(&c, "m=ext,r=" SCRAM_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
	    "i=4096", &out, &err) == -1);
	mech_free(&c);

	/* A random nonce, and a user name with "=" and ",". */
	cr.user = "a=b,c";
	mech_scram_sha256(&c, &cr);
	CHECK(step(&c, NULL, &out, &err) == 0);
	CHECK(strncmp((char *)out.data, "n,,n=a=3Db=2Cc,r=", 17) == 0 &&
	    strlen((char *)out.data) == 17 + 24);
	mech_free(&c);
	sasl_wipe(&out);
}

/* The table: what auto picks from what the server offers, TLS or not. */
static void
test_choose(void)
{
	static const struct {
		enum auth_method	 want;
		const char		*sasl;
		int			 user;
		int			 apop;
		int			 tls;
		int			 capa;
		int			 rc;	/* -1: ERR_UNAVAILABLE */
		enum auth_method	 got;
	} t[] = {
		{ AUTH_AUTO, "PLAIN SCRAM-SHA-256 CRAM-MD5", 1, 1, 1, 1, 0,
		    AUTH_SCRAM_SHA_256 },
		{ AUTH_AUTO, "PLAIN scram-sha-256", 1, 1, 0, 1, 0,
		    AUTH_SCRAM_SHA_256 },
		{ AUTH_AUTO, "PLAIN CRAM-MD5", 1, 1, 0, 1, 0, AUTH_CRAM_MD5 },
		{ AUTH_AUTO, "PLAIN LOGIN", 1, 1, 0, 1, 0, AUTH_APOP },
		{ AUTH_AUTO, "PLAIN LOGIN", 1, 0, 0, 1, -1, 0 },
		{ AUTH_AUTO, "PLAIN LOGIN", 1, 0, 1, 1, 0, AUTH_PLAIN },
		{ AUTH_AUTO, "LOGIN", 1, 0, 1, 1, 0, AUTH_LOGIN },
		{ AUTH_AUTO, "", 1, 0, 1, 1, 0, AUTH_USER },
		{ AUTH_AUTO, "", 1, 0, 0, 1, -1, 0 },
		{ AUTH_AUTO, "", 0, 0, 1, 0, 0, AUTH_USER },
		{ AUTH_AUTO, "", 0, 0, 0, 0, -1, 0 },
		{ AUTH_AUTO, "", 0, 1, 0, 0, 0, AUTH_APOP },
		/* Tokens and certificates are never guessed. */
		{ AUTH_AUTO, "XOAUTH2 OAUTHBEARER EXTERNAL", 0, 0, 1, 1, -1, 0 },
		{ AUTH_AUTO, "XOAUTH2 PLAIN", 0, 0, 1, 1, 0, AUTH_PLAIN },
		/* Named: used when offered, with or without TLS. */
		{ AUTH_PLAIN, "PLAIN", 1, 0, 0, 1, 0, AUTH_PLAIN },
		{ AUTH_USER, "PLAIN", 1, 0, 0, 1, 0, AUTH_USER },
		{ AUTH_USER, "PLAIN", 0, 0, 1, 1, -1, 0 },
		{ AUTH_CRAM_MD5, "PLAIN", 1, 0, 1, 1, -1, 0 },
		{ AUTH_APOP, "", 1, 0, 1, 1, -1, 0 },
		{ AUTH_APOP, "", 1, 1, 0, 1, 0, AUTH_APOP },
		{ AUTH_XOAUTH2, "XOAUTH2", 0, 0, 1, 1, 0, AUTH_XOAUTH2 },
		{ AUTH_OAUTHBEARER, "XOAUTH2", 0, 0, 1, 1, -1, 0 },
		{ AUTH_EXTERNAL, "PLAIN EXTERNAL", 0, 0, 1, 1, 0,
		    AUTH_EXTERNAL },
		/* No CAPA: a named SASL mechanism is tried anyway. */
		{ AUTH_SCRAM_SHA_256, "", 0, 0, 1, 0, 0, AUTH_SCRAM_SHA_256 },
	};
	struct account	 acct;
	struct conn	 conn;
	struct pop3	 p;
	struct error	 err;
	enum auth_method m;
	size_t		 i;
	int		 rc;

	memset(&conn, 0, sizeof conn);
	conn.peer = "the server";
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&acct, 0, sizeof acct);
		acct.auth = t[i].want;
		memset(&p, 0, sizeof p);
		p.acct = &acct;
		p.conn = &conn;
		p.capa_ok = t[i].capa;
		if (t[i].user)
			p.caps |= CAP_USER;
		(void)strlcpy(p.sasl, t[i].sasl, sizeof p.sasl);
		if (t[i].apop)
			(void)strlcpy(p.timestamp, "<1.2@host>",
			    sizeof p.timestamp);
		err_clear(&err);
		m = AUTH_AUTO;
		rc = auth_choose(&p, t[i].tls, &m, &err);
		if (rc != t[i].rc || (rc == 0 && m != t[i].got) ||
		    (rc == -1 && err.code != ERR_UNAVAILABLE)) {
			fprintf(stderr, "choose row %zu: rc %d, got %s (%s)\n",
			    i, rc, auth_name(m), err.what);
			test_failures++;
		}
	}

	/* The refusal names what would send the password unencrypted. */
	memset(&acct, 0, sizeof acct);
	memset(&p, 0, sizeof p);
	p.acct = &acct;
	p.conn = &conn;
	p.capa_ok = 1;
	p.caps = CAP_USER;
	(void)strlcpy(p.sasl, "PLAIN LOGIN", sizeof p.sasl);
	CHECK(auth_choose(&p, 0, &m, &err) == -1);
	CHECK(strstr(err.hint, "'auth plain' (or login, user)") != NULL);
	CHECK(strstr(err.what, "SASL PLAIN LOGIN, USER") != NULL);
	acct.auth = AUTH_CRAM_MD5;
	err_clear(&err);
	CHECK(auth_choose(&p, 1, &m, &err) == -1);
	CHECK(strstr(err.what, "does not offer CRAM-MD5") != NULL);
	CHECK(strstr(err.what, "it offers: SASL PLAIN LOGIN, USER") != NULL);
}

struct session {
	struct account	 acct;
	struct conn	*conn;
	struct pop3	 p;
	int		 out;		/* what the client sent */
	char		 sent[8192];
};

/* A session whose server has already said everything in script. */
static int
session_start(struct session *s, const char *script, enum auth_method m)
{
	int	in[2], out[2];

	memset(s, 0, sizeof *s);
	if (pipe(in) == -1 || pipe(out) == -1)
		return (-1);
	if (write(in[1], script, strlen(script)) != (ssize_t)strlen(script))
		return (-1);
	close(in[1]);
	s->acct.auth = m;
	s->acct.user = "user";
	s->acct.password = "pencil";
	s->acct.host = "pop.example.org";
	s->acct.port = 110;
	s->conn = conn_new(in[0], out[1], 5, "the server");
	pop3_init(&s->p, s->conn, &s->acct);
	s->p.capa_ok = 1;
	s->p.caps = CAP_SASL;
	s->out = out[0];
	return (0);
}

/* Ends the session; what the client sent is in s->sent. */
static void
session_end(struct session *s)
{
	ssize_t	n;
	size_t	len = 0;

	conn_free(s->conn);
	while ((n = read(s->out, s->sent + len, sizeof s->sent - 1 - len)) >
	    0)
		len += n;
	s->sent[len] = '\0';
	close(s->out);
}

static int
login(const char *script, enum auth_method m, const char *sasl,
    struct session *s, struct error *err)
{
	int	rc;

	if (session_start(s, script, m) == -1)
		return (-2);
	(void)strlcpy(s->p.sasl, sasl, sizeof s->p.sasl);
	s->p.caps = CAP_USER | (sasl[0] != '\0' ? CAP_SASL : 0);
	err_clear(err);
	rc = auth_login(&s->p, err);
	session_end(s);
	return (rc);
}

static void
test_exchange(void)
{
	struct session	 s;
	struct error	 err;
	char		*tok;

	/* PLAIN with the initial response. */
	CHECK(login("+OK\r\n", AUTH_PLAIN, "PLAIN", &s, &err) == 0);
	CHECK_STR(s.sent, "AUTH PLAIN AHVzZXIAcGVuY2ls\r\n");
	CHECK(s.p.state == POP3_TRANSACTION);

	/* A server without SASL in CAPA gets the response after "+ ". */
	CHECK(session_start(&s, "+ \r\n+OK\r\n", AUTH_PLAIN) == 0);
	s.p.capa_ok = 0;
	s.p.caps = 0;
	err_clear(&err);
	CHECK(auth_login(&s.p, &err) == 0);
	session_end(&s);
	CHECK_STR(s.sent, "AUTH PLAIN\r\nAHVzZXIAcGVuY2ls\r\n");

	/* LOGIN: user, then password. */
	CHECK(login("+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK\r\n", AUTH_LOGIN,
	    "LOGIN", &s, &err) == 0);
	CHECK_STR(s.sent, "AUTH LOGIN\r\ndXNlcg==\r\ncGVuY2ls\r\n");

	/* USER/PASS, refused: 77 naming the method. */
	CHECK(login("+OK\r\n-ERR [AUTH] no\r\n", AUTH_USER, "", &s,
	    &err) == -1 && err.code == ERR_NOPERM);
	CHECK(strstr(err.what, "with USER failed at PASS") != NULL);
	CHECK(login("+OK\r\n-ERR [IN-USE] busy\r\n", AUTH_USER, "", &s,
	    &err) == -1 && err.code == ERR_TEMP);

	/* EXTERNAL: "=" is the empty authorization identity. */
	CHECK(login("+OK\r\n", AUTH_EXTERNAL, "EXTERNAL", &s, &err) == 0);
	CHECK_STR(s.sent, "AUTH EXTERNAL =\r\n");

	/* SCRAM, the RFC 7677 exchange over the wire. */
	CHECK(session_start(&s, "+ cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdV"
	    "YTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2Z1E9"
	    "PSxpPTQwOTY=\r\n"
	    "+ dj02cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ=="
	    "\r\n+OK\r\n", AUTH_SCRAM_SHA_256) == 0);
	{
		struct sasl_creds	cr = { "user", "pencil", "h", 110 };
		struct sasl_client	c;
		struct pop3_resp	r;
		int			refused;

		mech_scram_sha256_nonce(&c, &cr, SCRAM_NONCE);
		err_clear(&err);
		CHECK(authsasl_run(&s.p, &c, &r, &refused, &err) == 0);
		mech_free(&c);
		session_end(&s);
		CHECK_STR(s.sent, "AUTH SCRAM-SHA-256 biwsbj11c2VyLHI9"
		    "ck9wck5HZndFYmVSV2diTkVrcU8=\r\n"
		    "Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFUQ0Fm"
		    "dXhGSWxqKWhObEYkazAscD1kSHpiWmFwV0lrNGpVaE4rVXRlOXl0YWc5empm"
		    "TUhnc3FtbWl6N0FuZFZRPQ==\r\n\r\n");

		/* A wrong signature fails even when the server says +OK. */
		CHECK(session_start(&s, "+ cj1yT3ByTkdmd0ViZVJXZ2JOR"
		    "WtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBT"
		    "Tlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY=\r\n"
		    "+ dj03cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5N"
		    "Uc0PQ==\r\n+OK\r\n", AUTH_SCRAM_SHA_256) == 0);
		mech_scram_sha256_nonce(&c, &cr, SCRAM_NONCE);
		err_clear(&err);
		CHECK(authsasl_run(&s.p, &c, &r, &refused, &err) == -1 &&
		    !refused && err.code == ERR_NOPERM);
		mech_free(&c);
		session_end(&s);
		CHECK(strstr(s.sent, "\r\n*\r\n") != NULL);

		/* +OK without the server's signature. */
		CHECK(session_start(&s, "+ cj1yT3ByTkdmd0ViZVJXZ2JOR"
		    "WtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBT"
		    "Tlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY=\r\n+OK\r\n",
		    AUTH_SCRAM_SHA_256) == 0);
		mech_scram_sha256_nonce(&c, &cr, SCRAM_NONCE);
		err_clear(&err);
		CHECK(authsasl_run(&s.p, &c, &r, &refused, &err) == -1 &&
		    !refused && err.code == ERR_NOPERM);
		mech_free(&c);
		session_end(&s);
	}

	/* A challenge that is not base64: cancelled with "*". */
	CHECK(login("+ !!!\r\n-ERR cancelled\r\n", AUTH_CRAM_MD5, "CRAM-MD5",
	    &s, &err) == -1 && err.code == ERR_PROTO);
	CHECK_STR(s.sent, "AUTH CRAM-MD5\r\n*\r\n");

	/* XOAUTH2 refused: the JSON status is shown, the answer is empty. */
	CHECK(login("+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcG"
	    "UiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==\r\n-ERR [AUTH] no\r\n",
	    AUTH_XOAUTH2, "XOAUTH2", &s, &err) == -1 &&
	    err.code == ERR_NOPERM);
	CHECK(strstr(err.what, "with XOAUTH2 failed") != NULL);
	CHECK(strstr(err.what, "status 401") != NULL);
	CHECK(strstr(err.hint, "token") != NULL);
	CHECK(strstr(s.sent, "\r\n\r\n") != NULL);

	/* OAUTHBEARER: answered with ^A; an escape sequence shown safely. */
	CHECK(login("+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwiZXJyb3IiOiIbWzJKIn0="
	    "\r\n-ERR no\r\n", AUTH_OAUTHBEARER,
	    "OAUTHBEARER", &s, &err) == -1 && err.code == ERR_NOPERM);
	CHECK(strstr(err.what, "status invalid_token") != NULL);
	CHECK(strchr(err.what, '\x1b') == NULL);
	CHECK(strstr(s.sent, "\r\nAQ==\r\n") != NULL);
	CHECK(strstr(s.sent, "AUTH OAUTHBEARER bixhPXVzZXIsAWhvc3Q9cG9wLmV4Y"
	    "W1wbGUub3JnAXBvcnQ9MTEwAWF1dGg9QmVhcmVyIHBlbmNpbAEB\r\n") != NULL);

	/* A long token does not fit the AUTH line: it waits for "+ ". */
	CHECK(session_start(&s, "+ \r\n+OK\r\n", AUTH_XOAUTH2) == 0);
	tok = malloc(301);
	memset(tok, 'x', 300);
	tok[300] = '\0';
	s.acct.password = tok;
	(void)strlcpy(s.p.sasl, "XOAUTH2", sizeof s.p.sasl);
	err_clear(&err);
	CHECK(auth_login(&s.p, &err) == 0);
	session_end(&s);
	CHECK(strncmp(s.sent, "AUTH XOAUTH2\r\ndXNlcj11c2VyAWF1dGg9QmVhcmVy",
	    40) == 0);
	free(tok);

	/* APOP with the greeting's timestamp. */
	CHECK(session_start(&s, "+OK\r\n", AUTH_APOP) == 0);
	(void)strlcpy(s.p.timestamp, "<1896.697170952@dbc.mtview.ca.us>",
	    sizeof s.p.timestamp);
	s.acct.password = "tanstaaf";
	s.acct.user = "mrose";
	CHECK(auth_login(&s.p, &err) == 0);
	session_end(&s);
	CHECK_STR(s.sent, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");

	/* Too many challenges. */
	CHECK(login("+ \r\n+ \r\n+ \r\n+ \r\n+ \r\n+ \r\n+ \r\n+ \r\n+ \r\n"
	    "-ERR\r\n", AUTH_LOGIN, "LOGIN", &s, &err) == -1);
	/* A line that is neither a challenge nor a status. */
	CHECK(login("* what\r\n", AUTH_PLAIN, "PLAIN", &s, &err) == -1 &&
	    err.code == ERR_PROTO);
}

int
main(void)
{
	test_apop();
	test_cram();
	test_scram();
	test_choose();
	test_exchange();
	return (TEST_DONE());
}
