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

/* Combining CRCs.  A reflected CRC with all-ones init and xorout obeys
 *   crc(A || B) = Z^len(B) (crc(A)) ^ crc(B)
 * where Z is the linear map "run the raw register over one zero byte" (the
 * init and xorout terms cancel).  Z is a width x width matrix over GF(2),
 * kept as one uint64_t column per input bit.  The powers Z^(2^k), k < 64,
 * are built once by repeated squaring; a combine then applies the powers
 * named by the set bits of len(B): at most 64 matrix-vector products. */
typedef struct crc_shift {
    int width;
    uint64_t poly;        /* reflected polynomial */
    uint64_t pow[64][64]; /* pow[k]: Z^(2^k), column j = image of bit j */
} crc_shift;

static crc_shift shift_crc32 = {.width = 32, .poly = 0xedb88320u};
static crc_shift shift_crc32c = {.width = 32, .poly = 0x82f63b78u};
static crc_shift shift_crc64 = {.width = 64, .poly = 0x9a6c9329ac4bc9b5ULL};
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

static uint64_t gf2_apply(const uint64_t *mat, uint64_t vec)
{
    uint64_t sum = 0;
    for (; vec; vec >>= 1, mat++)
        if (vec & 1)
            sum ^= *mat;
    return sum;
}

/* out = m * m (out must not alias m) */
static void gf2_square(int width, uint64_t *out, const uint64_t *m)
{
    for (int j = 0; j < width; j++)
        out[j] = gf2_apply(m, m[j]);
}

static void shift_build(crc_shift *s)
{
    uint64_t bit[64], two[64];
    /* one zero bit: the register shifts right, and the bit shifted out
     * (bit 0) feeds the polynomial back in */
    bit[0] = s->poly;
    for (int j = 1; j < s->width; j++)
        bit[j] = 1ULL << (j - 1);
    gf2_square(s->width, two, bit);       /* two zero bits */
    gf2_square(s->width, bit, two);       /* four */
    gf2_square(s->width, s->pow[0], bit); /* eight: one zero byte */
    for (int k = 1; k < 64; k++)
        gf2_square(s->width, s->pow[k], s->pow[k - 1]);
}

static void shift_init(void)
{
    shift_build(&shift_crc32);
    shift_build(&shift_crc32c);
    shift_build(&shift_crc64);
}

static uint64_t crc_combine(const crc_shift *s, uint64_t crc_a, uint64_t crc_b, uint64_t len_b)
{
    pthread_once(&shift_once, shift_init);
    for (int k = 0; len_b; k++, len_b >>= 1)
        if (len_b & 1)
            crc_a = gf2_apply(s->pow[k], crc_a);
    return crc_a ^ crc_b;
}

uint32_t lb_crc32_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
    return (uint32_t)crc_combine(&shift_crc32, crc_a, crc_b, len_b);
}

uint32_t lb_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
    return (uint32_t)crc_combine(&shift_crc32c, crc_a, crc_b, len_b);
}

uint64_t lb_crc64nvme_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b)
{
    return crc_combine(&shift_crc64, crc_a, crc_b, len_b);
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
