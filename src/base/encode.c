/* Hex, base64 and URI encodings used by signatures, ETags and listings. */
#include "base/base.h"

#include <openssl/evp.h>
#include <string.h>

void lb_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

ssize_t lb_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap)
{
    if (inlen % 2 || inlen / 2 > outcap)
        return -1;
    for (size_t i = 0; i < inlen / 2; i++) {
        int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (ssize_t)(inlen / 2);
}

void lb_base64_encode(const uint8_t *in, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

ssize_t lb_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap)
{
    if (inlen % 4 || inlen / 4 * 3 > outcap + 2)
        return -1;
    if (inlen == 0)
        return 0;
    uint8_t tmp[inlen / 4 * 3];
    int n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)inlen);
    if (n < 0)
        return -1;
    /* EVP_DecodeBlock keeps the padding bytes as zeros; drop them. */
    if (in[inlen - 1] == '=')
        n--;
    if (in[inlen - 2] == '=')
        n--;
    if ((size_t)n > outcap)
        return -1;
    memcpy(out, tmp, (size_t)n);
    return n;
}

void lb_uri_encode(lb_buf *out, const char *s, size_t n, bool encode_slash)
{
    static const char digits[] = "0123456789ABCDEF";
    lb_buf_reserve(out, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash)) {
            lb_buf_putc(out, (char)c);
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            lb_buf_append(out, esc, 3);
        }
    }
}

ssize_t lb_uri_decode(const char *s, size_t n, char *out, bool plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == 0)
            return -1;
        out[o++] = c;
    }
    out[o] = 0;
    return (ssize_t)o;
}
