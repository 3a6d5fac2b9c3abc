/* SPDX-License-Identifier: BSD-3-Clause */
/* Feeds every file of the given folders to LLVMFuzzerTestOneInput: the corpus as a unit test. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[1 << 20];

int main(int argc, char **argv)
{
	unsigned int inputs = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;

		if (d == NULL) {
			perror(argv[i]);
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			FILE *f;
			size_t n;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if ((f = fopen(path, "rb")) == NULL) {
				perror(path);
				closedir(d);
				return 1;
			}
			n = fread(buf, 1, sizeof(buf), f);
			fclose(f);
			LLVMFuzzerTestOneInput(buf, n);
			inputs++;
		}
		closedir(d);
	}
	printf("replayed %u inputs\n", inputs);
	return inputs > 0 ? 0 : 1;
}
