#include <sys/types.h>

#include <string.h>

#include "net/conn.h"
#include "net/net.h"
#include "pop3/pop3.h"
#include "session/serverinfo.h"

int
serverinfo_get(const struct account *a, struct serverinfo *si,
    struct error *err)
{
	struct conn	*c = NULL;
	struct pop3	 p;
	int		 fd, rc = -1;
	size_t		 i;

	memset(si, 0, sizeof *si);
	si->port = a->port != 0 ? a->port : (a->tls && !a->tls_starttls ?
	    995 : 110);
	if ((fd = net_connect(a->host, si->port, a->timeout, err)) == -1)
		return (-1);
	c = conn_new(fd, fd, a->timeout, "the server");
	pop3_init(&p, c, a);
	/* A certificate that would fail is shown, and said to fail. */
	p.tls_mode = TLS_INSPECT;
	if (a->tls && !a->tls_starttls &&
	    tls_start(c, a, TLS_INSPECT, err) == -1)
		goto out;
	if (pop3_greeting(&p, err) == -1 || pop3_capa(&p, err) == -1)
		goto out;
	if (a->tls && a->tls_starttls && pop3_stls(&p, err) == -1)
		goto out;
	(void)strlcpy(si->greeting, p.greeting, sizeof si->greeting);
	si->apop = p.timestamp[0] != '\0';
	si->capa_ok = p.capa_ok;
	for (i = 0; i < p.ncapa_lines; i++)
		(void)strlcpy(si->capa[i], p.capa_lines[i], sizeof si->capa[i]);
	si->ncapa = p.ncapa_lines;
	if (c->tls != NULL) {
		si->tls = 1;
		if (tls_describe(c, a, &si->tls_info, err) == -1)
			goto out;
	}
	/* Nothing was changed: a polite goodbye. */
	(void)pop3_quit(&p, err);
	err_clear(err);
	rc = 0;
out:
	conn_free(c);
	return (rc);
}
