#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "auth/apop.h"
#include "util/xmalloc.h"

#define APOP_MD5_LEN	16

int
apop_digest(const char *timestamp, const char *secret,
    char out[APOP_DIGEST_LEN], struct error *err)
{
	u_char	 md[APOP_MD5_LEN];
	char	*text;
	size_t	 i;
	int	 r;

	xasprintf(&text, "%s%s", timestamp, secret);
	r = gnutls_hash_fast(GNUTLS_DIG_MD5, text, strlen(text), md);
	xfree_secret(text);
	if (r < 0)
		return (err_set(err, ERR_SOFTWARE, "MD5: %s",
		    gnutls_strerror(r)));
	for (i = 0; i < APOP_MD5_LEN; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", md[i]);
	explicit_bzero(md, sizeof md);
	return (0);
}
