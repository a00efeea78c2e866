// SPDX-License-Identifier: GPL-2.0-or-later
/* bandsim-life: prints the samples an emulated band logs, without a band.
 * The same seed, minute and heart-rate settings give the same sample as
 * inside bandsim (docs/sync.md "Band life"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "hr.h"
#include "life.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bandsim-life [--seed N] [--start YYYY-MM-DD] [--days D] [--hr-interval MIN]\n"
		"                    [--sleep-assist] [--sleep-interval MIN] [--format csv|hex]\n"
		"Prints one sample per band minute (local time) of the simulated wearer.\n"
		"  --seed N        the band's --life-seed (default 1)\n"
		"  --start DATE    first local day (default 2024-05-20)\n"
		"  --days D        how many days (default 1, at most 366)\n"
		"  --hr-interval MIN  the all-day heart-rate interval the app set (14 <MIN>;\n"
		"                  default 0: off, as a factory band)\n"
		"  --sleep-assist  the app turned sleep assist on (15 00 01)\n"
		"  --sleep-interval MIN  the profile's hr-sleep-interval-min (default 1)\n"
		"  --format csv    timestamp,local_time,kind,intensity,steps,heart_rate (default)\n"
		"  --format hex    the 4 sample bytes a fetch carries, one minute a line\n"
		"  -h, --help      print this help and exit\n"
		"Example: a week of wearer 7, one CSV line a minute:\n"
		"  bandsim-life --seed 7 --start 2024-05-20 --days 7 > week.csv\n"
		"Docs: man bandsim-life, docs/sync.md in the source tree.\n");
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
		{ "hr-interval", required_argument, NULL, 'i' },
		{ "sleep-assist", no_argument, NULL, 'a' },
		{ "sleep-interval", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mb_datetime start = { 2024, 5, 20, 0, 0, 0 };
	unsigned long long seed = 1;
	unsigned long days = 1, interval = 0, sleep_interval = 1;
	bool hex = false, sleep_assist = false;
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
		case 'i':
		case 'p':
			if (c == 'i')
				interval = strtoul(optarg, &end, 10);
			else
				sleep_interval = strtoul(optarg, &end, 10);
			if (*end || !*optarg ||
			    (c == 'i' ? interval > 60
				      : !sleep_interval ||
						sleep_interval > 60)) {
				fprintf(stderr,
					"bandsim-life: --%s: minutes, %s to 60\n",
					c == 'i' ? "hr-interval"
						 : "sleep-interval",
					c == 'i' ? "0" : "1");
				return 2;
			}
			break;
		case 'a':
			sleep_assist = true;
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
		/* The log has a heart rate only where the band measured one
		 * on its own (hr.c). */
		if (mb_hr_scheduled((uint32_t)interval, sleep_assist,
				    (unsigned int)sleep_interval, first + i,
				    s[0]) == MB_HR_MODE_NONE)
			s[3] = MB_HR_NONE;
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
