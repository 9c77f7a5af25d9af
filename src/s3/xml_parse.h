/* xml_parse: S3 request bodies (private to src/s3).
 *
 * Pure functions over a body the HTTP layer has already read and bounded.
 * Every parser refuses a DOCTYPE (so no entity can be declared, expanded or
 * fetched), never touches the network, and accepts elements either without a
 * namespace or in the S3 one (http://s3.amazonaws.com/doc/2006-03-01/).
 * Unknown elements are ignored so newer SDKs keep working; a required element
 * that is missing, or a known one given twice, is LB_E_MALFORMED_XML.
 *
 * Strings handed back are heap copies in UTF-8 that the caller releases with
 * the matching _free function.  On any error nothing is handed back and the
 * out-parameters are left zeroed.  All functions are thread safe. */
#ifndef LB_S3_XML_PARSE_H
#define LB_S3_XML_PARSE_H

#include "base/base.h"

#include <stdbool.h>
#include <stddef.h>

#define LB_XML_S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"

/* Limits S3 applies to these bodies. */
#define LB_MAX_PART_NUMBER 10000
#define LB_MAX_DELETE_OBJECTS 1000
#define LB_TAG_KEY_MAX 128   /* UTF-8 characters */
#define LB_TAG_VALUE_MAX 256 /* UTF-8 characters */

/* ------------------------------------------------ CompleteMultipartUpload */

typedef struct lb_complete_part {
    int part_number;
    char *etag; /* surrounding whitespace and double quotes stripped */
    /* Indexed by lb_cksum_alg (index LB_CK_NONE is always NULL): the base64
     * text of ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1,
     * ChecksumSHA256 as given (whitespace trimmed), NULL when absent. */
    char *checksum[LB_CK__COUNT];
} lb_complete_part;

/* CompleteMultipartUpload/Part{PartNumber,ETag,Checksum*}.
 *
 * Returns 0 with *parts (free with lb_complete_parts_free) and *nparts >= 1.
 * Errors:
 *   LB_E_MALFORMED_XML      not XML, DOCTYPE, wrong root, no Part, a Part
 *                           without PartNumber or ETag, PartNumber not an
 *                           integer, a field repeated inside one Part
 *   LB_E_INVALID_ARGUMENT   PartNumber outside 1..10000
 *   LB_E_INVALID_PART_ORDER PartNumbers not strictly ascending
 * Errors are reported for the first offending Part in document order. */
int lb_xml_parse_complete(const char *body, size_t len, lb_complete_part **parts, size_t *nparts);
void lb_complete_parts_free(lb_complete_part *parts, size_t n);

/* ------------------------------------------------ DeleteObjects */

typedef struct lb_delete_obj {
    char *key;        /* never empty */
    char *version_id; /* as given (may be ""), NULL when absent */
} lb_delete_obj;

/* Delete{Quiet?, Object{Key, VersionId?}+}.
 *
 * Returns 0 with 1..1000 objects in *objs (free with lb_delete_objs_free) and
 * *quiet (false when Quiet is absent).  Errors: LB_E_MALFORMED_XML for no
 * Object, more than 1000, an Object without Key or with an empty Key, or a
 * Quiet that is not an xs:boolean (true/false/1/0). */
int lb_xml_parse_delete(const char *body, size_t len, lb_delete_obj **objs, size_t *n, bool *quiet);
void lb_delete_objs_free(lb_delete_obj *o, size_t n);

/* ------------------------------------------------ tagging */

typedef struct lb_tag {
    char *key;
    char *value;
} lb_tag;

/* Tagging/TagSet/Tag{Key,Value}.  An empty TagSet is valid (0 tags; *tags
 * may then be NULL).
 * Errors:
 *   LB_E_MALFORMED_XML  not XML, wrong root, no TagSet or two of them, a Tag
 *                       without Key or Value
 *   LB_E_INVALID_TAG    key not 1..128 characters, value over 256, a key
 *                       repeated, more than max_tags tags */
int lb_xml_parse_tagging(const char *body, size_t len, size_t max_tags, lb_tag **tags, size_t *n);

/* The x-amz-tagging header: "k1=v1&k2=v2", each side URL-encoded ('+' is a
 * space).  A pair without '=' is a key with an empty value; empty pairs
 * ("a=1&&b=2", a trailing '&') are skipped.  s NULL or "" gives 0 tags.
 * Errors: LB_E_INVALID_TAG for a bad %-escape, an encoded NUL, invalid
 * UTF-8, and everything lb_xml_parse_tagging rejects as LB_E_INVALID_TAG. */
int lb_tags_parse_query(const char *s, size_t max_tags, lb_tag **tags, size_t *n);

void lb_tags_free(lb_tag *t, size_t n);

/* Appends the tags to out in the x-amz-tagging form, keys and values
 * URI-encoded (AWS rules, '/' encoded), so lb_tags_parse_query gives them
 * back unchanged.  out is not reset first. */
void lb_tags_to_query(const lb_tag *t, size_t n, lb_buf *out);

/* ------------------------------------------------ CreateBucket */

/* CreateBucketConfiguration/LocationConstraint.  An empty or all-whitespace
 * body, a configuration without LocationConstraint, or an empty one gives 0
 * with *location NULL (the default region).  Otherwise *location is the
 * trimmed text (caller frees).  Errors: LB_E_MALFORMED_XML. */
int lb_xml_parse_create_bucket(const char *body, size_t len, char **location);

/* ------------------------------------------------ PublicAccessBlock */

typedef struct lb_public_access_block {
    bool block_public_acls;
    bool ignore_public_acls;
    bool block_public_policy;
    bool restrict_public_buckets;
} lb_public_access_block;

/* PublicAccessBlockConfiguration{BlockPublicAcls?, IgnorePublicAcls?,
 * BlockPublicPolicy?, RestrictPublicBuckets?}, each an xs:boolean
 * (true/false/1/0, surrounding whitespace allowed); an absent one is false,
 * as in S3.  Returns 0 with *out filled.  Errors: LB_E_MALFORMED_XML for not
 * XML, a DOCTYPE, the wrong root, a field given twice or not a boolean. */
int lb_xml_parse_public_access_block(const char *body, size_t len, lb_public_access_block *out);

#endif
