/* chunked: streaming decoder for "Content-Encoding: aws-chunked" bodies.
 *
 * Private to src/s3.  The three x-amz-content-sha256 values that announce
 * an aws-chunked body map to the modes below:
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD          LB_CHUNKED_SIGNED
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER  LB_CHUNKED_SIGNED_TRAILER
 *   STREAMING-UNSIGNED-PAYLOAD-TRAILER          LB_CHUNKED_UNSIGNED_TRAILER
 *
 * Wire format (AWS S3 API reference, "Transferring Payload in Multiple
 * Chunks" and "Including Trailing Headers"):
 *   hex-size [";chunk-signature=" 64hex] CRLF  data  CRLF   ...repeated
 *   "0" [";chunk-signature=" 64hex] CRLF
 *   signed mode:   CRLF
 *   trailer modes: ("name:value" CRLF)*  CRLF
 * with, in the signed-trailer mode, "x-amz-trailer-signature:" 64hex as
 * the last trailer line.
 *
 * Tolerated, because real clients send them: the closing CRLF missing at
 * the very end of the body (after the final chunk or after the last
 * trailer line), and in the trailer modes an empty line between the final
 * chunk and the trailers.  Anything else out of the grammar is refused.
 *
 * Decoded data reaches the sink as it arrives, before the signature of its
 * chunk has been checked (a chunk can be many MiB and is never buffered).
 * The caller must therefore treat everything it received as provisional
 * until lb_chunked_finish() returns 0, e.g. write to a temporary file and
 * commit only then.
 *
 * Thread rules: one decoder per request, used by one thread at a time. */
#ifndef LB_S3_CHUNKED_H
#define LB_S3_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    LB_CHUNKED_SIGNED,
    LB_CHUNKED_SIGNED_TRAILER,
    LB_CHUNKED_UNSIGNED_TRAILER
} lb_chunked_mode;

typedef struct lb_chunked_opts {
    lb_chunked_mode mode;
    /* Signed modes only; copied by lb_chunked_new(). */
    const uint8_t *signing_key; /* 32 bytes, from lb_sigv4_signing_key() */
    const char *amz_date;       /* "20130524T000000Z" */
    const char *scope;          /* "20130524/us-east-1/s3/aws4_request" */
    const char *seed_signature; /* the request's own signature, 64 hex */
    /* Most decoded bytes accepted (LB_E_ENTITY_TOO_LARGE beyond); 0 means
     * no limit. */
    uint64_t max_decoded;
} lb_chunked_opts;

/* Receives decoded data, never an empty slice.  Returns 0 to go on; any
 * other value aborts the decoding and is returned by lb_chunked_feed()
 * (and by later calls). */
typedef int (*lb_chunked_sink)(void *arg, const char *data, size_t len);

typedef struct lb_chunked lb_chunked;

/* Returns a decoder, or NULL when o is unusable: an unknown mode, or a
 * signed mode without a signing key, date, scope or a 64-hex seed
 * signature.  Allocation failure aborts (see lb_xmalloc).  The strings of
 * o are copied; o need not outlive the call. */
lb_chunked *lb_chunked_new(const lb_chunked_opts *o);

/* Decodes the next len bytes of the body, any split allowed (one byte at a
 * time works).  sink may be NULL to discard the data.  Returns 0, or:
 *   LB_E_SIGNATURE_MISMATCH  a chunk or trailer signature does not verify
 *   LB_E_INVALID_REQUEST     framing outside the grammar: bad hex size, a
 *                            size over 16 hex digits, a chunk header over
 *                            1 KiB, trailers over 16 KiB in all, a missing
 *                            or unexpected chunk-signature, a bare LF,
 *                            bytes after the end of the body
 *   LB_E_ENTITY_TOO_LARGE    more decoded bytes than max_decoded
 *   the sink's non-zero return value
 * After an error the decoder is dead: every later call returns the same
 * error.  Nothing is sent to the sink once an error was returned. */
int lb_chunked_feed(lb_chunked *c, const char *data, size_t len, lb_chunked_sink sink,
                    void *arg);

/* Call after the last byte.  Returns 0 when the final chunk and the
 * trailers (and, in LB_CHUNKED_SIGNED_TRAILER mode, a verified trailer
 * signature) were complete; LB_E_INCOMPLETE_BODY when the body stopped
 * short; or the error an earlier feed returned. */
int lb_chunked_finish(lb_chunked *c);

/* The value of a trailer by lower-case name (e.g. "x-amz-checksum-crc32"),
 * trimmed, or NULL when absent.  x-amz-trailer-signature is not reported.
 * The decoder does not know which trailers the request announced in
 * x-amz-trailer, and a trailer-mode body may end with none: after finish()
 * the caller must check that each announced trailer is here.  Valid until
 * lb_chunked_free(); do not free. */
const char *lb_chunked_trailer(const lb_chunked *c, const char *name);

/* Decoded bytes passed to the sink so far. */
uint64_t lb_chunked_decoded_len(const lb_chunked *c);

/* NULL is allowed. */
void lb_chunked_free(lb_chunked *c);

#endif
