// SPDX-License-Identifier: GPL-2.0-or-later
#include "crypto.h"

#include <errno.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

static mb_crypto_random_func_t random_override;
static void *random_override_data;

const char *mb_crypto_strerror(enum mb_crypto_result r)
{
	switch (r) {
	case MB_CRYPTO_OK:
		return "success";
	case MB_CRYPTO_ERR_RANDOM:
		return "random number generator failed";
	case MB_CRYPTO_ERR_CIPHER:
		return "AES-128-ECB failed";
	case MB_CRYPTO_ERR_DIGEST:
		return "SHA-256 failed";
	}
	return "unknown error";
}

void mb_crypto_set_random_source(mb_crypto_random_func_t fn, void *user_data)
{
	random_override = fn;
	random_override_data = user_data;
}

enum mb_crypto_result mb_crypto_random(uint8_t *buf, size_t len)
{
	if (random_override)
		return random_override(buf, len, random_override_data)
			       ? MB_CRYPTO_OK
			       : MB_CRYPTO_ERR_RANDOM;
	/* The kernel's generator, which OpenSSL's own seeds from: RAND_bytes
	 * would set up OpenSSL's providers and DRBG, 2 MB of a band's RSS,
	 * in every band that draws an address and never authenticates. */
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MB_CRYPTO_ERR_RANDOM;
		buf += n;
		len -= (size_t)n;
	}
	return MB_CRYPTO_OK;
}

enum mb_crypto_result mb_crypto_aes128_ecb(const uint8_t key[16],
					   const uint8_t in[16],
					   uint8_t out[16])
{
	enum mb_crypto_result r = MB_CRYPTO_ERR_CIPHER;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;

	if (!ctx)
		goto fail;
	/* One 16-byte block, no padding (protocol §3.2). */
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_EncryptUpdate(ctx, out, &n, in, 16) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + n, &m) != 1 || n + m != 16)
		goto fail;
	r = MB_CRYPTO_OK;
fail:
	if (r != MB_CRYPTO_OK)
		ERR_clear_error();
	EVP_CIPHER_CTX_free(ctx); /* wipes the key schedule */
	return r;
}

enum mb_crypto_result mb_crypto_sha256(const void *data, size_t len,
				       uint8_t out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != 32) {
		ERR_clear_error();
		return MB_CRYPTO_ERR_DIGEST;
	}
	return MB_CRYPTO_OK;
}

bool mb_crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void mb_crypto_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}
