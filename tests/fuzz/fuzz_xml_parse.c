/* libFuzzer target for the request-body parsers and the header parsers that
 * sit next to them: every S3 XML body, x-amz-tagging and both range forms.
 * One input feeds them all; the first byte picks a size for the range
 * parsers so unsatisfiable and clamped ranges are reached as well. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3/range.h"
#include "s3/xml_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;

    /* The parsers must honour len and never read data[size]. */
    {
        lb_complete_part *p;
        size_t n;
        if (lb_xml_parse_complete(body, size, &p, &n) == 0) {
            for (size_t i = 0; i < n; i++)
                if (p[i].part_number < 1 || p[i].part_number > 10000 ||
                    (i > 0 && p[i].part_number <= p[i - 1].part_number))
                    abort();
            lb_complete_parts_free(p, n);
        }
    }
    {
        lb_delete_obj *o;
        size_t n;
        bool quiet;
        if (lb_xml_parse_delete(body, size, &o, &n, &quiet) == 0) {
            if (n < 1 || n > 1000)
                abort();
            lb_delete_objs_free(o, n);
        }
    }
    {
        lb_tag *t, *t2;
        size_t n, n2;
        if (lb_xml_parse_tagging(body, size, 10, &t, &n) == 0) {
            /* What was accepted must survive the header round trip. */
            lb_buf q = {0};
            lb_tags_to_query(t, n, &q);
            if (lb_tags_parse_query(q.data ? q.data : "", 10, &t2, &n2) != 0 || n2 != n)
                abort();
            for (size_t i = 0; i < n; i++)
                if (strcmp(t[i].key, t2[i].key) || strcmp(t[i].value, t2[i].value))
                    abort();
            lb_tags_free(t2, n2);
            lb_buf_free(&q);
            lb_tags_free(t, n);
        }
    }
    {
        char *loc;
        if (lb_xml_parse_create_bucket(body, size, &loc) == 0)
            free(loc);
    }
    {
        lb_public_access_block c;
        (void)lb_xml_parse_public_access_block(body, size, &c);
    }

    /* The header parsers take C strings. */
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    {
        lb_tag *t;
        size_t n;
        if (lb_tags_parse_query(s, 50, &t, &n) == 0)
            lb_tags_free(t, n);
    }
    {
        uint64_t objsize = size ? (uint64_t)data[0] * 37 : 0, start, len;
        int rc = lb_range_parse(s, objsize, &start, &len);
        if (rc == 0 && (len == 0 || start >= objsize || len > objsize - start))
            abort();
        rc = lb_range_parse(s, UINT64_MAX, &start, &len);
        if (rc == 0 && (len == 0 || len > UINT64_MAX - start))
            abort();
        rc = lb_range_parse_copy(s, objsize, &start, &len);
        if (rc == 0 && (len == 0 || start >= objsize || len > objsize - start))
            abort();
    }
    free(s);
    return 0;
}
