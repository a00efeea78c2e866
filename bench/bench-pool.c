// SPDX-License-Identifier: GPL-2.0-or-later
/* bench-pool: many phones syncing many bands at once over the socket
 * transport, in one thread, for bench/bench_fleet.py.
 *
 *   bench-pool --handles AUTH,AUTH_CCCD,FETCH,FETCH_CCCD,DATA,DATA_CCCD
 *              --key HEX32 --since UNIX [--mtu 247] [--concurrency N]
 *              [--timeout S] SOCKET...
 *
 * Each link does what a phone app does before and during a sync
 * (bench/benchlib.py phone(), the suite's FetchClient.sync()): Exchange
 * MTU, the auth CCCD on, Huami auth (02 00 -> 10 02 01 <random>,
 * 03 00 <AES-128-ECB(key, random)> -> 10 03 01), the fetch CCCDs on,
 * then rounds of 01 01 <since> -> 10 01 01 <count> <start>, 02 -> the
 * samples on the data characteristic and 10 02 01, 03 -> 10 03 01,
 * from the last sample + 1 min on, until a round announces 0 (acked
 * too).  A packet counter that skips, a packet of part samples, more
 * or fewer samples than announced, or any other reply than the one the
 * step expects fails the band.
 *
 * Prints a line per band, "SOCKET COUNT SHA256" where the hash is over
 * every sample in order as <timestamp u64 LE> <4 bytes> (the same as
 * bench_fleet.py's digest of GetSamples), or "SOCKET error WHAT"; then
 * "elapsed SECONDS" from the first connect to the last ack.  Exit 1 if
 * any band failed.  The handles come from the caller, who reads them
 * from the profile. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "crypto.h"

#define ATT_EXCHANGE_MTU_REQ 0x02
#define ATT_EXCHANGE_MTU_RSP 0x03
#define ATT_WRITE_REQ 0x12
#define ATT_WRITE_RSP 0x13
#define ATT_NOTIFY 0x1b
#define ATT_WRITE_CMD 0x52
#define ATT_ERROR_RSP 0x01

#define HUAMI_REPLY 0x10
#define HUAMI_SUCCESS 0x01
#define SAMPLE_SIZE 4
#define MAX_ROUNDS 20

enum handle_index {
	H_AUTH,
	H_AUTH_CCCD,
	H_FETCH,
	H_FETCH_CCCD,
	H_DATA,
	H_DATA_CCCD,
	H_COUNT,
};

/* A link's steps, in order; each waits for one PDU. */
enum step {
	STEP_MTU,
	STEP_AUTH_CCCD,
	STEP_RANDOM,
	STEP_ANSWER,
	STEP_FETCH_CCCD,
	STEP_DATA_CCCD,
	STEP_START,
	STEP_STREAM,
	STEP_ACK,
	STEP_DONE,
};

struct phone {
	const char *path;
	int fd;
	enum step step;
	unsigned int rounds;
	uint64_t cursor; /* band local Unix seconds to ask from */
	uint64_t start;	 /* of the round being streamed */
	uint32_t announced, received, packets;
	bool last_round; /* the round announced 0: its ack ends the sync */
	uint64_t total;
	unsigned int mtu; /* as exchanged */
	EVP_MD_CTX *sha;
	char error[160];
};

static uint16_t handles[H_COUNT];
static uint8_t key[16];
static unsigned int mtu = 247;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static bool fail(struct phone *ph, const char *what, const uint8_t *pdu,
		 size_t len)
{
	int off = snprintf(ph->error, sizeof(ph->error), "%s", what);

	for (size_t i = 0; pdu && i < len && i < 20 && off > 0 &&
			   (size_t)off + 4 < sizeof(ph->error);
	     i++)
		off += snprintf(ph->error + off,
				sizeof(ph->error) - (size_t)off, "%s%02x",
				i ? " " : ": ", pdu[i]);
	return false;
}

static bool send_pdu(struct phone *ph, const uint8_t *pdu, size_t len)
{
	if (send(ph->fd, pdu, len, MSG_NOSIGNAL) != (ssize_t)len)
		return fail(ph, strerror(errno), NULL, 0);
	return true;
}

static bool write_value(struct phone *ph, uint8_t op, enum handle_index h,
			const uint8_t *value, size_t len)
{
	uint8_t pdu[64];

	pdu[0] = op;
	put16(pdu + 1, handles[h]);
	memcpy(pdu + 3, value, len);
	return send_pdu(ph, pdu, 3 + len);
}

