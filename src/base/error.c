/* The one table of lifeboat errors and their S3 faces.  Append only. */
#include "base/base.h"

#include <errno.h>
#include <string.h>

static const lb_err_info table[] = {
#define E(c, code, st, msg) [-(c) + LB_E_INTERNAL] = {code, st, msg}
    E(LB_E_INTERNAL, "InternalError", 500, "We encountered an internal error. Please try again."),
    E(LB_E_NO_SUCH_BUCKET, "NoSuchBucket", 404, "The specified bucket does not exist"),
    E(LB_E_NO_SUCH_KEY, "NoSuchKey", 404, "The specified key does not exist."),
    E(LB_E_NO_SUCH_UPLOAD, "NoSuchUpload", 404, "The specified multipart upload does not exist."),
    E(LB_E_INVALID_BUCKET_NAME, "InvalidBucketName", 400, "The specified bucket is not valid."),
    E(LB_E_BUCKET_EXISTS, "BucketAlreadyExists", 409,
      "The requested bucket name is not available."),
    E(LB_E_BUCKET_OWNED_BY_YOU, "BucketAlreadyOwnedByYou", 409,
      "Your previous request to create the named bucket succeeded and you already own it."),
    E(LB_E_BUCKET_NOT_EMPTY, "BucketNotEmpty", 409, "The bucket you tried to delete is not empty"),
    E(LB_E_ACCESS_DENIED, "AccessDenied", 403, "Access Denied"),
    E(LB_E_INVALID_ACCESS_KEY, "InvalidAccessKeyId", 403,
      "The AWS Access Key Id you provided does not exist in our records."),
    E(LB_E_SIGNATURE_MISMATCH, "SignatureDoesNotMatch", 403,
      "The request signature we calculated does not match the signature you provided. Check "
      "your key and signing method."),
    E(LB_E_INVALID_ARGUMENT, "InvalidArgument", 400, "Invalid Argument"),
    E(LB_E_INVALID_RANGE, "InvalidRange", 416, "The requested range is not satisfiable"),
    E(LB_E_PRECONDITION_FAILED, "PreconditionFailed", 412,
      "At least one of the pre-conditions you specified did not hold"),
    E(LB_E_NOT_MODIFIED, "NotModified", 304, "Not Modified"),
    E(LB_E_ENTITY_TOO_LARGE, "EntityTooLarge", 400,
      "Your proposed upload exceeds the maximum allowed object size."),
    E(LB_E_ENTITY_TOO_SMALL, "EntityTooSmall", 400,
      "Your proposed upload is smaller than the minimum allowed object size."),
    E(LB_E_INVALID_PART, "InvalidPart", 400,
      "One or more of the specified parts could not be found. The part may not have been "
      "uploaded, or the specified entity tag may not match the part's entity tag."),
    E(LB_E_INVALID_PART_ORDER, "InvalidPartOrder", 400,
      "The list of parts was not in ascending order. The parts list must be specified in "
      "order by part number."),
    E(LB_E_MALFORMED_XML, "MalformedXML", 400,
      "The XML you provided was not well-formed or did not validate against our published "
      "schema."),
    E(LB_E_BAD_DIGEST, "BadDigest", 400,
      "The Content-MD5 you specified did not match what we received."),
    E(LB_E_INVALID_DIGEST, "InvalidDigest", 400, "The Content-MD5 you specified is not valid."),
    E(LB_E_METHOD_NOT_ALLOWED, "MethodNotAllowed", 405,
      "The specified method is not allowed against this resource."),
    E(LB_E_NOT_IMPLEMENTED, "NotImplemented", 501,
      "A header or query you provided implies functionality that is not implemented."),
    E(LB_E_REQUEST_TIMEOUT, "RequestTimeout", 400,
      "Your socket connection to the server was not read from or written to within the "
      "timeout period."),
    E(LB_E_SLOW_DOWN, "SlowDown", 503, "Please reduce your request rate."),
    E(LB_E_SHA256_MISMATCH, "XAmzContentSHA256Mismatch", 400,
      "The provided 'x-amz-content-sha256' header does not match what was computed."),
    E(LB_E_TIME_SKEWED, "RequestTimeTooSkewed", 403,
      "The difference between the request time and the current time is too large."),
    E(LB_E_MISSING_CONTENT_LENGTH, "MissingContentLength", 411,
      "You must provide the Content-Length HTTP header."),
    E(LB_E_INCOMPLETE_BODY, "IncompleteBody", 400,
      "You did not provide the number of bytes specified by the Content-Length HTTP header."),
    E(LB_E_INVALID_REQUEST, "InvalidRequest", 400, "Invalid Request"),
    E(LB_E_KEY_TOO_LONG, "KeyTooLongError", 400, "Your key is too long"),
    E(LB_E_AUTH_HEADER_MALFORMED, "AuthorizationHeaderMalformed", 400,
      "The authorization header is malformed."),
    E(LB_E_EXPIRED_TOKEN, "AccessDenied", 403, "Request has expired"),
    E(LB_E_NO_SUCH_TAG_SET, "NoSuchTagSet", 404, "The TagSet does not exist"),
    E(LB_E_INVALID_TAG, "InvalidTag", 400, "The tag provided was not a valid tag."),
    E(LB_E_METADATA_TOO_LARGE, "MetadataTooLarge", 400,
      "Your metadata headers exceed the maximum allowed metadata size."),
    E(LB_E_STORAGE_FULL, "XLifeboatStorageFull", 507,
      "The site has no space left to store this request; nothing was written."),
    E(LB_E_IO, "InternalError", 500, "An I/O error occurred on the site; nothing was written."),
    E(LB_E_CORRUPT, "InternalError", 500,
      "Stored data failed its checksum; it was not served and is reported for repair."),
    E(LB_E_TOO_MANY_BUCKETS, "TooManyBuckets", 400,
      "You have attempted to create more buckets than allowed."),
    E(LB_E_NO_SUCH_USER, "NoSuchEntity", 404, "The user does not exist."),
    E(LB_E_USER_EXISTS, "EntityAlreadyExists", 409, "The user or access key already exists."),
    E(LB_E_INVALID_LOCATION, "InvalidLocationConstraint", 400,
      "The specified location-constraint is not valid."),
    E(LB_E_INVALID_STORAGE_CLASS, "InvalidStorageClass", 400,
      "The storage class you specified is not valid."),
    E(LB_E_BAD_CHECKSUM, "BadDigest", 400,
      "The checksum you specified did not match what we received."),
    E(LB_E_INVALID_COPY_SOURCE, "InvalidArgument", 400, "Copy Source must mention the source "
      "bucket and key: sourcebucket/sourcekey."),
    E(LB_E_CONDITIONAL_CONFLICT, "ConditionalRequestConflict", 409,
      "A conflicting operation occurred."),
    E(LB_E_NOT_FOUND_ROUTE, "NotFound", 404, "Not Found"),
    E(LB_E_INVALID_URI, "InvalidURI", 400, "Couldn't parse the specified URI."),
    E(LB_E_UNRESOLVABLE_GRANT, "UnresolvableGrantByEmailAddress", 400,
      "The email address you provided does not match any account on record."),
    E(LB_E_ILLEGAL_VERSIONING, "IllegalVersioningConfigurationException", 400,
      "The versioning configuration specified in the request is invalid."),
    E(LB_E_INVALID_PART_NUMBER, "InvalidPartNumber", 416,
      "The requested partnumber is not satisfiable"),
    E(LB_E_MALFORMED_POLICY, "MalformedPolicy", 400, "Policies must be valid JSON."),
    E(LB_E_NO_SUCH_BUCKET_POLICY, "NoSuchBucketPolicy", 404, "The bucket policy does not exist"),
    E(LB_E_NO_SUCH_PUBLIC_ACCESS_BLOCK, "NoSuchPublicAccessBlockConfiguration", 404,
      "The public access block configuration was not found"),
#undef E
};

const lb_err_info *lb_err_lookup(int err)
{
    if (err == -ENOSPC || err == -EDQUOT)
        err = LB_E_STORAGE_FULL;
    else if (err == -EIO)
        err = LB_E_IO;
    if (err > LB_E_INTERNAL || err <= LB_E__END)
        err = LB_E_INTERNAL;
    return &table[-err + LB_E_INTERNAL];
}

const char *lb_strerror(int err)
{
    if (err == 0)
        return "success";
    if (err < 0 && err > -4096)
        return strerror(-err);
    return lb_err_lookup(err)->message;
}
