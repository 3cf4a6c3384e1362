/*
 * Lines to syslog (facility mail).  Apart from output.c because syslog.h
 * and util/log.h both name levels LOG_INFO.
 */
#ifndef SYSOUT_H
#define SYSOUT_H

#define SYSOUT_ERR	0
#define SYSOUT_WARNING	1
#define SYSOUT_INFO	2
#define SYSOUT_DEBUG	3

void	sysout_open(void);
void	sysout_line(int severity, const char *account, const char *msg);

#endif
