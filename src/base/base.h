/* base: the pieces every other module stands on.
 *
 * Errors, logging, growable buffers, encodings (hex, base64, URI), checksums,
 * hybrid logical clock and time-sortable ids.  Nothing here knows about S3,
 * HTTP or the store.
 *
 * Conventions (see STYLE.md): functions return int, 0 on success, a negative
 * lb_err code on failure; errno values are passed through as negative errno
 * only where a comment says so. */
#ifndef LB_BASE_H
#define LB_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---------------------------------------------------------------- errors */

/* One table of errors (error.c).  Each maps to an S3 <Code>, an HTTP status
 * and a default message.  Values live in a band (-10000 ...) that never
 * clashes with -errno.  Never renumber: append only. */
typedef enum lb_err {
    LB_OK = 0,
    LB_E_INTERNAL = -10000,
    LB_E_NO_SUCH_BUCKET = -10001,
    LB_E_NO_SUCH_KEY = -10002,
    LB_E_NO_SUCH_UPLOAD = -10003,
    LB_E_INVALID_BUCKET_NAME = -10004,
    LB_E_BUCKET_EXISTS = -10005,
    LB_E_BUCKET_OWNED_BY_YOU = -10006,
    LB_E_BUCKET_NOT_EMPTY = -10007,
    LB_E_ACCESS_DENIED = -10008,
    LB_E_INVALID_ACCESS_KEY = -10009,
    LB_E_SIGNATURE_MISMATCH = -10010,
    LB_E_INVALID_ARGUMENT = -10011,
    LB_E_INVALID_RANGE = -10012,
    LB_E_PRECONDITION_FAILED = -10013,
    LB_E_NOT_MODIFIED = -10014,
    LB_E_ENTITY_TOO_LARGE = -10015,
    LB_E_ENTITY_TOO_SMALL = -10016,
    LB_E_INVALID_PART = -10017,
    LB_E_INVALID_PART_ORDER = -10018,
    LB_E_MALFORMED_XML = -10019,
    LB_E_BAD_DIGEST = -10020,
    LB_E_INVALID_DIGEST = -10021,
    LB_E_METHOD_NOT_ALLOWED = -10022,
    LB_E_NOT_IMPLEMENTED = -10023,
    LB_E_REQUEST_TIMEOUT = -10024,
    LB_E_SLOW_DOWN = -10025,
    LB_E_SHA256_MISMATCH = -10026,
    LB_E_TIME_SKEWED = -10027,
    LB_E_MISSING_CONTENT_LENGTH = -10028,
    LB_E_INCOMPLETE_BODY = -10029,
    LB_E_INVALID_REQUEST = -10030,
    LB_E_KEY_TOO_LONG = -10031,
    LB_E_AUTH_HEADER_MALFORMED = -10032,
    LB_E_EXPIRED_TOKEN = -10033, /* presigned URL past its expiry: AccessDenied */
    LB_E_NO_SUCH_TAG_SET = -10034,
    LB_E_INVALID_TAG = -10035,
    LB_E_METADATA_TOO_LARGE = -10036,
    LB_E_STORAGE_FULL = -10037,
    LB_E_IO = -10038,
    LB_E_CORRUPT = -10039,
    LB_E_TOO_MANY_BUCKETS = -10040,
    LB_E_NO_SUCH_USER = -10041,
    LB_E_USER_EXISTS = -10042,
    LB_E_INVALID_LOCATION = -10043,
    LB_E_INVALID_STORAGE_CLASS = -10044,
    LB_E_BAD_CHECKSUM = -10045, /* x-amz-checksum-* mismatch */
    LB_E_INVALID_COPY_SOURCE = -10046,
    LB_E_CONDITIONAL_CONFLICT = -10047,
    LB_E_NOT_FOUND_ROUTE = -10048,
    LB_E_INVALID_URI = -10049,
    LB_E_UNRESOLVABLE_GRANT = -10050,
    LB_E_ILLEGAL_VERSIONING = -10051,
    LB_E_INVALID_PART_NUMBER = -10052,
    LB_E_MALFORMED_POLICY = -10053,
    LB_E_NO_SUCH_BUCKET_POLICY = -10054,
    LB_E_NO_SUCH_PUBLIC_ACCESS_BLOCK = -10055,
    LB_E__END = -10056
} lb_err;

