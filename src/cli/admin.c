/* lifeboat admin: client of the admin API (users, access keys), signed with
 * SigV4 by libcurl. */
#include "cli/cli.h"
#include "base/base.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: lifeboat admin [--endpoint URL] COMMAND\n"
          "\n"
          "  user add NAME [--access-key K --secret-key S]   create a user and its first key\n"
          "  user list                                        list users and their keys\n"
          "  user remove NAME                                 remove a user and its keys\n"
          "  key add USER [--access-key K --secret-key S]    add an access key to a user\n"
          "  key remove ACCESS_KEY                            remove an access key\n"
          "\n"
          "The endpoint comes from --endpoint or LIFEBOAT_ENDPOINT (default\n"
          "http://127.0.0.1:9000); root credentials from LIFEBOAT_ROOT_USER and\n"
          "LIFEBOAT_ROOT_PASSWORD, or from --profile FILE / LIFEBOAT_PROFILE (a file of\n"
          "access_key=... and secret_key=... lines, such as DATA/root-credentials).\n",
          f);
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
    lb_buf_append(arg, p, size * n);
    return size * n;
}

static int load_profile(const char *path, char *ak, char *sk, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "lifeboat admin: cannot open profile \"%s\"\n", path);
        return -1;
    }
    char line[256];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (strncmp(line, "access_key=", 11) == 0)
            snprintf(ak, cap, "%s", line + 11);
        else if (strncmp(line, "secret_key=", 11) == 0)
            snprintf(sk, cap, "%s", line + 11);
    }
    fclose(f);
    return *ak && *sk ? 0 : -1;
}

static int call(const char *endpoint, const char *ak, const char *sk, const char *method,
                const char *path, const char *query)
{
    CURL *c = curl_easy_init();
    if (!c)
        return 1;
    lb_buf url = {0}, body = {0};
    lb_buf_printf(&url, "%s%s%s%s", endpoint, path, query && *query ? "?" : "",
                  query ? query : "");
    char userpwd[600];
    snprintf(userpwd, sizeof userpwd, "%s:%s", ak, sk);
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3");
    curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    CURLcode cr = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    int rc = 0;
    if (cr != CURLE_OK) {
        fprintf(stderr, "lifeboat admin: cannot reach %s: %s\n", endpoint, curl_easy_strerror(cr));
        rc = 1;
    } else if (status >= 300) {
        fprintf(stderr, "lifeboat admin: %s %s failed with HTTP %ld\n%s\n", method, path, status,
                body.data ? body.data : "");
        rc = 1;
    } else if (body.len) {
        fwrite(body.data, 1, body.len, stdout);
        if (body.data[body.len - 1] != '\n')
            putchar('\n');
    } else {
        puts("ok");
    }
    curl_easy_cleanup(c);
    lb_buf_free(&url);
    lb_buf_free(&body);
    return rc;
}

static void add_param(lb_buf *q, const char *k, const char *v)
{
    if (q->len)
        lb_buf_putc(q, '&');
    lb_buf_puts(q, k);
    lb_buf_putc(q, '=');
    lb_uri_encode(q, v, strlen(v), true);
}

int lb_cli_admin(int argc, char **argv)
{
    const char *endpoint = getenv("LIFEBOAT_ENDPOINT");
    const char *profile = getenv("LIFEBOAT_PROFILE");
    const char *ak_opt = NULL, *sk_opt = NULL;
    char *args[8];
    int nargs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--endpoint") == 0 && i + 1 < argc) {
            endpoint = argv[++i];
        } else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
            profile = argv[++i];
        } else if (strcmp(argv[i], "--access-key") == 0 && i + 1 < argc) {
            ak_opt = argv[++i];
        } else if (strcmp(argv[i], "--secret-key") == 0 && i + 1 < argc) {
            sk_opt = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "lifeboat admin: unknown option \"%s\"\n", argv[i]);
            return 2;
        } else if (nargs < 8) {
            args[nargs++] = argv[i];
        }
    }
    if (!endpoint)
        endpoint = "http://127.0.0.1:9000";
    char ak[256] = "", sk[256] = "";
    const char *u = getenv("LIFEBOAT_ROOT_USER"), *p = getenv("LIFEBOAT_ROOT_PASSWORD");
    if (u && p) {
        snprintf(ak, sizeof ak, "%s", u);
        snprintf(sk, sizeof sk, "%s", p);
    } else if (!profile || load_profile(profile, ak, sk, sizeof ak)) {
        fprintf(stderr, "lifeboat admin: no credentials: set LIFEBOAT_ROOT_USER and "
                        "LIFEBOAT_ROOT_PASSWORD, or --profile FILE\n");
        return 2;
    }
    if (nargs < 2) {
        usage(stderr);
        return 2;
    }
    lb_buf q = {0};
    int rc = 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (strcmp(args[0], "user") == 0 && strcmp(args[1], "add") == 0 && nargs == 3) {
        add_param(&q, "name", args[2]);
        if (ak_opt)
            add_param(&q, "access-key", ak_opt);
        if (sk_opt)
            add_param(&q, "secret-key", sk_opt);
        rc = call(endpoint, ak, sk, "POST", "/_lifeboat/admin/users", q.data);
    } else if (strcmp(args[0], "user") == 0 && strcmp(args[1], "list") == 0 && nargs == 2) {
        rc = call(endpoint, ak, sk, "GET", "/_lifeboat/admin/users", NULL);
    } else if (strcmp(args[0], "user") == 0 && strcmp(args[1], "remove") == 0 && nargs == 3) {
        add_param(&q, "name", args[2]);
        rc = call(endpoint, ak, sk, "DELETE", "/_lifeboat/admin/users", q.data);
    } else if (strcmp(args[0], "key") == 0 && strcmp(args[1], "add") == 0 && nargs == 3) {
        add_param(&q, "user", args[2]);
        if (ak_opt)
            add_param(&q, "access-key", ak_opt);
        if (sk_opt)
            add_param(&q, "secret-key", sk_opt);
        rc = call(endpoint, ak, sk, "POST", "/_lifeboat/admin/keys", q.data);
    } else if (strcmp(args[0], "key") == 0 && strcmp(args[1], "remove") == 0 && nargs == 3) {
        add_param(&q, "access-key", args[2]);
        rc = call(endpoint, ak, sk, "DELETE", "/_lifeboat/admin/keys", q.data);
    } else {
        usage(stderr);
    }
    curl_global_cleanup();
    lb_buf_free(&q);
    return rc;
}
