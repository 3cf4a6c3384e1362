#include "state/uid.h"
#include "test.h"

int
main(void)
{
	char	long71[72], long70[71];

	memset(long70, 'a', 70);
	long70[70] = '\0';
	memset(long71, 'a', 71);
	long71[71] = '\0';

	CHECK(uid_valid("a"));
	CHECK(uid_valid("000001-abc.def!~"));
	CHECK(uid_valid(long70));
	CHECK(!uid_valid(long71));
	CHECK(!uid_valid(""));
	CHECK(!uid_valid("with space"));
	CHECK(!uid_valid("tab\there"));
	CHECK(!uid_valid("nl\n"));
	CHECK(!uid_valid("del\x7f"));
	CHECK(!uid_valid("high\xc3\xa9"));
	return (TEST_DONE());
}
