// SPDX-License-Identifier: GPL-2.0-or-later
/* bandsim-life: prints the samples an emulated band logs, without a band.
 * The same seed and minute give the same sample as inside bandsim
 * (docs/sync.md "Band life"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "life.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bandsim-life [--seed N] [--start YYYY-MM-DD] [--days D] [--format csv|hex]\n"
		"Prints one sample per band minute (local time) of the simulated wearer.\n"
		"  --seed N        the band's --life-seed (default 1)\n"
		"  --start DATE    first local day (default 2024-05-20)\n"
		"  --days D        how many days (default 1, at most 366)\n"
		"  --format csv    timestamp,local_time,kind,intensity,steps,heart_rate (default)\n"
		"  --format hex    the 4 sample bytes a fetch carries, one minute a line\n");
}

static bool parse_date(const char *s, struct mb_datetime *dt)
{
	unsigned int y, m, d;
	char tail;

	if (sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3)
		return false;
	*dt = (struct mb_datetime){ .year = (uint16_t)y,
				    .month = (uint8_t)m,
				    .day = (uint8_t)d };
	return mb_datetime_valid(dt) && y >= 1970 && y < 2100;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 'b' },
		{ "days", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mb_datetime start = { 2024, 5, 20, 0, 0, 0 };
	unsigned long long seed = 1;
	unsigned long days = 1;
	bool hex = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end || !*optarg) {
				fprintf(stderr,
					"bandsim-life: --seed: '%s' is not a number\n",
					optarg);
				return 2;
			}
			break;
		case 'b':
			if (!parse_date(optarg, &start)) {
				fprintf(stderr,
					"bandsim-life: --start: '%s' is not a date YYYY-MM-DD\n",
					optarg);
				return 2;
			}
			break;
		case 'd':
			days = strtoul(optarg, &end, 10);
			if (*end || !days || days > 366) {
				fprintf(stderr,
					"bandsim-life: --days: 1 to 366\n");
				return 2;
			}
			break;
		case 'f':
			if (strcmp(optarg, "csv") && strcmp(optarg, "hex")) {
				fprintf(stderr,
					"bandsim-life: --format: csv or hex\n");
				return 2;
			}
			hex = !strcmp(optarg, "hex");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!hex)
		printf("timestamp,local_time,kind,intensity,steps,heart_rate\n");
	for (uint32_t i = 0,
		      first = (uint32_t)(mb_datetime_to_epoch(&start) / 60);
	     i < days * 1440; i++) {
		uint8_t s[MB_SAMPLE_LEN];
		struct mb_datetime dt;
		int64_t t = (int64_t)(first + i) * 60;

		mb_life_sample(seed, first + i, s);
		if (hex) {
			printf("%02x %02x %02x %02x\n", s[0], s[1], s[2], s[3]);
			continue;
		}
		mb_datetime_from_epoch(t, &dt);
		printf("%lld,%04u-%02u-%02uT%02u:%02u,%u,%u,%u,%u\n",
		       (long long)t, dt.year, dt.month, dt.day, dt.hour,
		       dt.minute, s[0], s[1], s[2], s[3]);
	}
	return 0;
}
