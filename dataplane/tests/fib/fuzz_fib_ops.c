/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the input is decoded into route additions and deletions
 * (see checker_run_bytes) that go to a Poptrie FIB, an rte_fib FIB and the
 * reference; after every operation the return codes, the stored routes and
 * lookups around the prefix must agree.  Any disagreement aborts.
 * The same entry point is replayed over the corpus by fuzz_replay.c as a
 * normal unit test.
 */
#include <stdlib.h>

#include "fib_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct checker checker;
	static int ready;
	if (!ready) {
		if (test_eal_init("fuzz_fib_ops", "1024") < 0 || checker_init(&checker, 256, 256) < 0)
			abort();
		ready = 1;
	}
	checker_run_bytes(&checker, data, size);
	checker_reset(&checker);
	if (test_failures != 0)
		abort();
	return 0;
}
