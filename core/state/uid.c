#include <string.h>

#include "state/uid.h"

int
uid_valid(const char *uid)
{
	size_t	i;

	for (i = 0; uid[i] != '\0'; i++) {
		if (i >= UID_MAX_LEN)
			return (0);
		if (uid[i] < 0x21 || uid[i] > 0x7e)
			return (0);
	}
	return (i > 0);
}
