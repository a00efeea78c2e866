/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* All of bandsim's cryptography, behind a header with no OpenSSL type in
 * it: AES-128-ECB for the Huami challenge (protocol §3.2), SHA-256 for key
 * ids (OpenSSL), and randomness from the kernel's getrandom(). */

enum mb_crypto_result {
	MB_CRYPTO_OK = 0,
	MB_CRYPTO_ERR_RANDOM,
	MB_CRYPTO_ERR_CIPHER,
	MB_CRYPTO_ERR_DIGEST,
};

const char *mb_crypto_strerror(enum mb_crypto_result r);

enum mb_crypto_result mb_crypto_random(uint8_t *buf, size_t len);
/* One block, no padding: exactly what the band checks the answer against. */
enum mb_crypto_result mb_crypto_aes128_ecb(const uint8_t key[16],
					   const uint8_t in[16],
					   uint8_t out[16]);
enum mb_crypto_result mb_crypto_sha256(const void *data, size_t len,
				       uint8_t out[32]);
/* Constant-time comparison, so timing does not leak how much matched. */
bool mb_crypto_equal(const void *a, const void *b, size_t len);
void mb_crypto_wipe(void *p, size_t len);

/* Tests replace the random source to get byte-exact challenges; NULL puts
 * getrandom() back.  Never used by the emulator itself. */
typedef bool (*mb_crypto_random_func_t)(uint8_t *buf, size_t len,
					void *user_data);
void mb_crypto_set_random_source(mb_crypto_random_func_t fn, void *user_data);