typedef struct lb_err_info {
    const char *code;    /* S3 <Code> */
    int http_status;     /* HTTP status */
    const char *message; /* default <Message> */
} lb_err_info;

/* Never NULL: unknown codes and -errno values map to InternalError, except
 * -ENOSPC (storage full) and -EIO (I/O error), which have their own rows. */
const lb_err_info *lb_err_lookup(int err);
/* Human text for any return value: lb_err messages and strerror for -errno. */
const char *lb_strerror(int err);

/* ---------------------------------------------------------------- logging */

typedef enum { LB_LOG_DEBUG, LB_LOG_INFO, LB_LOG_WARN, LB_LOG_ERROR } lb_log_level;

void lb_log_set_level(lb_log_level level);
/* One line per event, lower case, "ts level [id] message".  id may be NULL. */
void lb_log(lb_log_level level, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define lb_debug(id, ...) lb_log(LB_LOG_DEBUG, id, __VA_ARGS__)
#define lb_info(id, ...) lb_log(LB_LOG_INFO, id, __VA_ARGS__)
#define lb_warn(id, ...) lb_log(LB_LOG_WARN, id, __VA_ARGS__)
#define lb_error(id, ...) lb_log(LB_LOG_ERROR, id, __VA_ARGS__)

/* ---------------------------------------------------------------- buffers */

/* A growable byte buffer, always NUL-terminated.  Zero-initialise to use.
 * Allocation failure aborts the process (we cannot serve without memory). */
typedef struct lb_buf {
    char *data;
    size_t len;
    size_t cap;
} lb_buf;

void lb_buf_free(lb_buf *b);
void lb_buf_reset(lb_buf *b);
void lb_buf_reserve(lb_buf *b, size_t extra);
void lb_buf_append(lb_buf *b, const void *p, size_t n);
void lb_buf_puts(lb_buf *b, const char *s);
void lb_buf_putc(lb_buf *b, char c);
void lb_buf_printf(lb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* XML text escaping of s (&, <, >, ", ') appended to b. */
void lb_buf_put_xml(lb_buf *b, const char *s);
/* Takes the buffer's memory (caller frees), leaving b empty. */
char *lb_buf_steal(lb_buf *b);

void *lb_xmalloc(size_t n);
void *lb_xcalloc(size_t n, size_t m);
void *lb_xrealloc(void *p, size_t n);
char *lb_xstrdup(const char *s);
char *lb_xstrndup(const char *s, size_t n);

/* ---------------------------------------------------------------- encodings */

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void lb_hex_encode(const uint8_t *in, size_t n, char *out);
/* Returns the number of bytes decoded, or -1 on bad input / too long. */
ssize_t lb_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap);
/* Standard base64 with padding; out needs 4*((n+2)/3)+1 bytes. */
void lb_base64_encode(const uint8_t *in, size_t n, char *out);
/* Strict decode: returns bytes decoded or -1. */
ssize_t lb_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap);
/* AWS URI encoding (RFC 3986 unreserved kept, everything else %XX upper-case);
 * when encode_slash is false, '/' is kept (object key paths). */
void lb_uri_encode(lb_buf *out, const char *s, size_t n, bool encode_slash);
/* %XX decoding (and '+' to space when plus_is_space).  Returns the decoded
 * length or -1 on a malformed escape or an embedded NUL.  out needs n+1. */
ssize_t lb_uri_decode(const char *s, size_t n, char *out, bool plus_is_space);

/* ---------------------------------------------------------------- checksums */

typedef enum lb_cksum_alg {
    LB_CK_NONE = 0,
    LB_CK_CRC32,
    LB_CK_CRC32C,
    LB_CK_CRC64NVME,
    LB_CK_SHA1,
    LB_CK_SHA256,
    LB_CK__COUNT
} lb_cksum_alg;

/* Raw CRCs (standard init/xorout handled inside; pass the previous return
 * value as crc to continue, 0 to start). */
uint32_t lb_crc32(uint32_t crc, const void *p, size_t n);
uint32_t lb_crc32c(uint32_t crc, const void *p, size_t n);
uint64_t lb_crc64nvme(uint64_t crc, const void *p, size_t n);
/* The CRC of A followed by B from crc_a = CRC(A), crc_b = CRC(B) and the
 * length of B in bytes, without the data (multipart FULL_OBJECT checksums).
 * An empty B (crc_b 0, len_b 0) gives crc_a.  Thread-safe; the first call
 * builds 96 KiB of tables. */
uint32_t lb_crc32_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);
uint32_t lb_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);
uint64_t lb_crc64nvme_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b);