static bool command(struct phone *ph, enum handle_index h, const uint8_t *value,
		    size_t len)
{
	return write_value(ph, ATT_WRITE_CMD, h, value, len);
}

static bool cccd_on(struct phone *ph, enum handle_index h)
{
	static const uint8_t on[] = { 0x01, 0x00 };

	return write_value(ph, ATT_WRITE_REQ, h, on, sizeof(on));
}

/* 01 01 <year u16> <month> <day> <hour> <minute> 00 <tz 0>. */
static bool request_round(struct phone *ph)
{
	time_t t = (time_t)ph->cursor;
	struct tm tm;
	uint8_t cmd[10] = { 0x01, 0x01 };

	gmtime_r(&t, &tm);
	put16(cmd + 2, (uint16_t)(tm.tm_year + 1900));
	cmd[4] = (uint8_t)(tm.tm_mon + 1);
	cmd[5] = (uint8_t)tm.tm_mday;
	cmd[6] = (uint8_t)tm.tm_hour;
	cmd[7] = (uint8_t)tm.tm_min;
	ph->step = STEP_START;
	return command(ph, H_FETCH, cmd, sizeof(cmd));
}

/* 10 <cmd> 01 with at least len bytes: the band's success reply. */
static bool is_success(const uint8_t *v, size_t len, uint8_t cmd, size_t want)
{
	return len >= want && len >= 3 && v[0] == HUAMI_REPLY && v[1] == cmd &&
	       v[2] == HUAMI_SUCCESS;
}

static bool on_start_reply(struct phone *ph, const uint8_t *v, size_t len)
{
	struct tm tm = { 0 };
	static const uint8_t stream[] = { 0x02 };
	static const uint8_t ack[] = { 0x03 };

	if (len != 15 || !is_success(v, len, 0x01, 15))
		return fail(ph, "start reply", v, len);
	ph->announced = get32(v + 3);
	tm.tm_year = get16(v + 7) - 1900;
	tm.tm_mon = v[9] - 1;
	tm.tm_mday = v[10];
	tm.tm_hour = v[11];
	tm.tm_min = v[12];
	tm.tm_sec = v[13];
	ph->start = (uint64_t)timegm(&tm);
	ph->received = 0;
	ph->packets = 0;
	if (ph->announced == 0) {
		ph->last_round = true;
		ph->step = STEP_ACK;
		return command(ph, H_FETCH, ack, sizeof(ack));
	}
	ph->step = STEP_STREAM;
	return command(ph, H_FETCH, stream, sizeof(stream));
}

static bool on_data(struct phone *ph, const uint8_t *v, size_t len)
{
	uint8_t record[8 + SAMPLE_SIZE];

	if (ph->step != STEP_STREAM)
		return fail(ph, "data outside a transfer", v, len);
	if (len < 1 + SAMPLE_SIZE || (len - 1) % SAMPLE_SIZE ||
	    len > ph->mtu - 3)
		return fail(ph, "data packet of part samples or over the MTU",
			    v, len);
	if (v[0] != (uint8_t)ph->packets)
		return fail(ph, "packet counter skipped", v, len);
	ph->packets++;
	for (size_t o = 1; o < len; o += SAMPLE_SIZE) {
		uint64_t ts = ph->start + 60ull * ph->received;

		if (++ph->received > ph->announced)
			return fail(ph, "more samples than announced", v, len);
		for (int i = 0; i < 8; i++)
			record[i] = (uint8_t)(ts >> (8 * i));
		memcpy(record + 8, v + o, SAMPLE_SIZE);
		EVP_DigestUpdate(ph->sha, record, sizeof(record));
	}
	return true;
}

static bool on_fetch(struct phone *ph, const uint8_t *v, size_t len)
{
	static const uint8_t ack[] = { 0x03 };

	switch (ph->step) {
	case STEP_START:
		return on_start_reply(ph, v, len);
	case STEP_STREAM:
		if (len != 3 || !is_success(v, len, 0x02, 3))
			return fail(ph, "end of transfer", v, len);
		if (ph->received != ph->announced)
			return fail(ph, "fewer samples than announced", v, len);
		ph->total += ph->received;
		ph->cursor = ph->start + 60ull * ph->received;
		ph->step = STEP_ACK;
		return command(ph, H_FETCH, ack, sizeof(ack));
	case STEP_ACK:
		if (len != 3 || !is_success(v, len, 0x03, 3))
			return fail(ph, "ack reply", v, len);
		if (ph->last_round) {
			ph->step = STEP_DONE;
			return true;
		}
		if (++ph->rounds >= MAX_ROUNDS)
			return fail(ph, "still data after 20 rounds", NULL, 0);
		return request_round(ph);
	case STEP_MTU:
	case STEP_AUTH_CCCD:
	case STEP_RANDOM:
	case STEP_ANSWER:
	case STEP_FETCH_CCCD:
	case STEP_DATA_CCCD:
	case STEP_DONE:
		break;
	}
	return fail(ph, "fetch reply out of turn", v, len);
}

