#ifndef UID_H
#define UID_H

#define UID_MAX_LEN	70

/* A UID is 1-70 characters from 0x21 to 0x7e (RFC 1939 section 7). */
int	uid_valid(const char *);

#endif
