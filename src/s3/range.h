/* range: byte ranges of GetObject and UploadPartCopy (private to src/s3).
 *
 * Pure functions; thread safe. */
#ifndef LB_S3_RANGE_H
#define LB_S3_RANGE_H

#include "base/base.h"

#include <stdint.h>

/* The HTTP Range header of GetObject/HeadObject against an object of size
 * bytes.  One range of the forms "bytes=a-b", "bytes=a-" or "bytes=-n" (the
 * unit case-insensitive, optional whitespace around the range).
 *
 * Returns:
 *   0                   *start and *len set (len >= 1); b past the end is
 *                       clamped, a suffix longer than the object is the
 *                       whole object
 *   1                   serve the whole object and ignore the header: hdr
 *                       NULL, a syntax error, b < a, or several ranges (S3
 *                       ignores what it does not support rather than fail)
 *   LB_E_INVALID_RANGE  well formed but unsatisfiable: a >= size, a suffix
 *                       of 0, or any range of a 0-byte object
 * *start and *len are untouched unless 0 is returned. */
int lb_range_parse(const char *hdr, uint64_t size, uint64_t *start, uint64_t *len);

/* x-amz-copy-source-range of UploadPartCopy: exactly "bytes=first-last".
 *
 * Returns 0 with *start = first and *len = last - first + 1, or:
 *   LB_E_INVALID_ARGUMENT  hdr NULL, any other syntax, or first > last
 *   LB_E_INVALID_RANGE     last (or first) not inside an object of size bytes
 * *start and *len are untouched unless 0 is returned. */
int lb_range_parse_copy(const char *hdr, uint64_t size, uint64_t *start, uint64_t *len);

#endif