static bool on_auth(struct phone *ph, const uint8_t *v, size_t len)
{
	uint8_t answer[18] = { 0x03, 0x00 };

	if (ph->step == STEP_RANDOM) {
		if (len != 19 || !is_success(v, len, 0x02, 19))
			return fail(ph, "challenge", v, len);
		if (mb_crypto_aes128_ecb(key, v + 3, answer + 2) !=
		    MB_CRYPTO_OK)
			return fail(ph, "AES failed", NULL, 0);
		ph->step = STEP_ANSWER;
		return command(ph, H_AUTH, answer, sizeof(answer));
	}
	if (ph->step == STEP_ANSWER) {
		if (len != 3 || !is_success(v, len, 0x03, 3))
			return fail(ph, "auth answer refused", v, len);
		ph->step = STEP_FETCH_CCCD;
		return cccd_on(ph, H_FETCH_CCCD);
	}
	return fail(ph, "auth reply out of turn", v, len);
}

static bool on_write_response(struct phone *ph)
{
	static const uint8_t random[] = { 0x02, 0x00 };

	switch (ph->step) {
	case STEP_AUTH_CCCD:
		ph->step = STEP_RANDOM;
		return command(ph, H_AUTH, random, sizeof(random));
	case STEP_FETCH_CCCD:
		ph->step = STEP_DATA_CCCD;
		return cccd_on(ph, H_DATA_CCCD);
	case STEP_DATA_CCCD:
		return request_round(ph);
	case STEP_MTU:
	case STEP_RANDOM:
	case STEP_ANSWER:
	case STEP_START:
	case STEP_STREAM:
	case STEP_ACK:
	case STEP_DONE:
		break;
	}
	return fail(ph, "write response out of turn", NULL, 0);
}

static bool on_pdu(struct phone *ph, const uint8_t *pdu, size_t len)
{
	if (len == 0)
		return fail(ph, "empty PDU", NULL, 0);
	switch (pdu[0]) {
	case ATT_EXCHANGE_MTU_RSP:
		if (ph->step != STEP_MTU || len != 3)
			return fail(ph, "MTU response", pdu, len);
		ph->mtu = get16(pdu + 1) < mtu ? get16(pdu + 1) : mtu;
		if (ph->mtu < 23)
			return fail(ph, "MTU response under 23", pdu, len);
		ph->step = STEP_AUTH_CCCD;
		return cccd_on(ph, H_AUTH_CCCD);
	case ATT_WRITE_RSP:
		return on_write_response(ph);
	case ATT_NOTIFY:
		if (len < 3)
			return fail(ph, "short notification", pdu, len);
		if (get16(pdu + 1) == handles[H_AUTH])
			return on_auth(ph, pdu + 3, len - 3);
		if (get16(pdu + 1) == handles[H_FETCH])
			return on_fetch(ph, pdu + 3, len - 3);
		if (get16(pdu + 1) == handles[H_DATA])
			return on_data(ph, pdu + 3, len - 3);
		return true; /* a characteristic this pool did not ask for */
	default:
		return fail(ph, "unexpected PDU", pdu, len);
	}
}

static bool open_link(struct phone *ph, int ep)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	uint8_t req[3] = { ATT_EXCHANGE_MTU_REQ };

	if (strlen(ph->path) >= sizeof(sa.sun_path))
		return fail(ph, "socket path too long", NULL, 0);
	strcpy(sa.sun_path, ph->path);
	ph->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (ph->fd < 0 ||
	    connect(ph->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail(ph, strerror(errno), NULL, 0);
	ev.data.ptr = ph;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ph->fd, &ev) < 0)
		return fail(ph, strerror(errno), NULL, 0);
	ph->sha = EVP_MD_CTX_new();
	if (!ph->sha || EVP_DigestInit_ex(ph->sha, EVP_sha256(), NULL) != 1)
		return fail(ph, "SHA-256 failed", NULL, 0);
	ph->step = STEP_MTU;
	put16(req + 1, (uint16_t)mtu);
	return send_pdu(ph, req, sizeof(req));
}

