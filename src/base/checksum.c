/* Checksums: CRC32 and CRC32C from ISA-L (SIMD), CRC64/NVME table-driven
 * (ISA-L 2.30 has no NVME polynomial), SHA and MD5 from OpenSSL. */
#include "base/base.h"

#include <isa-l/crc.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

uint32_t lb_crc32(uint32_t crc, const void *p, size_t n)
{
    return crc32_gzip_refl(crc, (const unsigned char *)p, n);
}

uint32_t lb_crc32c(uint32_t crc, const void *p, size_t n)
{
    /* crc32_iscsi takes and returns the raw register: apply init/xorout. */
    return ~crc32_iscsi((unsigned char *)p, (int)n, ~crc);
}

/* CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5 (0xad93d23594c93659),
 * init and xorout all ones.  Slicing-by-8 tables built once. */
static uint64_t crc64_tab[8][256];
static pthread_once_t crc64_once = PTHREAD_ONCE_INIT;

static void crc64_init_tables(void)
{
    const uint64_t poly = 0x9a6c9329ac4bc9b5ULL;
    for (int i = 0; i < 256; i++) {
        uint64_t c = (uint64_t)i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
        crc64_tab[0][i] = c;
    }
    for (int i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc64_tab[t][i] = (crc64_tab[t - 1][i] >> 8) ^ crc64_tab[0][crc64_tab[t - 1][i] & 0xff];
}

uint64_t lb_crc64nvme(uint64_t crc, const void *p, size_t n)
{
    pthread_once(&crc64_once, crc64_init_tables);
    const unsigned char *b = p;
    uint64_t c = ~crc;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8); /* little-endian machines only (x86_64, aarch64) */
        c ^= w;
        c = crc64_tab[7][c & 0xff] ^ crc64_tab[6][(c >> 8) & 0xff] ^
            crc64_tab[5][(c >> 16) & 0xff] ^ crc64_tab[4][(c >> 24) & 0xff] ^
            crc64_tab[3][(c >> 32) & 0xff] ^ crc64_tab[2][(c >> 40) & 0xff] ^
            crc64_tab[1][(c >> 48) & 0xff] ^ crc64_tab[0][c >> 56];
        b += 8;
        n -= 8;
    }
    while (n--)
        c = crc64_tab[0][(c ^ *b++) & 0xff] ^ (c >> 8);
    return ~c;
}

static const char *const ck_names[LB_CK__COUNT] = {
    [LB_CK_NONE] = "", [LB_CK_CRC32] = "crc32", [LB_CK_CRC32C] = "crc32c",
    [LB_CK_CRC64NVME] = "crc64nvme", [LB_CK_SHA1] = "sha1", [LB_CK_SHA256] = "sha256",
};

static const char *const ck_upper[LB_CK__COUNT] = {
    [LB_CK_NONE] = "", [LB_CK_CRC32] = "CRC32", [LB_CK_CRC32C] = "CRC32C",
    [LB_CK_CRC64NVME] = "CRC64NVME", [LB_CK_SHA1] = "SHA1", [LB_CK_SHA256] = "SHA256",
};

static const char *const ck_element[LB_CK__COUNT] = {
    [LB_CK_NONE] = "", [LB_CK_CRC32] = "ChecksumCRC32", [LB_CK_CRC32C] = "ChecksumCRC32C",
    [LB_CK_CRC64NVME] = "ChecksumCRC64NVME", [LB_CK_SHA1] = "ChecksumSHA1",
    [LB_CK_SHA256] = "ChecksumSHA256",
};

const char *lb_cksum_upper(lb_cksum_alg alg)
{
    return (alg > LB_CK_NONE && alg < LB_CK__COUNT) ? ck_upper[alg] : "";
}

const char *lb_cksum_element(lb_cksum_alg alg)
{
    return (alg > LB_CK_NONE && alg < LB_CK__COUNT) ? ck_element[alg] : "";
}

