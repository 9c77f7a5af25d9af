/* Unit tests of src/s3/sigv2.c.
 *
 * The signatures below are the worked examples AWS publishes in the S3
 * developer guide, "Signing and authenticating REST requests (AWS
 * signature version 2)", with AWS's example credentials.  The guide later
 * renamed the example bucket "johnsmith" to "awsexamplebucket1" but kept
 * most signatures, which only verify with the original name; these tests
 * use the original, and the renamed Object GET with the signature the
 * translated pages print for it.  The guide's "Delete" example signs the
 * x-amz-date value on the Date line, against its own prose and against
 * what boto and s3cmd send; the x-amz-date layout is tested on its own.
 * The rest (subresources, parsing, dates) checks the rules on their own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/base.h"
#include "s3/sigv2.h"

#define AK "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Builds the string to sign, compares it and the signature with the
 * published ones, and checks the Authorization header round trip. */
static void check_example(const lb_sigv2_request *req, const char *want_sts, const char *want_sig)
{
    lb_buf sts = {0}, hdr = {0};
    char sig[LB_SIGV2_SIG_LEN + 1];
    lb_sigv2_auth a;

    assert_int_equal(lb_sigv2_string_to_sign(req, &sts), 0);
    assert_string_equal(sts.data, want_sts);
    lb_sigv2_sign(SECRET, sts.data, sig);
    assert_string_equal(sig, want_sig);

    lb_buf_printf(&hdr, "AWS %s:%s", AK, want_sig);
    assert_int_equal(lb_sigv2_parse_header(hdr.data, &a), 0);
    assert_string_equal(a.access_key, AK);
    assert_string_equal(a.signature, want_sig);
    assert_int_equal(a.expires_at, -1);
    assert_true(lb_sigv4_sig_equal(sig, a.signature));

    lb_buf_free(&sts);
    lb_buf_free(&hdr);
}

/* The string to sign of req, for the tests that check layout only. */
static char *sts_of(const lb_sigv2_request *req)
{
    lb_buf b = {0};

    assert_int_equal(lb_sigv2_string_to_sign(req, &b), 0);
    return lb_buf_steal(&b);
}

/* ---------------------------------------------------------------- AWS examples */

