#include <sysexits.h>

#include "exitcode.h"

int
exitcode(enum err_code code)
{
	switch (code) {
	case ERR_NONE:
		return (EX_OK);
	case ERR_NOHOST:
		return (EX_NOHOST);
	case ERR_UNAVAILABLE:
		return (EX_UNAVAILABLE);
	case ERR_SOFTWARE:
		return (EX_SOFTWARE);
	case ERR_IO:
		return (EX_IOERR);
	case ERR_TEMP:
		return (EX_TEMPFAIL);
	case ERR_PROTO:
		return (EX_PROTOCOL);
	case ERR_NOPERM:
		return (EX_NOPERM);
	case ERR_CONFIG:
		return (EX_CONFIG);
	}
	return (EX_SOFTWARE);
}
