/* Growable buffers and allocation helpers that abort on exhaustion. */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("lifeboat: out of memory\n", stderr);
    abort();
}

void *lb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *lb_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p)
        oom();
    return p;
}

void *lb_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *lb_xstrdup(const char *s) { return lb_xstrndup(s, strlen(s)); }

char *lb_xstrndup(const char *s, size_t n)
{
    char *p = lb_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void lb_buf_free(lb_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void lb_buf_reset(lb_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

void lb_buf_reserve(lb_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    bool fresh = b->data == NULL;
    b->data = lb_xrealloc(b->data, cap);
    b->cap = cap;
    if (fresh)
        b->data[0] = 0;
}

void lb_buf_append(lb_buf *b, const void *p, size_t n)
{
    lb_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void lb_buf_puts(lb_buf *b, const char *s) { lb_buf_append(b, s, strlen(s)); }

void lb_buf_putc(lb_buf *b, char c) { lb_buf_append(b, &c, 1); }

void lb_buf_printf(lb_buf *b, const char *fmt, ...)
{
    /* Most pieces are short: format on the stack, copy once. */
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        lb_buf_append(b, small, (size_t)n);
        return;
    }
    lb_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void lb_buf_put_xml(lb_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': lb_buf_puts(b, "&amp;"); break;
        case '<': lb_buf_puts(b, "&lt;"); break;
        case '>': lb_buf_puts(b, "&gt;"); break;
        case '"': lb_buf_puts(b, "&quot;"); break;
        case '\'': lb_buf_puts(b, "&apos;"); break;
        default:
            /* XML 1.0 cannot carry most control characters even escaped as
             * &#x..; write them as character references S3 clients accept. */
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
                lb_buf_printf(b, "&#x%X;", (unsigned char)*s);
            else
                lb_buf_putc(b, *s);
        }
    }
}

char *lb_buf_steal(lb_buf *b)
{
    if (!b->data)
        lb_buf_reserve(b, 0), b->data[0] = 0;
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