static void test_example_object_get(void **state)
{
    (void)state;
    static const lb_kv headers[] = {
        {"Host", "johnsmith.s3.amazonaws.com"},
        {"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
    };
    lb_sigv2_request req = {.method = "GET",
                            .host_bucket = "johnsmith",
                            .raw_path = "/photos/puppy.jpg",
                            .headers = headers,
                            .nheaders = N(headers)};

    check_example(&req, "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
                  "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");

    /* The same request under the renamed bucket. */
    req.host_bucket = "awsexamplebucket1";
    check_example(&req,
                  "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg",
                  "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=");
}

static void test_example_object_put(void **state)
{
    (void)state;
    static const lb_kv headers[] = {
        {"Content-Type", "image/jpeg"},
        {"Content-Length", "94328"},
        {"Host", "johnsmith.s3.amazonaws.com"},
        {"Date", "Tue, 27 Mar 2007 21:15:45 +0000"},
    };
    lb_sigv2_request req = {.method = "PUT",
                            .host_bucket = "johnsmith",
                            .raw_path = "/photos/puppy.jpg",
                            .headers = headers,
                            .nheaders = N(headers)};

    check_example(&req,
                  "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
                  "MyyxeRY7whkBe+bq8fHCL/2kKUg=");
}

static void test_example_list(void **state)
{
    (void)state;
    /* Listing parameters are not subresources: the resource ends at the
     * bucket's slash. */
    static const lb_kv query[] = {{"prefix", "photos"}, {"max-keys", "50"}, {"marker", "puppy"}};
    static const lb_kv headers[] = {
        {"User-Agent", "Mozilla/5.0"},
        {"Host", "johnsmith.s3.amazonaws.com"},
        {"Date", "Tue, 27 Mar 2007 19:42:41 +0000"},
    };
    lb_sigv2_request req = {.method = "GET",
                            .host_bucket = "johnsmith",
                            .raw_path = "/",
                            .query = query,
                            .nquery = N(query),
                            .headers = headers,
                            .nheaders = N(headers)};

    check_example(&req, "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
                  "htDYFYduRNen8P9ZfE/s9SuKy0U=");
}

static void test_example_fetch_acl(void **state)
{
    (void)state;
    static const lb_kv query[] = {{"acl", NULL}};
    static const lb_kv headers[] = {
        {"Host", "johnsmith.s3.amazonaws.com"},
        {"Date", "Tue, 27 Mar 2007 19:44:46 +0000"},
    };
    lb_sigv2_request req = {.method = "GET",
                            .host_bucket = "johnsmith",
                            .raw_path = "/",
                            .query = query,
                            .nquery = N(query),
                            .headers = headers,
                            .nheaders = N(headers)};

    check_example(&req, "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
                  "c2WLPFtWHVgbEmeEG93a4cG37dM=");
}

static void test_example_upload_amz_headers(void **state)
{
    (void)state;
    /* A CNAME-style bucket, x-amz-* headers in mixed case with a repeated
     * name, and Content-* headers that are not signed. */
    static const lb_kv headers[] = {
        {"User-Agent", "curl/7.15.5"},
        {"Host", "static.johnsmith.net:8080"},
        {"Date", "Tue, 27 Mar 2007 21:06:08 +0000"},
        {"x-amz-acl", "public-read"},
        {"content-type", "application/x-download"},
        {"Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="},
        {"X-Amz-Meta-ReviewedBy", "joe@johnsmith.net"},
        {"X-Amz-Meta-ReviewedBy", "jane@johnsmith.net"},
        {"X-Amz-Meta-FileChecksum", "0x02661779"},
        {"X-Amz-Meta-ChecksumAlgorithm", "crc32"},
        {"Content-Disposition", "attachment; filename=database.dat"},
        {"Content-Encoding", "gzip"},
        {"Content-Length", "5913339"},
    };
    lb_sigv2_request req = {.method = "PUT",
                            .host_bucket = "static.johnsmith.net",
                            .raw_path = "/db-backup.dat.gz",
                            .headers = headers,
                            .nheaders = N(headers)};

    check_example(&req,
                  "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\n"
                  "Tue, 27 Mar 2007 21:06:08 +0000\n"
                  "x-amz-acl:public-read\n"
                  "x-amz-meta-checksumalgorithm:crc32\n"
                  "x-amz-meta-filechecksum:0x02661779\n"
                  "x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n"
                  "/static.johnsmith.net/db-backup.dat.gz",
                  "ilyl83RwaSoYIEdixDQcA4OnAnc=");
}

static void test_example_list_all_buckets(void **state)
{
    (void)state;
    static const lb_kv headers[] = {
        {"Host", "s3.amazonaws.com"},
        {"Date", "Wed, 28 Mar 2007 01:29:59 +0000"},
    };
    lb_sigv2_request req = {
        .method = "GET", .raw_path = "/", .headers = headers, .nheaders = N(headers)};

    check_example(&req, "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/",
                  "qGdzdERIC03wnaRNKh6OqZehG9s=");
}

static void test_example_unicode_keys(void **state)
{
    (void)state;
    /* Path style, and the path signed literally: escapes stay, in the case
     * the client wrote them. */
    static const lb_kv headers[] = {
        {"Host", "s3.amazonaws.com"},
        {"Date", "Wed, 28 Mar 2007 01:49:49 +0000"},
    };
    lb_sigv2_request req = {.method = "GET",
                            .raw_path = "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
                            .headers = headers,
                            .nheaders = N(headers)};

    check_example(&req,
                  "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n"
                  "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
                  "DNEZGsoieTZ92F3bUfSPQcbGmlM=");
}

static void test_example_query_string(void **state)
{
    (void)state;
    /* Decoded as the server's query parser hands them over. */
    static const lb_kv query[] = {
        {"AWSAccessKeyId", AK},
        {"Signature", "NpgCjnDzrM+WFzoENXmpNDUsSn8="},
        {"Expires", "1175139620"},
    };
    /* A Date header is not signed in query auth. */
    static const lb_kv headers[] = {
        {"Host", "johnsmith.s3.amazonaws.com"},
        {"Date", "Mon, 26 Mar 2007 19:37:58 +0000"},
    };
    lb_sigv2_auth a;
    lb_sigv2_request req = {.method = "GET",
                            .host_bucket = "johnsmith",
                            .raw_path = "/photos/puppy.jpg",
                            .query = query,
                            .nquery = N(query),
                            .headers = headers,
                            .nheaders = N(headers)};
    lb_buf sts = {0};
    char sig[LB_SIGV2_SIG_LEN + 1];

    assert_int_equal(lb_sigv2_parse_query(query, N(query), &a), 0);
    assert_string_equal(a.access_key, AK);
    assert_string_equal(a.signature, "NpgCjnDzrM+WFzoENXmpNDUsSn8=");
    assert_string_equal(a.expires, "1175139620");
    assert_int_equal(a.expires_at, 1175139620);
    req.expires = a.expires;
    assert_int_equal(lb_sigv2_string_to_sign(&req, &sts), 0);
    assert_string_equal(sts.data, "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg");
    lb_sigv2_sign(SECRET, sts.data, sig);
    assert_string_equal(sig, "NpgCjnDzrM+WFzoENXmpNDUsSn8=");
    assert_true(lb_sigv4_sig_equal(sig, a.signature));
    lb_buf_free(&sts);
}

/* ---------------------------------------------------------------- layout rules */

static void test_amz_date_replaces_date(void **state)
{
    (void)state;
    /* As s3cmd signs: x-amz-date among the amz headers, the date line
     * empty, the Date header ignored. */
    static const lb_kv headers[] = {
        {"Date", "Tue, 27 Mar 2007 21:20:27 +0000"},
        {"X-Amz-Date", "Tue, 27 Mar 2007 21:20:26 +0000"},
    };
    lb_sigv2_request req = {.method = "DELETE",
                            .raw_path = "/johnsmith/photos/puppy.jpg",
                            .headers = headers,
                            .nheaders = N(headers)};
    char *s = sts_of(&req);

    assert_string_equal(s, "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n"
                           "/johnsmith/photos/puppy.jpg");
    free(s);
}

static void test_positional_headers(void **state)
{
    (void)state;
    /* Absent ones are empty lines; present ones trimmed; names in any case;
     * the first of a repeated one. */
    static const lb_kv headers[] = {
        {"CONTENT-TYPE", "  text/plain  "},
        {"content-type", "ignored/second"},
        {"Content-Md5", "\t1B2M2Y8AsgTpgAmY7PhCfg==\t"},
    };
    lb_sigv2_request req = {
        .method = "PUT", .raw_path = "/b/k", .headers = headers, .nheaders = N(headers)};
    char *s = sts_of(&req);

    assert_string_equal(s, "PUT\n1B2M2Y8AsgTpgAmY7PhCfg==\ntext/plain\n\n/b/k");
    free(s);

    req.nheaders = 0;
    s = sts_of(&req);
    assert_string_equal(s, "PUT\n\n\n\n/b/k");
    free(s);
}

static void test_amz_headers_rules(void **state)
{
    (void)state;
    /* Lower-cased names, sorted; ends trimmed but inner blanks kept (as
     * botocore signs); repeated names joined in arrival order wherever
     * they appear; names that only look alike left out. */
    static const lb_kv headers[] = {
        {"X-Amz-Meta-B", " two  words "},
        {"x-amzn-trace-id", "not signed"},
        {"X-AMZ-META-A", "first"},
        {"xx-amz-meta-c", "not signed"},
        {"x-amz-meta-a", "second"},
        {"x-amz-meta-empty", ""},
        {"Date", "Tue, 27 Mar 2007 21:20:27 +0000"},
    };
    lb_sigv2_request req = {
        .method = "PUT", .raw_path = "/b/k", .headers = headers, .nheaders = N(headers)};
    char *s = sts_of(&req);

    assert_string_equal(s, "PUT\n\n\nTue, 27 Mar 2007 21:20:27 +0000\n"
                           "x-amz-meta-a:first,second\n"
                           "x-amz-meta-b:two  words\n"
                           "x-amz-meta-empty:\n"
                           "/b/k");
    free(s);
}

static void test_query_auth_amz_params(void **state)
{
    (void)state;
    /* botocore moves the x-amz-* headers it signed into a presigned URL;
     * they count as amz headers in query auth, after real headers of the
     * same name, and not in header auth. */
    static const lb_kv query[] = {
        {"AWSAccessKeyId", AK},
        {"x-amz-meta-k", "from-query"},
        {"X-Amz-Security-Token", "tok"},
        {"Expires", "1175139620"},
        {"Signature", "NpgCjnDzrM+WFzoENXmpNDUsSn8="},
    };
    static const lb_kv headers[] = {{"x-amz-meta-k", "from-header"}};
    lb_sigv2_request req = {.method = "PUT",
                            .raw_path = "/b/k",
                            .query = query,
                            .nquery = N(query),
                            .headers = headers,
                            .nheaders = N(headers),
                            .expires = "1175139620"};
    char *s = sts_of(&req);

    assert_string_equal(s, "PUT\n\n\n1175139620\n"
                           "x-amz-meta-k:from-header,from-query\n"
                           "x-amz-security-token:tok\n"
                           "/b/k");
    free(s);

    req.expires = NULL;
    s = sts_of(&req);
    assert_string_equal(s, "PUT\n\n\n\nx-amz-meta-k:from-header\n/b/k");
    free(s);
}

static void test_subresources(void **state)
{
    (void)state;
    /* Sorted by name with decoded values; non-subresources, the auth
     * parameters and wrongly-cased names left out; "name" without '='
     * and "name=" with an empty value signed as sent. */
    static const lb_kv query[] = {
        {"uploadId", "2~abc/def+g"},
        {"max-parts", "10"},
        {"partNumber", "3"},
        {"response-content-disposition", "attachment; filename=\"a b.txt\""},
        {"versionid", "wrong-case"},
        {"ACL", NULL},
        {"Signature", "x"},
        {"response-content-type", "text/plain"},
        {"tagging", ""},
        {"delete", NULL},
    };
    lb_sigv2_request req = {
        .method = "GET", .raw_path = "/b/my%20key", .query = query, .nquery = N(query)};
    char *s = sts_of(&req);

    assert_string_equal(s, "GET\n\n\n\n/b/my%20key?delete&partNumber=3"
                           "&response-content-disposition=attachment; filename=\"a b.txt\""
                           "&response-content-type=text/plain&tagging=&uploadId=2~abc/def+g");
    free(s);
}

static void test_subresources_all_listed(void **state)
{
    (void)state;
    static const char *const names[] = {
        "accelerate",
        "acl",
        "analytics",
        "cors",
        "defaultObjectAcl",
        "delete",
        "inventory",
        "lifecycle",
        "location",
        "logging",
        "metrics",
        "notification",
        "object-lock",
        "partNumber",
        "policy",
        "replication",
        "requestPayment",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
        "restore",
        "select",
        "select-type",
        "storageClass",
        "tagging",
        "torrent",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "website",
    };

    for (size_t i = 0; i < N(names); i++) {
        lb_kv q = {names[i], NULL};
        lb_sigv2_request req = {.method = "GET", .raw_path = "/b", .query = &q, .nquery = 1};
        char *s = sts_of(&req);
        lb_buf want = {0};

        lb_buf_printf(&want, "GET\n\n\n\n/b/?%s", names[i]);
        assert_string_equal(s, want.data);
        lb_buf_free(&want);
        free(s);
    }
}

static void test_subresources_stable_and_bucket_root(void **state)
{
    (void)state;
    /* A repeated subresource keeps its order; a virtual-host request for
     * the bucket itself signs "/bucket/". */
    static const lb_kv query[] = {{"versionId", "b"}, {"acl", NULL}, {"versionId", "a"}};
    lb_sigv2_request req = {
        .method = "GET", .host_bucket = "bkt", .raw_path = "/", .query = query, .nquery = N(query)};
    char *s = sts_of(&req);

    assert_string_equal(s, "GET\n\n\n\n/bkt/?acl&versionId=b&versionId=a");
    free(s);

    /* An empty path still signs a resource. */
    req.host_bucket = NULL;
    req.raw_path = "";
    req.nquery = 0;
    s = sts_of(&req);
    assert_string_equal(s, "GET\n\n\n\n/");
    free(s);
}

static void test_bucket_resource(void **state)
{
    (void)state;
    /* A bucket itself signs "/bucket/" whatever the path (botocore sends
     * "/bucket" and signs "/bucket/"), or "/bucket" when asked (minio-go);
     * objects and the service are signed as they are. */
    static const struct {
        const char *host_bucket, *path;
        bool without_slash;
        const char *want;
    } cases[] = {
        {NULL, "/b", false, "/b/"},    {NULL, "/b/", false, "/b/"},  {NULL, "/b", true, "/b"},
        {NULL, "/b/", true, "/b"},     {"bkt", "/", false, "/bkt/"}, {"bkt", "", false, "/bkt/"},
        {"bkt", "/", true, "/bkt"},    {NULL, "/b/k", true, "/b/k"}, {NULL, "/b//", true, "/b//"},
        {NULL, "//", true, "//"},      {NULL, "/", true, "/"},       {"bkt", "/k", true, "/bkt/k"},
        {"bkt", "//", true, "/bkt//"},
    };

    for (size_t i = 0; i < N(cases); i++) {
        lb_kv q = {"acl", NULL};
        lb_sigv2_request req = {.method = "GET",
                                .host_bucket = cases[i].host_bucket,
                                .raw_path = cases[i].path,
                                .bucket_without_slash = cases[i].without_slash};
        lb_buf want = {0};
        char *s = sts_of(&req);

        lb_buf_printf(&want, "GET\n\n\n\n%s", cases[i].want);
        assert_string_equal(s, want.data);
        free(s);
        req.query = &q;
        req.nquery = 1;
        s = sts_of(&req);
        lb_buf_puts(&want, "?acl");
        assert_string_equal(s, want.data);
        free(s);
        lb_buf_free(&want);
    }
}

static void test_string_to_sign_errors(void **state)
{
    (void)state;
    lb_buf b = {0};
    lb_sigv2_request req = {.method = NULL, .raw_path = "/"};

    assert_int_equal(lb_sigv2_string_to_sign(&req, &b), LB_E_INVALID_ARGUMENT);
    req.method = "GET";
    req.raw_path = NULL;
    assert_int_equal(lb_sigv2_string_to_sign(&req, &b), LB_E_INVALID_ARGUMENT);
    assert_int_equal(lb_sigv2_string_to_sign(NULL, &b), LB_E_INVALID_ARGUMENT);
    lb_buf_free(&b);
}

/* ---------------------------------------------------------------- signing */

static void test_sign_rfc2202(void **state)
{
    (void)state;
    char sig[LB_SIGV2_SIG_LEN + 1];

    /* RFC 2202 HMAC-SHA1 test case 2, base64 of
     * effcdf6ae5eb2fa2d27416d5f184df9c259a7c79. */
    lb_sigv2_sign("Jefe", "what do ya want for nothing?", sig);
    assert_string_equal(sig, "7/zfauXrL6LSdBbV8YTfnCWafHk=");
}

/* ---------------------------------------------------------------- parsing */

static void test_parse_header_ok(void **state)
{
    (void)state;
    lb_sigv2_auth a;

    /* A blank after the colon, as one rendering of AWS's example has. */
    assert_int_equal(lb_sigv2_parse_header("AWS " AK ": qgk2+6Sv9/oM7G3qLEjTH1a1l1g=", &a), 0);
    assert_string_equal(a.access_key, AK);
    assert_string_equal(a.signature, "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=");
    assert_string_equal(a.expires, "");
    assert_int_equal(a.expires_at, -1);
}

static void test_parse_header_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "AWS",
        "AWS ",
        "aws " AK ":bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
        "AWS  " AK ":bWq2s1WEIj+Ydj0vQ697zp+IXMU=", /* blank in the key */
        "AWS:" AK ":bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
        "AWS " AK,
        "AWS " AK ":",
        "AWS :bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
        "AWS " AK ":bWq2s1WEIj+Ydj0vQ697zp+IXMU",   /* 27 characters */
        "AWS " AK ":bWq2s1WEIj+Ydj0vQ697zp+IXMU==", /* 29 */
        "AWS " AK ":bWq2s1WEIj+Ydj0vQ697zp+IXMUx",  /* no padding */
        "AWS " AK ":bWq2s1WEIj+Ydj0vQ697zp-IXMU=",  /* not base64 */
        "AWS " AK ":bWq2s1WEIj+Ydj0v:697zp+IXMU=",  /* second colon */
        "AWS " AK ":bWq2s1WEIj Ydj0vQ697zp+IXMU=",  /* inner blank */
        "AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3/aws4_request",
    };
    lb_sigv2_auth a;

    for (size_t i = 0; i < N(bad); i++) {
        memset(&a, 'x', sizeof a);
        assert_int_equal(lb_sigv2_parse_header(bad[i], &a), LB_E_INVALID_ARGUMENT);
        assert_string_equal(a.access_key, "");
        assert_string_equal(a.signature, "");
        assert_int_equal(a.expires_at, -1);
    }
    assert_int_equal(lb_sigv2_parse_header(NULL, &a), LB_E_INVALID_ARGUMENT);
}

