#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "oauth/http.h"
#include "oauth/urlenc.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct http_sink {
	char	*buf;
	size_t	 len;
	size_t	 max;
	int	 over;
};

static size_t
http_write(char *p, size_t size, size_t n, void *arg)
{
	struct http_sink	*s = arg;
	size_t			 len = size * n;

	if (len > s->max - s->len) {
		s->over = 1;
		return (0);	/* ends the transfer */
	}
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	return (len);
}

#ifndef HTTP_LIBCURL
#define HTTP_LIBCURL	"libcurl-gnutls.so.4"
#endif

/*
 * libcurl is loaded when a token is first asked for, not linked: linked, it
 * maps libcrypto, Kerberos, LDAP, SSH and a dozen more libraries into every
 * run, 3 MiB of resident memory for the accounts that never use OAuth.
 */
static struct {
	CURL		*(*init)(void);
	CURLcode	 (*setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*perform)(CURL *);
	CURLcode	 (*getinfo)(CURL *, CURLINFO, ...);
	const char	*(*strerror)(CURLcode);
	void		 (*cleanup)(CURL *);
} http_curl;

static int
http_load(const char *url, struct error *err)
{
	const char	*why;
	void		*h;

	if (http_curl.init != NULL)
		return (0);
	if ((h = dlopen(HTTP_LIBCURL, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		err_set(err, ERR_UNAVAILABLE, "cannot load %s to reach %s: %s",
		    HTTP_LIBCURL, url, why != NULL ? why : "not found");
		err_hint(err, "OAuth token requests need libcurl: install it "
		    "(on Debian, apt install libcurl3-gnutls)");
		return (-1);
	}
	http_curl.setopt = (CURLcode (*)(CURL *, CURLoption, ...))dlsym(h,
	    "curl_easy_setopt");
	http_curl.perform = (CURLcode (*)(CURL *))dlsym(h,
	    "curl_easy_perform");
	http_curl.getinfo = (CURLcode (*)(CURL *, CURLINFO, ...))dlsym(h,
	    "curl_easy_getinfo");
	http_curl.strerror = (const char *(*)(CURLcode))dlsym(h,
	    "curl_easy_strerror");
	http_curl.cleanup = (void (*)(CURL *))dlsym(h, "curl_easy_cleanup");
	http_curl.init = (CURL *(*)(void))dlsym(h, "curl_easy_init");
	if (http_curl.setopt == NULL || http_curl.perform == NULL ||
	    http_curl.getinfo == NULL || http_curl.strerror == NULL ||
	    http_curl.cleanup == NULL || http_curl.init == NULL) {
		http_curl.init = NULL;
		(void)dlclose(h);
		return (err_set(err, ERR_UNAVAILABLE, "%s lacks the "
		    "curl_easy functions", HTTP_LIBCURL));
	}
	return (0);
}

int
http_post(const char *url, const char *const *form, const char *trust_file,
    int timeout, size_t max, struct http_answer *ans, struct error *err)
{
	struct http_sink	 sink;
	CURL			*curl = NULL;
	CURLcode		 rc;
	char			*body = NULL, *v, *s, errbuf[CURL_ERROR_SIZE];
	size_t			 i;
	int			 rv = -1;

	memset(ans, 0, sizeof *ans);
	memset(&sink, 0, sizeof sink);
	if (strncmp(url, "https://", 8) != 0)
		return (err_set(err, ERR_CONFIG, "%s is not an https:// URL",
		    url));
	if (http_load(url, err) == -1)
		return (-1);
	if ((curl = http_curl.init()) == NULL)
		return (err_set(err, ERR_SOFTWARE, "curl_easy_init failed"));
	body = xstrdup("");
	for (i = 0; form[i] != NULL; i += 2) {
		v = urlenc_escape(form[i + 1]);
		xasprintf(&s, "%s%s%s=%s", body, i > 0 ? "&" : "", form[i], v);
		explicit_bzero(v, strlen(v));
		free(v);
		explicit_bzero(body, strlen(body));
		free(body);
		body = s;
	}
	sink.max = max;
	sink.buf = xmalloc(max + 1);
	errbuf[0] = '\0';
	(void)http_curl.setopt(curl, CURLOPT_URL, url);
	(void)http_curl.setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	(void)http_curl.setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	(void)http_curl.setopt(curl, CURLOPT_POSTFIELDS, body);
	(void)http_curl.setopt(curl, CURLOPT_WRITEFUNCTION, http_write);
	(void)http_curl.setopt(curl, CURLOPT_WRITEDATA, &sink);
	(void)http_curl.setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	(void)http_curl.setopt(curl, CURLOPT_TIMEOUT, (long)timeout);
	(void)http_curl.setopt(curl, CURLOPT_NOSIGNAL, 1L);
	(void)http_curl.setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	(void)http_curl.setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (trust_file != NULL)
		(void)http_curl.setopt(curl, CURLOPT_CAINFO, trust_file);
	log_verbose("POST %s", url);
	rc = http_curl.perform(curl);
	if (sink.over) {
		err_set(err, ERR_PROTO, "%s answered more than %zu bytes", url,
		    max);
		goto out;
	}
	/* The same rules as for the POP server's certificate (net/tls.c). */
	if (rc == CURLE_PEER_FAILED_VERIFICATION) {
		err_set(err, ERR_UNAVAILABLE, "TLS certificate of %s not "
		    "trusted: %s", url, errbuf[0] != '\0' ? errbuf :
		    http_curl.strerror(rc));
		err_hint(err, "check tls_trust_file, or the endpoint URL");
		goto out;
	}
	if (rc == CURLE_SSL_CACERT_BADFILE) {
		err_set(err, ERR_CONFIG, "tls_trust_file %s cannot be read "
		    "for %s", trust_file != NULL ? trust_file : "(system)",
		    url);
		goto out;
	}
	if (rc != CURLE_OK) {
		err_set(err, ERR_TEMP, "cannot reach %s: %s", url,
		    errbuf[0] != '\0' ? errbuf : http_curl.strerror(rc));
		err_hint(err, "check the network; the next run tries again");
		goto out;
	}
	(void)http_curl.getinfo(curl, CURLINFO_RESPONSE_CODE, &ans->status);
	sink.buf[sink.len] = '\0';
	if (strlen(sink.buf) != sink.len) {
		err_set(err, ERR_PROTO, "%s answered a NUL byte", url);
		goto out;
	}
	ans->body = sink.buf;
	ans->len = sink.len;
	sink.buf = NULL;
	rv = 0;
out:
	if (body != NULL) {
		explicit_bzero(body, strlen(body));
		free(body);
	}
	if (sink.buf != NULL) {
		explicit_bzero(sink.buf, sink.len);
		free(sink.buf);
	}
	http_curl.cleanup(curl);
	return (rv);
}

void
http_answer_free(struct http_answer *ans)
{
	if (ans->body != NULL) {
		explicit_bzero(ans->body, ans->len);
		free(ans->body);
	}
	ans->body = NULL;
}
