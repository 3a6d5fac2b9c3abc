/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the configuration loader (JSON text -> validated struct or a field-path error). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hy_config conf;
	char err[512];

	if (size > 65536)
		return 0;
	if (hy_config_parse((const char *)data, size, &conf, err, sizeof(err)) == 0)
		hy_config_free(&conf);
	else if (strchr(err, ':') == NULL)
		abort(); /* every error names a field */
	return 0;
}