static void test_parse_header_key_length(void **state)
{
    (void)state;
    lb_sigv2_auth a;
    lb_buf h = {0};

    /* 127 characters fit; 128 would be truncated and is refused. */
    lb_buf_puts(&h, "AWS ");
    for (int i = 0; i < 127; i++)
        lb_buf_putc(&h, 'K');
    lb_buf_puts(&h, ":bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
    assert_int_equal(lb_sigv2_parse_header(h.data, &a), 0);
    assert_int_equal(strlen(a.access_key), 127);
    lb_buf_reset(&h);
    lb_buf_puts(&h, "AWS ");
    for (int i = 0; i < 128; i++)
        lb_buf_putc(&h, 'K');
    lb_buf_puts(&h, ":bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
    assert_int_equal(lb_sigv2_parse_header(h.data, &a), LB_E_INVALID_ARGUMENT);
    lb_buf_free(&h);
}

static void test_parse_query_errors(void **state)
{
    (void)state;
    lb_sigv2_auth a;
    lb_kv q[4] = {
        {"AWSAccessKeyId", AK},
        {"Expires", "1175139620"},
        {"Signature", "NpgCjnDzrM+WFzoENXmpNDUsSn8="},
        {"other", NULL},
    };

    assert_int_equal(lb_sigv2_parse_query(q, 4, &a), 0);
    /* Each one missing. */
    for (size_t skip = 0; skip < 3; skip++) {
        lb_kv r[3];
        size_t n = 0;

        for (size_t i = 0; i < 3; i++)
            if (i != skip)
                r[n++] = q[i];
        assert_int_equal(lb_sigv2_parse_query(r, n, &a), LB_E_ACCESS_DENIED);
        assert_int_equal(a.expires_at, -1);
    }
    /* Repeated. */
    {
        lb_kv r[4] = {q[0], q[1], q[2], q[2]};
        assert_int_equal(lb_sigv2_parse_query(r, 4, &a), LB_E_ACCESS_DENIED);
    }
    /* Bad values. */
    {
        static const struct {
            size_t idx;
            const char *value;
        } bad[] = {
            {0, ""},
            {0, NULL},
            {0, "AK WITH BLANK"},
            {1, ""},
            {1, "-1"},
            {1, "12a"},
            {1, "1175139620.5"},
            {1, "1234567890123456789"}, /* 19 digits */
            {2, ""},
            {2, "NpgCjnDzrM+WFzoENXmpNDUsSn8"},
            {2, "NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D"}, /* still encoded */
        };
        for (size_t i = 0; i < N(bad); i++) {
            lb_kv r[3] = {q[0], q[1], q[2]};

            r[bad[i].idx].value = bad[i].value;
            assert_int_equal(lb_sigv2_parse_query(r, 3, &a), LB_E_ACCESS_DENIED);
            assert_string_equal(a.access_key, "");
        }
    }
    /* Names are matched exactly. */
    {
        lb_kv r[3] = {{"awsaccesskeyid", AK}, q[1], q[2]};
        assert_int_equal(lb_sigv2_parse_query(r, 3, &a), LB_E_ACCESS_DENIED);
    }
}

static void test_parse_query_plus_as_space(void **state)
{
    (void)state;
    /* An unencoded '+' reaches us as a blank. */
    lb_kv q[3] = {
        {"AWSAccessKeyId", AK},
        {"Expires", "0"},
        {"Signature", "NpgCjnDzrM WFzoENXmpNDUsSn8="},
    };
    lb_sigv2_auth a;

    assert_int_equal(lb_sigv2_parse_query(q, 3, &a), 0);
    assert_string_equal(a.signature, "NpgCjnDzrM+WFzoENXmpNDUsSn8=");
    assert_int_equal(a.expires_at, 0);
    q[1].value = "123456789012345678"; /* 18 digits */
    assert_int_equal(lb_sigv2_parse_query(q, 3, &a), 0);
    assert_int_equal(a.expires_at, 123456789012345678LL);
}

static void test_parse_date(void **state)
{
    (void)state;
    assert_int_equal(lb_sigv2_parse_date("Tue, 27 Mar 2007 19:36:42 +0000"), 1175024202);
    assert_int_equal(lb_sigv2_parse_date("Tue, 27 Mar 2007 19:36:42 GMT"), 1175024202);
    assert_int_equal(lb_sigv2_parse_date("Tue, 27 Mar 2007 12:36:42 -0700"), 1175024202);
    assert_int_equal(lb_sigv2_parse_date("Wed, 28 Mar 2007 02:36:42 +0700"), 1175024202);
    assert_int_equal(lb_sigv2_parse_date("Tuesday, 27-Mar-07 19:36:42 GMT"), 1175024202);
    assert_int_equal(lb_sigv2_parse_date(NULL), -1);
    assert_int_equal(lb_sigv2_parse_date(""), -1);
    assert_int_equal(lb_sigv2_parse_date("1175024202"), -1);
    assert_int_equal(lb_sigv2_parse_date("Tue, 27 Mar 2007 19:36:42"), -1);
    assert_int_equal(lb_sigv2_parse_date("Tue, 27 Mar 2007 19:36:42 +0000 junk"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_object_get),
        cmocka_unit_test(test_example_object_put),
        cmocka_unit_test(test_example_list),
        cmocka_unit_test(test_example_fetch_acl),
        cmocka_unit_test(test_example_upload_amz_headers),
        cmocka_unit_test(test_example_list_all_buckets),
        cmocka_unit_test(test_example_unicode_keys),
        cmocka_unit_test(test_example_query_string),
        cmocka_unit_test(test_amz_date_replaces_date),
        cmocka_unit_test(test_positional_headers),
        cmocka_unit_test(test_amz_headers_rules),
        cmocka_unit_test(test_query_auth_amz_params),
        cmocka_unit_test(test_subresources),
        cmocka_unit_test(test_subresources_all_listed),
        cmocka_unit_test(test_subresources_stable_and_bucket_root),
        cmocka_unit_test(test_bucket_resource),
        cmocka_unit_test(test_string_to_sign_errors),
        cmocka_unit_test(test_sign_rfc2202),
        cmocka_unit_test(test_parse_header_ok),
        cmocka_unit_test(test_parse_header_errors),
        cmocka_unit_test(test_parse_header_key_length),
        cmocka_unit_test(test_parse_query_errors),
        cmocka_unit_test(test_parse_query_plus_as_space),
        cmocka_unit_test(test_parse_date),
    };

    return cmocka_run_group_tests_name("sigv2", tests, NULL, NULL);
}