/* Name as in headers: "crc32", "crc32c", "crc64nvme", "sha1", "sha256". */
const char *lb_cksum_name(lb_cksum_alg alg);
/* As S3 spells it in XML and x-amz-checksum-algorithm: "CRC32", ..., "SHA256". */
const char *lb_cksum_upper(lb_cksum_alg alg);
/* The XML element of a value: "ChecksumCRC32", ..., "ChecksumSHA256". */
const char *lb_cksum_element(lb_cksum_alg alg);
/* Case-insensitive; LB_CK_NONE when unknown. */
lb_cksum_alg lb_cksum_from_name(const char *name);
/* Digest length in bytes. */
size_t lb_cksum_len(lb_cksum_alg alg);

/* Streaming checksum over one algorithm. */
typedef struct lb_cksum {
    lb_cksum_alg alg;
    uint64_t crc;
    void *md; /* EVP_MD_CTX for SHA */
} lb_cksum;

int lb_cksum_init(lb_cksum *c, lb_cksum_alg alg);
void lb_cksum_update(lb_cksum *c, const void *p, size_t n);
/* Writes lb_cksum_len bytes to out and releases the context. */
void lb_cksum_final(lb_cksum *c, uint8_t *out);
void lb_cksum_free(lb_cksum *c);

/* MD5 and SHA-256 streaming (ETags, SigV4 payload hashes). */
typedef struct lb_digest {
    void *md; /* EVP_MD_CTX */
} lb_digest;
int lb_md5_init(lb_digest *d);
int lb_sha256_init(lb_digest *d);
void lb_digest_update(lb_digest *d, const void *p, size_t n);
/* Writes 16 (MD5) or 32 (SHA-256) bytes; frees the context. */
void lb_digest_final(lb_digest *d, uint8_t *out);
void lb_digest_free(lb_digest *d);
void lb_sha256(const void *p, size_t n, uint8_t out[32]);
void lb_md5(const void *p, size_t n, uint8_t out[16]);
void lb_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                    uint8_t out[32]);

/* ---------------------------------------------------------------- time and ids */

/* Wall clock in nanoseconds since the epoch. */
int64_t lb_now_ns(void);
/* Monotonic clock in nanoseconds. */
int64_t lb_mono_ns(void);

/* Hybrid logical clock: 48 bits of milliseconds, 16 bits of logical counter.
 * Strictly increasing within a process, never behind the wall clock, and
 * lb_hlc_observe() folds in stamps from elsewhere (replicas, restart). */
uint64_t lb_hlc_now(void);
void lb_hlc_observe(uint64_t stamp);
int64_t lb_hlc_to_ms(uint64_t stamp);

/* Version ids: 32 characters, sort in time order as plain strings:
 * 16 hex of the HLC stamp then 16 hex of randomness. */
#define LB_VERSION_ID_LEN 32
void lb_version_id_new(char out[LB_VERSION_ID_LEN + 1]);
/* Cryptographically random bytes (RAND_bytes); aborts if the RNG fails. */
void lb_random_bytes(void *p, size_t n);
/* Random lower-case alnum string of n chars. */
void lb_random_alnum(char *out, size_t n);

/* RFC 1123 ("Sun, 06 Nov 1994 08:49:37 GMT") and ISO 8601 with milliseconds
 * ("2006-02-03T16:45:09.000Z"); out needs 32 bytes. */
void lb_time_http(int64_t unix_s, char out[32]);
void lb_time_iso8601(int64_t unix_ms, char out[32]);
/* Parse either of the HTTP date forms; returns -1 when unparseable. */
int64_t lb_time_parse_http(const char *s);
/* Parse "20130524T000000Z"; returns -1 when unparseable. */
int64_t lb_time_parse_amz(const char *s);

/* ---------------------------------------------------------------- strings */

bool lb_str_eq_nocase(const char *a, const char *b);
bool lb_str_has_prefix(const char *s, const char *prefix);
/* Parse a decimal uint64 from the whole string; -1 on error / overflow. */
int lb_parse_u64(const char *s, uint64_t *out);

#endif
