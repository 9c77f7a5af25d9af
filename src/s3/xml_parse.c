/* S3 request-body XML: CompleteMultipartUpload, Delete, Tagging and
 * CreateBucketConfiguration, plus the x-amz-tagging header form.
 *
 * Bodies come straight from the network, so the parser is configured for
 * hostility: a DOCTYPE stops the parse the moment libxml2 sees it (before any
 * internal subset is read, whatever the document's encoding), which leaves no
 * way to declare an entity, so nothing can expand or be fetched; NONET
 * forbids the network on top of that; entity substitution (NOENT) stays off. */
#include "s3/xml_parse.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- parsing */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2 wants its globals set up once before threads use it. */
static void xml_init(void)
{
    xmlInitParser();
}

/* SAX internalSubset hook: called as soon as "<!DOCTYPE name ..." is read,
 * before the internal subset, so entity declarations are never parsed. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                           const xmlChar *sys_id)
{
    (void)name;
    (void)ext_id;
    (void)sys_id;
    xmlParserCtxtPtr ctxt = ctx;
    *(bool *)ctxt->_private = true;
    xmlStopParser(ctxt);
}

static bool is_s3_ns(const xmlNode *n)
{
    return n->ns == NULL || (n->ns->href && xmlStrEqual(n->ns->href, BAD_CAST LB_XML_S3_NS));
}

/* An element called name, unqualified or in the S3 namespace; elements of
 * other namespaces are foreign and ignored like unknown ones. */
static bool is_el(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name) && is_s3_ns(n);
}

/* Some libxml2 errors (encoding conversion ones among them) are raised
 * without the parser context and so ignore XML_PARSE_NOERROR; they would
 * land on stderr, where any client could write at will. */
static void drop_error(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    (void)err;
}

/* Parses body and checks the root element's name.  On success *doc must be
 * freed with xmlFreeDoc. */
static int xml_open(const char *body, size_t len, const char *root_name, xmlDoc **doc,
                    xmlNode **root)
{
    int rc = LB_E_MALFORMED_XML;
    xmlParserCtxtPtr ctxt = NULL;
    bool doctype = false;
    /* Per-thread in libxml2: saved and put back so a caller's handler
     * survives. */
    xmlStructuredErrorFunc saved_fn = xmlStructuredError;
    void *saved_ctx = xmlStructuredErrorContext;

    *doc = NULL;
    *root = NULL;
    pthread_once(&xml_once, xml_init);
    /* libxml2 takes an int length; the HTTP layer bounds bodies far below. */
    if (body == NULL || len == 0 || len > INT_MAX)
        goto out;
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        rc = LB_E_INTERNAL;
        goto out;
    }
    ctxt->sax->internalSubset = refuse_doctype;
    ctxt->_private = &doctype;
    xmlSetStructuredErrorFunc(NULL, drop_error);
    *doc = xmlCtxtReadMemory(ctxt, body, (int)len, NULL, NULL,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlSetStructuredErrorFunc(saved_ctx, saved_fn);
    if (*doc == NULL || doctype || !ctxt->wellFormed || (*doc)->intSubset || (*doc)->extSubset)
        goto out;
    *root = xmlDocGetRootElement(*doc);
    if (*root == NULL || !is_el(*root, root_name))
        goto out;
    rc = 0;
out:
    if (rc) {
        xmlFreeDoc(*doc);
        *doc = NULL;
        *root = NULL;
    }
    if (ctxt)
        xmlFreeParserCtxt(ctxt);
    return rc;
}

/* The element's text content as a heap string the caller frees. */
static int node_text(const xmlNode *n, char **out)
{
    xmlChar *c = xmlNodeGetContent(n);
    if (c == NULL)
        return LB_E_INTERNAL;
    *out = lb_xstrdup((const char *)c);
    xmlFree(c);
    return 0;
}

static bool is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trims XML whitespace in place. */
static void trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n > 0 && is_xml_space(s[n - 1]))
        n--;
    while (i < n && is_xml_space(s[i]))
        i++;
    memmove(s, s + i, n - i);
    s[n - i] = 0;
}

/* Reads a singular child element's text into *dst, refusing a second copy:
 * which of two PartNumbers would be meant is anybody's guess. */
static int take_once(const xmlNode *n, char **dst)
{
    if (*dst)
        return LB_E_MALFORMED_XML;
    return node_text(n, dst);
}

/* ---------------------------------------------------------------- complete */

