/* Request-body XML and the x-amz-tagging header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "s3/xml_parse.h"

#define S(x) x, strlen(x)
#define NS " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""

/* ---------------------------------------------------------------- complete */

static int complete(const char *body, lb_complete_part **p, size_t *n)
{
    return lb_xml_parse_complete(S(body), p, n);
}

static void expect_complete_rc(const char *body, int want)
{
    lb_complete_part *p = (void *)1;
    size_t n = 99;
    int rc = complete(body, &p, &n);
    if (rc != want)
        fail_msg("rc %d want %d for %s", rc, want, body);
    assert_null(p);
    assert_int_equal(n, 0);
}

static void test_complete_ok(void **state)
{
    (void)state;
    lb_complete_part *p;
    size_t n;
    const char *body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<CompleteMultipartUpload" NS ">\n"
        "  <Part>\n"
        "    <ETag>\"a54357aff0632cce46d942af68356b38\"</ETag>\n"
        "    <PartNumber>1</PartNumber>\n"
        "  </Part>\n"
        "  <Part><PartNumber> 2 </PartNumber><ETag>&quot;0c78aef83f66abc1fa1e8477f296d394&quot;"
        "</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32>"
        "<ChecksumSHA256>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ChecksumSHA256>"
        "<Unknown>ignored</Unknown><Other><PartNumber>7</PartNumber></Other></Part>\n"
        "  <Part><PartNumber>10000</PartNumber><ETag>plain</ETag>"
        "<ChecksumCRC32C>x</ChecksumCRC32C><ChecksumCRC64NVME>y</ChecksumCRC64NVME>"
        "<ChecksumSHA1>z</ChecksumSHA1></Part>\n"
        "</CompleteMultipartUpload>";
    assert_int_equal(complete(body, &p, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(p[0].part_number, 1);
    assert_string_equal(p[0].etag, "a54357aff0632cce46d942af68356b38");
    for (int a = 0; a < LB_CK__COUNT; a++)
        assert_null(p[0].checksum[a]);
    assert_int_equal(p[1].part_number, 2);
    assert_string_equal(p[1].etag, "0c78aef83f66abc1fa1e8477f296d394");
    assert_string_equal(p[1].checksum[LB_CK_CRC32], "AAAAAA==");
    assert_string_equal(p[1].checksum[LB_CK_SHA256],
                        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    assert_null(p[1].checksum[LB_CK_CRC32C]);
    assert_null(p[1].checksum[LB_CK_NONE]);
    assert_int_equal(p[2].part_number, 10000);
    assert_string_equal(p[2].etag, "plain");
    assert_string_equal(p[2].checksum[LB_CK_CRC32C], "x");
    assert_string_equal(p[2].checksum[LB_CK_CRC64NVME], "y");
    assert_string_equal(p[2].checksum[LB_CK_SHA1], "z");
    lb_complete_parts_free(p, n);

    /* Without the namespace, and with a prefixed S3 namespace. */
    assert_int_equal(complete("<CompleteMultipartUpload><Part><PartNumber>3</PartNumber>"
                              "<ETag>e</ETag></Part></CompleteMultipartUpload>",
                              &p, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(p[0].part_number, 3);
    lb_complete_parts_free(p, n);
    assert_int_equal(complete("<s3:CompleteMultipartUpload xmlns:s3=\"http://s3.amazonaws.com/"
                              "doc/2006-03-01/\"><s3:Part><s3:PartNumber>3</s3:PartNumber>"
                              "<s3:ETag>e</s3:ETag></s3:Part></s3:CompleteMultipartUpload>",
                              &p, &n),
                     0);
    assert_int_equal(n, 1);
    lb_complete_parts_free(p, n);
}

static void test_complete_errors(void **state)
{
    (void)state;
    const int M = LB_E_MALFORMED_XML, A = LB_E_INVALID_ARGUMENT, O = LB_E_INVALID_PART_ORDER;
    struct {
        const char *body;
        int rc;
    } cases[] = {
        {"<CompleteMultipartUpload/>", M},
        {"<CompleteMultipartUpload></CompleteMultipartUpload>", M},
        {"<CompleteMultipartUpload><Parts/></CompleteMultipartUpload>", M},
        {"<Complete><Part><PartNumber>1</PartNumber><ETag>e</ETag></Part></Complete>", M},
        {"<CompleteMultipartUpload><Part><ETag>e</ETag></Part></CompleteMultipartUpload>", M},
        {"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>"
         "</CompleteMultipartUpload>",
         M},
        {"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag></Part>"
         "</CompleteMultipartUpload>",
         M},
        {"<CompleteMultipartUpload><Part><PartNumber></PartNumber><ETag>e</ETag></Part>"
         "</CompleteMultipartUpload>",
         M},
        {"<CompleteMultipartUpload><Part><PartNumber>1.0</PartNumber><ETag>e</ETag></Part>"
         "</CompleteMultipartUpload>",
         M},
        {"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><PartNumber>2</PartNumber>"
         "<ETag>e</ETag></Part></CompleteMultipartUpload>",
         M},
        {"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>e</ETag>"
         "<ETag>f</ETag></Part></CompleteMultipartUpload>",
         M},
        {"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>e</ETag>"
         "</Part>",
         M},
        {"<CompleteMultipartUpload xmlns=\"urn:other\"><Part><PartNumber>1</PartNumber>"
         "<ETag>e</ETag></Part></CompleteMultipartUpload>",
         M},
        {"not xml", M},
        {"", M},
        {"<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>e</ETag></Part>"
         "</CompleteMultipartUpload>",
         A},
        {"<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>e</ETag></Part>"
         "</CompleteMultipartUpload>",
         A},
        {"<CompleteMultipartUpload><Part><PartNumber>10001</PartNumber><ETag>e</ETag></Part>"
         "</CompleteMultipartUpload>",
         A},
        {"<CompleteMultipartUpload><Part><PartNumber>99999999999999999999999</PartNumber>"
         "<ETag>e</ETag></Part></CompleteMultipartUpload>",
         A},
        {"<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>e</ETag></Part>"
         "<Part><PartNumber>1</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>",
         O},
        {"<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>e</ETag></Part>"
         "<Part><PartNumber>2</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>",
         O},
        /* Document order decides which error is reported. */
        {"<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>e</ETag></Part>"
         "<Part><PartNumber>1</PartNumber><ETag>e</ETag></Part>"
         "<Part><PartNumber>0</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>",
         O},
        {"<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>e</ETag></Part>"
         "<Part><ETag>e</ETag></Part></CompleteMultipartUpload>",
         A},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_complete_rc(cases[i].body, cases[i].rc);
}

/* Parts at the limit: 10000 strictly ascending parts parse. */
static void test_complete_many(void **state)
{
    (void)state;
    lb_buf b = {0};
    lb_complete_part *p;
    size_t n;
    lb_buf_puts(&b, "<CompleteMultipartUpload>");
    for (int i = 1; i <= 10000; i++)
        lb_buf_printf(&b, "<Part><PartNumber>%d</PartNumber><ETag>\"%x\"</ETag></Part>", i, i);
    lb_buf_puts(&b, "</CompleteMultipartUpload>");
    assert_int_equal(lb_xml_parse_complete(b.data, b.len, &p, &n), 0);
    assert_int_equal(n, 10000);
    assert_int_equal(p[9999].part_number, 10000);
    assert_string_equal(p[9999].etag, "2710");
    lb_complete_parts_free(p, n);
    lb_buf_free(&b);
}

/* ---------------------------------------------------------------- hostile XML */

static void test_no_doctype_no_entities(void **state)
{
    (void)state;
    const char *bodies[] = {
        /* Billion laughs. */
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
        "<Delete><Object><Key>&lol3;</Key></Object></Delete>",
        /* External entity (XXE). */
        "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<Delete><Object><Key>&x;</Key></Object></Delete>",
        /* External DTD. */
        "<!DOCTYPE Delete SYSTEM \"http://127.0.0.1:1/x.dtd\">"
        "<Delete><Object><Key>k</Key></Object></Delete>",
        /* Even a harmless one. */
        "<!DOCTYPE Delete><Delete><Object><Key>k</Key></Object></Delete>",
        /* Undeclared entity. */
        "<Delete><Object><Key>&x;</Key></Object></Delete>",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        lb_delete_obj *o = (void *)1;
        size_t n = 9;
        bool q = true;
        assert_int_equal(lb_xml_parse_delete(S(bodies[i]), &o, &n, &q), LB_E_MALFORMED_XML);
        assert_null(o);
        assert_int_equal(n, 0);
    }
    /* A DOCTYPE in UTF-16 is caught too: no byte-level scan to slip past. */
    const char *ascii = "<!DOCTYPE Delete><Delete><Object><Key>k</Key></Object></Delete>";
    size_t al = strlen(ascii);
    char u16[256];
    u16[0] = (char)0xFF;
    u16[1] = (char)0xFE;
    for (size_t i = 0; i < al; i++) {
        u16[2 + 2 * i] = ascii[i];
        u16[3 + 2 * i] = 0;
    }
    lb_delete_obj *o;
    size_t n;
    bool q;
    assert_int_equal(lb_xml_parse_delete(u16, 2 + 2 * al, &o, &n, &q), LB_E_MALFORMED_XML);
    /* ...and the same document without the DOCTYPE parses. */
    const char *ok = "<Delete><Object><Key>k\xc3\xa9</Key></Object></Delete>";
    al = 0;
    u16[0] = (char)0xFF;
    u16[1] = (char)0xFE;
    for (const char *c = "<Delete><Object><Key>k&#xe9;</Key></Object></Delete>"; *c; c++) {
        u16[2 + 2 * al] = *c;
        u16[3 + 2 * al] = 0;
        al++;
    }
    assert_int_equal(lb_xml_parse_delete(u16, 2 + 2 * al, &o, &n, &q), 0);
    assert_int_equal(n, 1);
    assert_string_equal(o[0].key, "k\xc3\xa9");
    lb_delete_objs_free(o, n);
    assert_int_equal(lb_xml_parse_delete(S(ok), &o, &n, &q), 0);
    lb_delete_objs_free(o, n);
}

/* The length is the caller's: bytes past it are never read, and a body cut
 * short is malformed. */
static void test_length_bound(void **state)
{
    (void)state;
    const char *body = "<Delete><Object><Key>k</Key></Object></Delete>trailing junk";
    size_t full = strlen("<Delete><Object><Key>k</Key></Object></Delete>");
    lb_delete_obj *o;
    size_t n;
    bool q;
    assert_int_equal(lb_xml_parse_delete(body, full, &o, &n, &q), 0);
    lb_delete_objs_free(o, n);
    assert_int_equal(lb_xml_parse_delete(body, full - 1, &o, &n, &q), LB_E_MALFORMED_XML);
    assert_int_equal(lb_xml_parse_delete(body, strlen(body), &o, &n, &q), LB_E_MALFORMED_XML);
    /* Not NUL-terminated at len. */
    char *copy = malloc(full);
    memcpy(copy, body, full);
    assert_int_equal(lb_xml_parse_delete(copy, full, &o, &n, &q), 0);
    lb_delete_objs_free(o, n);
    free(copy);
    assert_int_equal(lb_xml_parse_delete(NULL, 0, &o, &n, &q), LB_E_MALFORMED_XML);
}

/* ---------------------------------------------------------------- delete */

static void test_delete(void **state)
{
    (void)state;
    lb_delete_obj *o;
    size_t n;
    bool q;
    const char *body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                       "<Delete" NS "><Quiet>true</Quiet>"
                       "<Object><Key>sample1.txt</Key></Object>"
                       "<Object><Key> spaced key </Key><VersionId>null</VersionId></Object>"
                       "<Object><Key>a&amp;b&lt;c</Key><VersionId></VersionId>"
                       "<ETag>ignored</ETag></Object>"
                       "</Delete>";
    assert_int_equal(lb_xml_parse_delete(S(body), &o, &n, &q), 0);
    assert_true(q);
    assert_int_equal(n, 3);
    assert_string_equal(o[0].key, "sample1.txt");
    assert_null(o[0].version_id);
    assert_string_equal(o[1].key, " spaced key ");
    assert_string_equal(o[1].version_id, "null");
    assert_string_equal(o[2].key, "a&b<c");
    assert_string_equal(o[2].version_id, "");
    lb_delete_objs_free(o, n);

    assert_int_equal(lb_xml_parse_delete(S("<Delete><Object><Key>k</Key></Object>"
                                           "<Quiet> FALSE </Quiet></Delete>"),
                                         &o, &n, &q),
                     0);
    assert_false(q);
    lb_delete_objs_free(o, n);
    assert_int_equal(
        lb_xml_parse_delete(S("<Delete><Object><Key>k</Key></Object></Delete>"), &o, &n, &q), 0);
    assert_false(q);
    lb_delete_objs_free(o, n);

    const char *bad[] = {
        "<Delete/>",
        "<Delete><Quiet>true</Quiet></Delete>",
        "<Delete><Object/></Delete>",
        "<Delete><Object><Key></Key></Object></Delete>",
        "<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>",
        "<Delete><Object><Key>a</Key><VersionId>1</VersionId><VersionId>2</VersionId>"
        "</Object></Delete>",
        "<Delete><Quiet>yes</Quiet><Object><Key>k</Key></Object></Delete>",
        "<Delete><Quiet>true</Quiet><Quiet>true</Quiet><Object><Key>k</Key></Object></Delete>",
        "<Objects><Object><Key>k</Key></Object></Objects>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        q = true;
        assert_int_equal(lb_xml_parse_delete(S(bad[i]), &o, &n, &q), LB_E_MALFORMED_XML);
        assert_false(q);
    }
}

static void test_delete_limit(void **state)
{
    (void)state;
    lb_buf b = {0};
    lb_delete_obj *o;
    size_t n;
    bool q;
    lb_buf_puts(&b, "<Delete>");
    for (int i = 0; i < 1000; i++)
        lb_buf_printf(&b, "<Object><Key>k%d</Key></Object>", i);
    lb_buf_puts(&b, "</Delete>");
    assert_int_equal(lb_xml_parse_delete(b.data, b.len, &o, &n, &q), 0);
    assert_int_equal(n, 1000);
    assert_string_equal(o[999].key, "k999");
    lb_delete_objs_free(o, n);
    lb_buf_reset(&b);
    lb_buf_puts(&b, "<Delete>");
    for (int i = 0; i < 1001; i++)
        lb_buf_printf(&b, "<Object><Key>k%d</Key></Object>", i);
    lb_buf_puts(&b, "</Delete>");
    assert_int_equal(lb_xml_parse_delete(b.data, b.len, &o, &n, &q), LB_E_MALFORMED_XML);
    lb_buf_free(&b);
}

/* ---------------------------------------------------------------- tagging */

static void test_tagging(void **state)
{
    (void)state;
    lb_tag *t;
    size_t n;
    const char *body = "<Tagging" NS "><TagSet>"
                       "<Tag><Key>project</Key><Value>lifeboat</Value></Tag>"
                       "<Tag><Key>empty</Key><Value></Value></Tag>"
                       "<Tag><Key>sp ace</Key><Value> v </Value></Tag>"
                       "</TagSet></Tagging>";
    assert_int_equal(lb_xml_parse_tagging(S(body), 10, &t, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(t[0].key, "project");
    assert_string_equal(t[0].value, "lifeboat");
    assert_string_equal(t[1].key, "empty");
    assert_string_equal(t[1].value, "");
    assert_string_equal(t[2].key, "sp ace");
    assert_string_equal(t[2].value, " v ");
    lb_tags_free(t, n);

    /* An empty TagSet is how a client asks for no tags. */
    assert_int_equal(lb_xml_parse_tagging(S("<Tagging><TagSet/></Tagging>"), 10, &t, &n), 0);
    assert_int_equal(n, 0);
    lb_tags_free(t, n);

    const int M = LB_E_MALFORMED_XML, T = LB_E_INVALID_TAG;
    struct {
        const char *body;
        int rc;
    } cases[] = {
        {"<Tagging/>", M},
        {"<Tagging><TagSet/><TagSet/></Tagging>", M},
        {"<TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet>", M},
        {"<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>", M},
        {"<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>", M},
        {"<Tagging><TagSet><Tag><Key>k</Key><Key>k</Key><Value>v</Value></Tag></TagSet>"
         "</Tagging>",
         M},
        {"<Tagging><TagSet><Tag><Key></Key><Value>v</Value></Tag></TagSet></Tagging>", T},
        {"<Tagging><TagSet><Tag><Key>k</Key><Value>1</Value></Tag>"
         "<Tag><Key>k</Key><Value>2</Value></Tag></TagSet></Tagging>",
         T},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t = (void *)1;
        assert_int_equal(lb_xml_parse_tagging(S(cases[i].body), 10, &t, &n), cases[i].rc);
        assert_null(t);
        assert_int_equal(n, 0);
    }
}

/* Builds a Tagging body with `count` tags, the first with the given key and
 * value. */
static void tagging_body(lb_buf *b, int count, const char *k0, const char *v0)
{
    lb_buf_reset(b);
    lb_buf_puts(b, "<Tagging><TagSet>");
    for (int i = 0; i < count; i++) {
        if (i == 0)
            lb_buf_printf(b, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", k0, v0);
        else
            lb_buf_printf(b, "<Tag><Key>k%d</Key><Value>v</Value></Tag>", i);
    }
    lb_buf_puts(b, "</TagSet></Tagging>");
}

static char *repeat(const char *unit, int times)
{
    lb_buf b = {0};
    lb_buf_puts(&b, "");
    for (int i = 0; i < times; i++)
        lb_buf_puts(&b, unit);
    return lb_buf_steal(&b);
}

static void test_tag_limits(void **state)
{
    (void)state;
    lb_buf b = {0};
    lb_tag *t;
    size_t n;
    /* Lengths are in characters: 128 three-byte characters are fine. */
    char *k128 = repeat("\xe6\x97\xa5", 128), *k129 = repeat("k", 129);
    char *v256 = repeat("\xc3\xa9", 256), *v257 = repeat("v", 257);

    tagging_body(&b, 1, k128, v256);
    assert_int_equal(lb_xml_parse_tagging(b.data, b.len, 10, &t, &n), 0);
    assert_int_equal(strlen(t[0].key), 384);
    lb_tags_free(t, n);
    tagging_body(&b, 1, k129, "v");
    assert_int_equal(lb_xml_parse_tagging(b.data, b.len, 10, &t, &n), LB_E_INVALID_TAG);
    tagging_body(&b, 1, "k", v257);
    assert_int_equal(lb_xml_parse_tagging(b.data, b.len, 10, &t, &n), LB_E_INVALID_TAG);

    tagging_body(&b, 10, "k", "v");
    assert_int_equal(lb_xml_parse_tagging(b.data, b.len, 10, &t, &n), 0);
    assert_int_equal(n, 10);
    lb_tags_free(t, n);
    tagging_body(&b, 11, "k", "v");
    assert_int_equal(lb_xml_parse_tagging(b.data, b.len, 10, &t, &n), LB_E_INVALID_TAG);
    assert_int_equal(lb_xml_parse_tagging(b.data, b.len, 50, &t, &n), 0);
    lb_tags_free(t, n);
    tagging_body(&b, 1, "k", "v");
    assert_int_equal(lb_xml_parse_tagging(b.data, b.len, 0, &t, &n), LB_E_INVALID_TAG);

    free(k128);
    free(k129);
    free(v256);
    free(v257);
    lb_buf_free(&b);
}

static void test_tags_query(void **state)
{
    (void)state;
    lb_tag *t;
    size_t n;
    assert_int_equal(lb_tags_parse_query("a=1&b=two%20words&c=x+y&d=&e&f=%3D%26", 10, &t, &n), 0);
    assert_int_equal(n, 6);
    assert_string_equal(t[0].key, "a");
    assert_string_equal(t[0].value, "1");
    assert_string_equal(t[1].value, "two words");
    assert_string_equal(t[2].value, "x y");
    assert_string_equal(t[3].key, "d");
    assert_string_equal(t[3].value, "");
    assert_string_equal(t[4].key, "e");
    assert_string_equal(t[4].value, "");
    assert_string_equal(t[5].value, "=&");
    lb_tags_free(t, n);

    assert_int_equal(lb_tags_parse_query("", 10, &t, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(lb_tags_parse_query(NULL, 10, &t, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(lb_tags_parse_query("&a=1&&b=2&", 10, &t, &n), 0);
    assert_int_equal(n, 2);
    lb_tags_free(t, n);
    /* '=' inside the value after the first one belongs to the value. */
    assert_int_equal(lb_tags_parse_query("k=a=b", 10, &t, &n), 0);
    assert_string_equal(t[0].value, "a=b");
    lb_tags_free(t, n);

    const char *bad[] = {
        "=v",    "a=1&a=2",     "a=%zz",
        "a=%4",  "a%00=1",      "a=%ff",
        "a=%c3", "%ed%a0%80=1", "k=1&k2=2&k3=3&k4=4&k5=5&k6=6&k7=7&k8=8&k9=9&k10=10&k11=11"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = (void *)1;
        if (lb_tags_parse_query(bad[i], 10, &t, &n) != LB_E_INVALID_TAG)
            fail_msg("accepted %s", bad[i]);
        assert_null(t);
        assert_int_equal(n, 0);
    }
    char *long_key = repeat("k", 129);
    assert_int_equal(lb_tags_parse_query(long_key, 10, &t, &n), LB_E_INVALID_TAG);
    free(long_key);
}

static void test_tags_roundtrip(void **state)
{
    (void)state;
    lb_tag in[] = {{"plain", "value"},
                   {"with space", "a+b=c&d/e"},
                   {"\xe6\x97\xa5\xe6\x9c\xac", "%20"},
                   {"empty", ""}};
    lb_buf b = {0};
    lb_tag *t;
    size_t n;
    lb_tags_to_query(in, 4, &b);
    assert_string_equal(b.data, "plain=value&with%20space=a%2Bb%3Dc%26d%2Fe&"
                                "%E6%97%A5%E6%9C%AC=%2520&empty=");
    assert_int_equal(lb_tags_parse_query(b.data, 10, &t, &n), 0);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(t[i].key, in[i].key);
        assert_string_equal(t[i].value, in[i].value);
    }
    lb_tags_free(t, n);
    lb_buf_reset(&b);
    lb_tags_to_query(NULL, 0, &b);
    assert_int_equal(b.len, 0);
    lb_buf_free(&b);
}

/* ---------------------------------------------------------------- create bucket */

static void test_create_bucket(void **state)
{
    (void)state;
    char *loc = (char *)1;
    assert_int_equal(lb_xml_parse_create_bucket(NULL, 0, &loc), 0);
    assert_null(loc);
    assert_int_equal(lb_xml_parse_create_bucket(S(""), &loc), 0);
    assert_null(loc);
    assert_int_equal(lb_xml_parse_create_bucket(S(" \r\n\t "), &loc), 0);
    assert_null(loc);
    assert_int_equal(
        lb_xml_parse_create_bucket(S("<CreateBucketConfiguration" NS "><LocationConstraint>"
                                     "eu-west-1</LocationConstraint></CreateBucketConfiguration>"),
                                   &loc),
        0);
    assert_string_equal(loc, "eu-west-1");
    free(loc);
    assert_int_equal(
        lb_xml_parse_create_bucket(S("\n<CreateBucketConfiguration><LocationConstraint> us-west-2 "
                                     "</LocationConstraint><Bucket><Type>x</Type></Bucket>"
                                     "</CreateBucketConfiguration>\n"),
                                   &loc),
        0);
    assert_string_equal(loc, "us-west-2");
    free(loc);
    assert_int_equal(lb_xml_parse_create_bucket(S("<CreateBucketConfiguration><LocationConstraint/>"
                                                  "</CreateBucketConfiguration>"),
                                                &loc),
                     0);
    assert_null(loc);
    assert_int_equal(lb_xml_parse_create_bucket(S("<CreateBucketConfiguration/>"), &loc), 0);
    assert_null(loc);

    const char *bad[] = {
        "junk",
        "<LocationConstraint>x</LocationConstraint>",
        "<CreateBucketConfiguration><LocationConstraint>a</LocationConstraint>"
        "<LocationConstraint>b</LocationConstraint></CreateBucketConfiguration>",
        "<CreateBucketConfiguration>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        loc = (char *)1;
        assert_int_equal(lb_xml_parse_create_bucket(S(bad[i]), &loc), LB_E_MALFORMED_XML);
        assert_null(loc);
    }
}

static void test_public_access_block(void **state)
{
    (void)state;
    lb_public_access_block c;
    assert_int_equal(
        lb_xml_parse_public_access_block(
            S("<PublicAccessBlockConfiguration" NS "><BlockPublicAcls>true</BlockPublicAcls>"
              "<IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy> 1 </BlockPublicPolicy>"
              "<RestrictPublicBuckets>TRUE</RestrictPublicBuckets><Other>x</Other>"
              "</PublicAccessBlockConfiguration>"),
            &c),
        0);
    assert_true(c.block_public_acls);
    assert_false(c.ignore_public_acls);
    assert_true(c.block_public_policy);
    assert_true(c.restrict_public_buckets);
    /* Absent fields are false, as in S3. */
    assert_int_equal(lb_xml_parse_public_access_block(
                         S("<PublicAccessBlockConfiguration><RestrictPublicBuckets>1"
                           "</RestrictPublicBuckets></PublicAccessBlockConfiguration>"),
                         &c),
                     0);
    assert_false(c.block_public_acls);
    assert_false(c.block_public_policy);
    assert_true(c.restrict_public_buckets);
    assert_int_equal(lb_xml_parse_public_access_block(S("<PublicAccessBlockConfiguration/>"), &c),
                     0);
    assert_false(c.restrict_public_buckets);
    static const char *const bad[] = {
        "",
        "not xml",
        "<Tagging/>",
        "<PublicAccessBlockConfiguration><BlockPublicPolicy>yes</BlockPublicPolicy>"
        "</PublicAccessBlockConfiguration>",
        "<PublicAccessBlockConfiguration><BlockPublicPolicy>true</BlockPublicPolicy>"
        "<BlockPublicPolicy>false</BlockPublicPolicy></PublicAccessBlockConfiguration>",
        "<!DOCTYPE x [<!ENTITY e \"true\">]><PublicAccessBlockConfiguration>"
        "<BlockPublicPolicy>&e;</BlockPublicPolicy></PublicAccessBlockConfiguration>",
        "<PublicAccessBlockConfiguration>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c.block_public_policy = true;
        assert_int_equal(lb_xml_parse_public_access_block(S(bad[i]), &c), LB_E_MALFORMED_XML);
        assert_false(c.block_public_policy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_ok),         cmocka_unit_test(test_complete_errors),
        cmocka_unit_test(test_complete_many),       cmocka_unit_test(test_no_doctype_no_entities),
        cmocka_unit_test(test_length_bound),        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_delete_limit),        cmocka_unit_test(test_tagging),
        cmocka_unit_test(test_tag_limits),          cmocka_unit_test(test_tags_query),
        cmocka_unit_test(test_tags_roundtrip),      cmocka_unit_test(test_create_bucket),
        cmocka_unit_test(test_public_access_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
