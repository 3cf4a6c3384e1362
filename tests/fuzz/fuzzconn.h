/* What the harnesses share: a server whose every word is the input. */
#ifndef FUZZCONN_H
#define FUZZCONN_H

#include <stddef.h>
#include <stdint.h>

#include "net/conn.h"

/*
 * A connection reading data then end of file, its writes thrown away;
 * NULL if the system has no descriptors left.
 */
struct conn	*fuzzconn_new(const uint8_t *data, size_t size);
/* Aborts unless s is safe to print on a terminal: no control byte. */
void		 fuzzconn_printable(const char *s);

#endif
