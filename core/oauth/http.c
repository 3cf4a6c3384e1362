#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "oauth/http.h"
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
	if ((curl = curl_easy_init()) == NULL)
		return (err_set(err, ERR_SOFTWARE, "curl_easy_init failed"));
	body = xstrdup("");
	for (i = 0; form[i] != NULL; i += 2) {
		if ((v = curl_easy_escape(curl, form[i + 1], 0)) == NULL) {
			err_set(err, ERR_SOFTWARE, "curl_easy_escape failed");
			goto out;
		}
		xasprintf(&s, "%s%s%s=%s", body, i > 0 ? "&" : "", form[i], v);
		curl_free(v);
		explicit_bzero(body, strlen(body));
		free(body);
		body = s;
	}
	sink.max = max;
	sink.buf = xmalloc(max + 1);
	errbuf[0] = '\0';
	(void)curl_easy_setopt(curl, CURLOPT_URL, url);
	(void)curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	(void)curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	(void)curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	(void)curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_write);
	(void)curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	(void)curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	(void)curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)timeout);
	(void)curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	(void)curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (trust_file != NULL)
		(void)curl_easy_setopt(curl, CURLOPT_CAINFO, trust_file);
	log_verbose("POST %s", url);
	rc = curl_easy_perform(curl);
	if (sink.over) {
		err_set(err, ERR_PROTO, "%s answered more than %zu bytes", url,
		    max);
		goto out;
	}
	if (rc != CURLE_OK) {
		err_set(err, ERR_TEMP, "cannot reach %s: %s", url,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		err_hint(err, "check the network; the next run tries again");
		goto out;
	}
	(void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &ans->status);
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
	curl_easy_cleanup(curl);
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
