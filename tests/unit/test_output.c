/* What a run says, and the exit status scripts see. */
#include <sysexits.h>

#include "exitcode.h"
#include "output.h"
#include "test.h"

static const char *
size(unsigned long long n)
{
	static char	buf[32];

	output_size(buf, sizeof buf, n);
	return (buf);
}

static const char *
summary(u_int messages, u_int new, u_int fetched, u_int deleted,
    u_int skipped, unsigned long long bytes, double seconds, int dry_run)
{
	static char		buf[256];
	struct fetch_result	r = { .messages = messages, .new = new,
				    .fetched = fetched, .deleted = deleted,
				    .skipped = skipped, .bytes = bytes,
				    .seconds = seconds };

	output_summary(buf, sizeof buf, &r, dry_run);
	return (buf);
}

int
main(void)
{
	CHECK_STR(size(0), "0 B");
	CHECK_STR(size(1023), "1023 B");
	CHECK_STR(size(1024), "1.0 KiB");
	CHECK_STR(size(49357), "48.2 KiB");
	CHECK_STR(size(1048575), "1.0 MiB");
	CHECK_STR(size(3ULL << 30), "3.0 GiB");
	CHECK_STR(size(~0ULL), "16384.0 PiB");

	CHECK_STR(summary(10, 3, 3, 3, 0, 49357, 0.52, 0),
	    "3 new of 10 messages, 3 fetched (48.2 KiB), 3 deleted, 0.52 s");
	CHECK_STR(summary(1, 1, 1, 0, 0, 100, 1.5, 0),
	    "1 new of 1 message, 1 fetched (100 B), 0 deleted, 1.50 s");
	CHECK_STR(summary(10, 3, 2, 2, 1, 2048, 0.5, 0),
	    "3 new of 10 messages, 2 fetched (2.0 KiB), 2 deleted, "
	    "1 skipped, 0.50 s");
	CHECK_STR(summary(10, 0, 0, 0, 0, 0, 0.21, 0),
	    "no new mail (10 messages), 0.21 s");
	CHECK_STR(summary(0, 0, 0, 0, 0, 0, 0.1, 0),
	    "no new mail (0 messages), 0.10 s");
	CHECK_STR(summary(10, 3, 3, 3, 0, 49357, 0.52, 1),
	    "dry run: 3 new of 10 messages, would fetch 3 (48.2 KiB), "
	    "would delete 3, 0.52 s");
	CHECK_STR(summary(1, 0, 0, 0, 0, 0, 0.2, 1),
	    "dry run: no new mail (1 message), 0.20 s");

	CHECK(exitcode(ERR_NONE) == 0);
	CHECK(exitcode(ERR_NOHOST) == 68);
	CHECK(exitcode(ERR_UNAVAILABLE) == 69);
	CHECK(exitcode(ERR_SOFTWARE) == 70);
	CHECK(exitcode(ERR_IO) == 74);
	CHECK(exitcode(ERR_TEMP) == 75);
	CHECK(exitcode(ERR_PROTO) == 76);
	CHECK(exitcode(ERR_NOPERM) == 77);
	CHECK(exitcode(ERR_CONFIG) == 78);
	CHECK(exitcode((enum err_code)99) == EX_SOFTWARE);
	return (TEST_DONE());
}