static const char *const cksum_elems[LB_CK__COUNT] = {
    [LB_CK_CRC32] = "ChecksumCRC32",         [LB_CK_CRC32C] = "ChecksumCRC32C",
    [LB_CK_CRC64NVME] = "ChecksumCRC64NVME", [LB_CK_SHA1] = "ChecksumSHA1",
    [LB_CK_SHA256] = "ChecksumSHA256",
};

/* PartNumber text: an optionally signed decimal integer, else malformed;
 * outside 1..10000 (including values too big for any integer) is an invalid
 * argument, which S3 reports differently from bad XML. */
static int parse_part_number(const char *s, int *out)
{
    bool neg = false;
    uint64_t v = 0;

    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (*s == 0)
        return LB_E_MALFORMED_XML;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return LB_E_MALFORMED_XML;
        if (v <= LB_MAX_PART_NUMBER)
            v = v * 10 + (uint64_t)(*s - '0');
    }
    if (neg || v < 1 || v > LB_MAX_PART_NUMBER)
        return LB_E_INVALID_ARGUMENT;
    *out = (int)v;
    return 0;
}

static void strip_quotes(char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        memmove(s, s + 1, n - 2);
        s[n - 2] = 0;
    }
}

static int parse_part(const xmlNode *p, lb_complete_part *cp)
{
    int rc = 0;
    char *num = NULL;

    for (const xmlNode *c = p->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_el(c, "PartNumber")) {
            rc = take_once(c, &num);
        } else if (is_el(c, "ETag")) {
            rc = take_once(c, &cp->etag);
        } else {
            for (int a = LB_CK_NONE + 1; a < LB_CK__COUNT; a++) {
                if (is_el(c, cksum_elems[a])) {
                    rc = take_once(c, &cp->checksum[a]);
                    if (rc == 0)
                        trim(cp->checksum[a]);
                    break;
                }
            }
        }
        if (rc)
            goto out;
    }
    if (num == NULL || cp->etag == NULL) {
        rc = LB_E_MALFORMED_XML;
        goto out;
    }
    trim(num);
    rc = parse_part_number(num, &cp->part_number);
    if (rc)
        goto out;
    trim(cp->etag);
    strip_quotes(cp->etag);
out:
    free(num);
    return rc;
}

int lb_xml_parse_complete(const char *body, size_t len, lb_complete_part **parts, size_t *nparts)
{
    int rc;
    xmlDoc *doc = NULL;
    xmlNode *root;
    lb_complete_part *v = NULL;
    size_t n = 0, cap = 0;

    *parts = NULL;
    *nparts = 0;
    rc = xml_open(body, len, "CompleteMultipartUpload", &doc, &root);
    if (rc)
        goto out;
    for (const xmlNode *p = root->children; p; p = p->next) {
        if (!is_el(p, "Part"))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = lb_xrealloc(v, cap * sizeof(*v));
        }
        memset(&v[n], 0, sizeof(v[n]));
        n++;
        rc = parse_part(p, &v[n - 1]);
        if (rc)
            goto out;
        /* Strictly ascending also bounds the count at 10000. */
        if (n > 1 && v[n - 1].part_number <= v[n - 2].part_number) {
            rc = LB_E_INVALID_PART_ORDER;
            goto out;
        }
    }
    if (n == 0) {
        rc = LB_E_MALFORMED_XML;
        goto out;
    }
    *parts = v;
    *nparts = n;
    v = NULL;
out:
    lb_complete_parts_free(v, n);
    xmlFreeDoc(doc);
    return rc;
}

void lb_complete_parts_free(lb_complete_part *parts, size_t n)
{
    if (parts == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(parts[i].etag);
        for (int a = 0; a < LB_CK__COUNT; a++)
            free(parts[i].checksum[a]);
    }
    free(parts);
}

/* ---------------------------------------------------------------- delete */

static int parse_delete_obj(const xmlNode *o, lb_delete_obj *d)
{
    int rc = 0;

    for (const xmlNode *c = o->children; c; c = c->next) {
        if (is_el(c, "Key"))
            rc = take_once(c, &d->key);
        else if (is_el(c, "VersionId"))
            rc = take_once(c, &d->version_id);
        if (rc)
            return rc;
    }
    /* Keys are taken verbatim: leading and trailing spaces are legal in S3
     * keys.  An empty one can name no object. */
    if (d->key == NULL || d->key[0] == 0)
        return LB_E_MALFORMED_XML;
    return 0;
}

static int parse_bool(char *s, bool *out)
{
    trim(s);
    if (lb_str_eq_nocase(s, "true") || strcmp(s, "1") == 0)
        *out = true;
    else if (lb_str_eq_nocase(s, "false") || strcmp(s, "0") == 0)
        *out = false;
    else
        return LB_E_MALFORMED_XML;
    return 0;
}