const char *lb_cksum_name(lb_cksum_alg alg)
{
    return (alg > LB_CK_NONE && alg < LB_CK__COUNT) ? ck_names[alg] : "";
}

lb_cksum_alg lb_cksum_from_name(const char *name)
{
    for (int a = LB_CK_CRC32; a < LB_CK__COUNT; a++)
        if (strcasecmp(name, ck_names[a]) == 0)
            return (lb_cksum_alg)a;
    return LB_CK_NONE;
}

size_t lb_cksum_len(lb_cksum_alg alg)
{
    switch (alg) {
    case LB_CK_CRC32:
    case LB_CK_CRC32C: return 4;
    case LB_CK_CRC64NVME: return 8;
    case LB_CK_SHA1: return 20;
    case LB_CK_SHA256: return 32;
    default: return 0;
    }
}

int lb_cksum_init(lb_cksum *c, lb_cksum_alg alg)
{
    c->alg = alg;
    c->crc = 0;
    c->md = NULL;
    if (alg == LB_CK_SHA1 || alg == LB_CK_SHA256) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        if (!ctx || !EVP_DigestInit_ex(ctx, alg == LB_CK_SHA1 ? EVP_sha1() : EVP_sha256(), NULL)) {
            EVP_MD_CTX_free(ctx);
            return LB_E_INTERNAL;
        }
        c->md = ctx;
    }
    return 0;
}

void lb_cksum_update(lb_cksum *c, const void *p, size_t n)
{
    switch (c->alg) {
    case LB_CK_CRC32: c->crc = lb_crc32((uint32_t)c->crc, p, n); break;
    case LB_CK_CRC32C: c->crc = lb_crc32c((uint32_t)c->crc, p, n); break;
    case LB_CK_CRC64NVME: c->crc = lb_crc64nvme(c->crc, p, n); break;
    case LB_CK_SHA1:
    case LB_CK_SHA256: EVP_DigestUpdate(c->md, p, n); break;
    default: break;
    }
}

void lb_cksum_final(lb_cksum *c, uint8_t *out)
{
    size_t len = lb_cksum_len(c->alg);
    if (c->md) {
        unsigned int n = 0;
        EVP_DigestFinal_ex(c->md, out, &n);
    } else {
        /* CRCs go on the wire big-endian (as AWS encodes them). */
        for (size_t i = 0; i < len; i++)
            out[i] = (uint8_t)(c->crc >> (8 * (len - 1 - i)));
    }
    lb_cksum_free(c);
}

void lb_cksum_free(lb_cksum *c)
{
    EVP_MD_CTX_free(c->md);
    c->md = NULL;
}

static int digest_init(lb_digest *d, const EVP_MD *md)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, md, NULL)) {
        EVP_MD_CTX_free(ctx);
        d->md = NULL;
        return LB_E_INTERNAL;
    }
    d->md = ctx;
    return 0;
}

int lb_md5_init(lb_digest *d) { return digest_init(d, EVP_md5()); }
int lb_sha256_init(lb_digest *d) { return digest_init(d, EVP_sha256()); }
void lb_digest_update(lb_digest *d, const void *p, size_t n) { EVP_DigestUpdate(d->md, p, n); }

void lb_digest_final(lb_digest *d, uint8_t *out)
{
    unsigned int n = 0;
    EVP_DigestFinal_ex(d->md, out, &n);
    lb_digest_free(d);
}

void lb_digest_free(lb_digest *d)
{
    EVP_MD_CTX_free(d->md);
    d->md = NULL;
}

void lb_sha256(const void *p, size_t n, uint8_t out[32])
{
    unsigned int len = 32;
    EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

void lb_md5(const void *p, size_t n, uint8_t out[16])
{
    unsigned int len = 16;
    EVP_Digest(p, n, out, &len, EVP_md5(), NULL);
}

void lb_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                    uint8_t out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, out, &len);
}