/* The line for a band that is done or failed; its link closed. */
static void finish(struct phone *ph)
{
	unsigned char md[32];
	unsigned int n = 0;

	if (ph->fd >= 0)
		close(ph->fd);
	ph->fd = -1;
	if (ph->error[0] || ph->step != STEP_DONE) {
		printf("%s error %s\n", ph->path,
		       ph->error[0] ? ph->error : "link ended");
	} else {
		EVP_DigestFinal_ex(ph->sha, md, &n);
		printf("%s %llu ", ph->path, (unsigned long long)ph->total);
		for (unsigned int i = 0; i < n; i++)
			printf("%02x", md[i]);
		putchar('\n');
	}
	EVP_MD_CTX_free(ph->sha);
	ph->sha = NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_hex_key(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (int i = 0; i < 16; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return false;
		key[i] = (uint8_t)b;
	}
	return true;
}

static bool parse_handles(const char *s)
{
	char *end;

	for (int i = 0; i < H_COUNT; i++) {
		unsigned long v = strtoul(s, &end, 0);

		if (end == s || v == 0 || v > 0xffff ||
		    *end != (i + 1 < H_COUNT ? ',' : '\0'))
			return false;
		handles[i] = (uint16_t)v;
		s = end + 1;
	}
	return true;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: bench-pool --handles AUTH,AUTH_CCCD,FETCH,FETCH_CCCD,"
		"DATA,DATA_CCCD --key HEX32 --since UNIX [--mtu N] "
		"[--concurrency N] [--timeout S] SOCKET...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	struct phone *phones;
	size_t n = 0, next = 0, running = 0, failed = 0;
	unsigned long long since = 0;
	unsigned long concurrency = 0;
	int timeout_ms = 60000, ep, i;
	bool have_handles = false, have_key = false, have_since = false;
	double began;

	for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
		const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (!arg)
			return usage();
		if (!strcmp(argv[i], "--handles"))
			have_handles = parse_handles(arg);
		else if (!strcmp(argv[i], "--key"))
			have_key = parse_hex_key(arg);
		else if (!strcmp(argv[i], "--since"))
			have_since = sscanf(arg, "%llu", &since) == 1;
		else if (!strcmp(argv[i], "--mtu"))
			mtu = (unsigned int)strtoul(arg, NULL, 0);
		else if (!strcmp(argv[i], "--concurrency"))
			concurrency = strtoul(arg, NULL, 0);
		else if (!strcmp(argv[i], "--timeout"))
			timeout_ms = (int)(strtod(arg, NULL) * 1000);
		else
			return usage();
	}
	if (!have_handles || !have_key || !have_since || i >= argc ||
	    mtu < 23 || mtu > 517 || timeout_ms <= 0)
		return usage();
	n = (size_t)(argc - i);
	if (!concurrency || concurrency > n)
		concurrency = n;
	/* One descriptor a link, all at once. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	phones = calloc(n, sizeof(*phones));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!phones || ep < 0) {
		perror("bench-pool");
		return 1;
	}
	for (size_t k = 0; k < n; k++) {
		phones[k].path = argv[i + (int)k];
		phones[k].fd = -1;
		phones[k].cursor = since;
	}
	began = now_s();
	while (next < n || running) {
		struct epoll_event events[64];
		int got;

		while (next < n && running < concurrency) {
			struct phone *ph = &phones[next++];

			if (open_link(ph, ep)) {
				running++;
			} else {
				finish(ph);
				failed++;
			}
		}
		got = epoll_wait(ep, events, 64, timeout_ms);
		if (got == 0) {
			fprintf(stderr,
				"bench-pool: nothing from %zu links "
				"in %d ms\n",
				running, timeout_ms);
			return 1;
		}
		for (int e = 0; e < got; e++) {
			struct phone *ph = events[e].data.ptr;
			uint8_t pdu[520];
			ssize_t len =
				recv(ph->fd, pdu, sizeof(pdu), MSG_DONTWAIT);
			bool ok;

			if (len < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			ok = len > 0 && on_pdu(ph, pdu, (size_t)len);
			if (ok && ph->step != STEP_DONE)
				continue;
			if (!ok || ph->error[0])
				failed++;
			finish(ph);
			running--;
		}
	}
	printf("elapsed %.6f\n", now_s() - began);
	free(phones);
	close(ep);
	return failed ? 1 : 0;
}