int lb_xml_parse_delete(const char *body, size_t len, lb_delete_obj **objs, size_t *nobjs,
                        bool *quiet)
{
    int rc;
    xmlDoc *doc = NULL;
    xmlNode *root;
    lb_delete_obj *v = NULL;
    size_t n = 0, cap = 0;
    char *q = NULL;

    *objs = NULL;
    *nobjs = 0;
    *quiet = false;
    rc = xml_open(body, len, "Delete", &doc, &root);
    if (rc)
        goto out;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (is_el(c, "Quiet")) {
            rc = take_once(c, &q);
        } else if (is_el(c, "Object")) {
            if (n == LB_MAX_DELETE_OBJECTS) {
                rc = LB_E_MALFORMED_XML;
                goto out;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                v = lb_xrealloc(v, cap * sizeof(*v));
            }
            memset(&v[n], 0, sizeof(v[n]));
            n++;
            rc = parse_delete_obj(c, &v[n - 1]);
        }
        if (rc)
            goto out;
    }
    if (n == 0) {
        rc = LB_E_MALFORMED_XML;
        goto out;
    }
    if (q) {
        rc = parse_bool(q, quiet);
        if (rc)
            goto out;
    }
    *objs = v;
    *nobjs = n;
    v = NULL;
out:
    if (rc)
        *quiet = false;
    free(q);
    lb_delete_objs_free(v, n);
    xmlFreeDoc(doc);
    return rc;
}

void lb_delete_objs_free(lb_delete_obj *o, size_t n)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(o[i].key);
        free(o[i].version_id);
    }
    free(o);
}

/* ---------------------------------------------------------------- tagging */

/* Number of characters in s if it is valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), else -1.  S3's limits are in
 * characters, not bytes. */
static ssize_t utf8_chars(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    ssize_t count = 0;

    while (*s) {
        unsigned c = *s;
        int extra;
        uint32_t cp, min;
        if (c < 0x80) {
            s++;
            count++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return -1;
        }
        s++;
        for (int i = 0; i < extra; i++, s++) {
            if ((*s & 0xC0) != 0x80) /* also catches the terminating NUL */
                return -1;
            cp = cp << 6 | (*s & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        count++;
    }
    return count;
}

/* The tag rules shared by the XML body and the header: sizes in characters,
 * unique keys, at most max_tags.  Takes ownership of key and value. */
static int tag_add(lb_tag **v, size_t *n, size_t *cap, size_t max_tags, char *key, char *value)
{
    int rc = LB_E_INVALID_TAG;
    ssize_t kc = utf8_chars(key), vc = utf8_chars(value);

    if (*n >= max_tags || kc < 1 || kc > LB_TAG_KEY_MAX || vc < 0 || vc > LB_TAG_VALUE_MAX)
        goto out;
    /* n <= max_tags, and S3 allows 10 (objects) or 50 (buckets): quadratic
     * is cheaper than hashing here. */
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].key, key) == 0)
            goto out;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = lb_xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[*n].key = key;
    (*v)[*n].value = value;
    (*n)++;
    key = value = NULL;
    rc = 0;
out:
    free(key);
    free(value);
    return rc;
}

static int parse_tag(const xmlNode *t, char **key, char **value)
{
    int rc = 0;

    for (const xmlNode *c = t->children; c; c = c->next) {
        if (is_el(c, "Key"))
            rc = take_once(c, key);
        else if (is_el(c, "Value"))
            rc = take_once(c, value);
        if (rc)
            return rc;
    }
    if (*key == NULL || *value == NULL)
        return LB_E_MALFORMED_XML;
    return 0;
}

int lb_xml_parse_tagging(const char *body, size_t len, size_t max_tags, lb_tag **tags,
                         size_t *ntags)
{
    int rc;
    xmlDoc *doc = NULL;
    xmlNode *root;
    const xmlNode *set = NULL;
    lb_tag *v = NULL;
    size_t n = 0, cap = 0;

    *tags = NULL;
    *ntags = 0;
    rc = xml_open(body, len, "Tagging", &doc, &root);
    if (rc)
        goto out;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (!is_el(c, "TagSet"))
            continue;
        if (set) {
            rc = LB_E_MALFORMED_XML;
            goto out;
        }
        set = c;
    }
    if (set == NULL) {
        rc = LB_E_MALFORMED_XML;
        goto out;
    }
    for (const xmlNode *t = set->children; t; t = t->next) {
        char *key = NULL, *value = NULL;
        if (!is_el(t, "Tag"))
            continue;
        rc = parse_tag(t, &key, &value);
        if (rc) {
            free(key);
            free(value);
            goto out;
        }
        rc = tag_add(&v, &n, &cap, max_tags, key, value);
        if (rc)
            goto out;
    }
    *tags = v;
    *ntags = n;
    v = NULL;
