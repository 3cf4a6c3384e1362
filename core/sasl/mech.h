/*
 * The SASL mechanisms: each sets up a struct sasl_client for an AUTH exchange (sasl.h).
 * The credentials are borrowed and must outlive the exchange.
 */
#ifndef MECH_H
#define MECH_H

#include "sasl/sasl.h"

void	mech_plain(struct sasl_client *, const struct sasl_creds *);
void	mech_login(struct sasl_client *, const struct sasl_creds *);
void	mech_external(struct sasl_client *, const struct sasl_creds *);
void	mech_cram_md5(struct sasl_client *, const struct sasl_creds *);
void	mech_scram_sha256(struct sasl_client *, const struct sasl_creds *);
/* The same with a fixed client nonce, for the tests. */
void	mech_scram_sha256_nonce(struct sasl_client *,
	    const struct sasl_creds *, const char *);
void	mech_xoauth2(struct sasl_client *, const struct sasl_creds *);
void	mech_oauthbearer(struct sasl_client *, const struct sasl_creds *);

/* Releases what the mechanism holds. */
void	mech_free(struct sasl_client *);

#endif
