/* A few macros for the unit tests: each check prints what failed and where. */
#ifndef TEST_H
#define TEST_H

#include <stdio.h>
#include <string.h>

static int test_failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		test_failures++;					\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {		\
		fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n",		\
		    __FILE__, __LINE__, a_ ? a_ : "(null)",		\
		    b_ ? b_ : "(null)");				\
		test_failures++;					\
	}								\
} while (0)

#define TEST_DONE() (test_failures == 0 ? 0 : 1)

#endif