out:
    lb_tags_free(v, n);
    xmlFreeDoc(doc);
    return rc;
}

/* Decodes one side of a k=v pair into a fresh string. */
static int query_decode(const char *s, size_t len, char **out)
{
    char *d = lb_xmalloc(len + 1);
    if (lb_uri_decode(s, len, d, true) < 0) {
        free(d);
        return LB_E_INVALID_TAG;
    }
    *out = d;
    return 0;
}

int lb_tags_parse_query(const char *s, size_t max_tags, lb_tag **tags, size_t *ntags)
{
    int rc = 0;
    lb_tag *v = NULL;
    size_t n = 0, cap = 0;

    *tags = NULL;
    *ntags = 0;
    if (s == NULL)
        goto out;
    while (*s) {
        const char *amp = strchr(s, '&');
        size_t seg = amp ? (size_t)(amp - s) : strlen(s);
        const char *eq = memchr(s, '=', seg);
        size_t klen = eq ? (size_t)(eq - s) : seg;
        char *key = NULL, *value = NULL;

        if (seg > 0) {
            rc = query_decode(s, klen, &key);
            if (rc == 0 && eq)
                rc = query_decode(eq + 1, seg - klen - 1, &value);
            else if (rc == 0)
                value = lb_xstrdup("");
            if (rc) {
                free(key);
                goto out;
            }
            rc = tag_add(&v, &n, &cap, max_tags, key, value);
            if (rc)
                goto out;
        }
        s += seg;
        if (*s == '&')
            s++;
    }
    *tags = v;
    *ntags = n;
    v = NULL;
out:
    lb_tags_free(v, n);
    return rc;
}

void lb_tags_free(lb_tag *t, size_t n)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(t[i].key);
        free(t[i].value);
    }
    free(t);
}

void lb_tags_to_query(const lb_tag *t, size_t n, lb_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            lb_buf_putc(out, '&');
        lb_uri_encode(out, t[i].key, strlen(t[i].key), true);
        lb_buf_putc(out, '=');
        lb_uri_encode(out, t[i].value, strlen(t[i].value), true);
    }
}

/* ---------------------------------------------------------------- create bucket */

int lb_xml_parse_create_bucket(const char *body, size_t len, char **location)
{
    int rc = 0;
    xmlDoc *doc = NULL;
    xmlNode *root;
    char *loc = NULL;
    size_t i = 0;

    *location = NULL;
    /* Most clients send no body at all to mean the default region. */
    while (body && i < len && is_xml_space(body[i]))
        i++;
    if (body == NULL || i == len)
        goto out;
    rc = xml_open(body, len, "CreateBucketConfiguration", &doc, &root);
    if (rc)
        goto out;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (is_el(c, "LocationConstraint")) {
            rc = take_once(c, &loc);
            if (rc)
                goto out;
        }
    }
    if (loc) {
        trim(loc);
        if (loc[0] == 0) {
            free(loc);
            loc = NULL;
        }
    }
    *location = loc;
    loc = NULL;
out:
    free(loc);
    xmlFreeDoc(doc);
    return rc;
}

/* ---------------------------------------------------------------- public access block */

int lb_xml_parse_public_access_block(const char *body, size_t len, lb_public_access_block *out)
{
    static const char *const names[4] = {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                         "RestrictPublicBuckets"};
    char *text[4] = {NULL, NULL, NULL, NULL};
    bool val[4] = {false, false, false, false};
    xmlDoc *doc = NULL;
    xmlNode *root;

    memset(out, 0, sizeof *out);
    int rc = xml_open(body, len, "PublicAccessBlockConfiguration", &doc, &root);
    if (rc)
        goto out;
    for (const xmlNode *c = root->children; c; c = c->next) {
        for (int i = 0; i < 4; i++) {
            if (is_el(c, names[i])) {
                rc = take_once(c, &text[i]);
                if (rc)
                    goto out;
            }
        }
    }
    for (int i = 0; i < 4; i++) {
        if (text[i] && (rc = parse_bool(text[i], &val[i])) != 0)
            goto out;
    }
    out->block_public_acls = val[0];
    out->ignore_public_acls = val[1];
    out->block_public_policy = val[2];
    out->restrict_public_buckets = val[3];
out:
    for (int i = 0; i < 4; i++)
        free(text[i]);
    xmlFreeDoc(doc);
    return rc;
}
