/* SPDX-License-Identifier: BSD-3-Clause */
/* Minimal assertion helpers for the C unit tests: report file:line and keep counting. */
#ifndef HY_TEST_CHECK_H
#define HY_TEST_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond)                                                                                       \
	do {                                                                                              \
		if (!(cond)) {                                                                            \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);         \
			check_failures++;                                                                 \
		}                                                                                         \
	} while (0)

#define CHECK_EQ(a, b)                                                                                    \
	do {                                                                                              \
		long long _a = (long long)(a), _b = (long long)(b);                                       \
		if (_a != _b) {                                                                           \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %lld, %s = %lld\n", __FILE__, __LINE__, \
				#a, _a, #b, _b);                                                          \
			check_failures++;                                                                 \
		}                                                                                         \
	} while (0)

#define CHECK_DONE()                                                                                      \
	do {                                                                                              \
		if (check_failures)                                                                       \
			fprintf(stderr, "%d check(s) failed\n", check_failures);                           \
		return check_failures ? 1 : 0;                                                            \
	} while (0)

#endif
