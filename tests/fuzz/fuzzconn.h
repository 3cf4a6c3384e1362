/* What the harnesses share: a server whose every word is the input. */
#ifndef FUZZCONN_H
#define FUZZCONN_H

#include <stddef.h>
#include <stdint.h>

#include "net/conn.h"
#include "sasl/sasl.h"

/*
 * A connection reading data then end of file, its writes thrown away;
 * NULL if the system has no descriptors left.
 */
struct conn	*fuzzconn_new(const uint8_t *data, size_t size);
/* Aborts unless s is safe to print on a terminal: no control byte. */
void		 fuzzconn_printable(const char *s);
/*
 * Runs a SASL exchange whose challenges are the input's lines, each sent
 * in base64 as a server would: the initial response, then each challenge
 * answered until one fails, then the mechanism's check at +OK when all
 * were answered.  Returns 0 when the mechanism accepted the login, -1 with
 * err set when not.  What the client says must be base64, its errors
 * printable.
 */
int		 fuzzconn_sasl(struct sasl_client *, const uint8_t *data,
		    size_t size, size_t *answered, struct error *err);

#endif
