/* lifeboat serve: open the store, start the S3 front, run until SIGTERM or
 * SIGINT, then drain in-flight requests and close cleanly. */
#include "cli/cli.h"
#include "http/http.h"
#include "s3/s3.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct serve_cfg {
    char *address, *data, *region, *domain, *tls_cert, *tls_key;
    unsigned max_conns, max_requests, request_timeout;
    bool allow_public;
} serve_cfg;

static void set(char **field, const char *v)
{
    free(*field);
    *field = lb_xstrdup(v);
}

/* Config file: "key = value" lines, '#' comments; keys as the long flags. */
static int load_config(serve_cfg *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "lifeboat: cannot open config \"%s\": %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int n = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || !*p)
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "lifeboat: %s:%d: expected key = value\n", path, n);
            rc = -1;
            break;
        }
        char *k = p, *v = eq + 1;
        *eq = 0;
        k[strcspn(k, " \t")] = 0;
        v += strspn(v, " \t");
        v[strcspn(v, "\r\n")] = 0;
        for (char *e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t');)
            *--e = 0;
        if (strcmp(k, "address") == 0)
            set(&c->address, v);
        else if (strcmp(k, "data") == 0)
            set(&c->data, v);
        else if (strcmp(k, "region") == 0)
            set(&c->region, v);
        else if (strcmp(k, "domain") == 0)
            set(&c->domain, v);
        else if (strcmp(k, "tls-cert") == 0)
            set(&c->tls_cert, v);
        else if (strcmp(k, "tls-key") == 0)
            set(&c->tls_key, v);
        else if (strcmp(k, "allow-public") == 0 &&
                 (strcmp(v, "true") == 0 || strcmp(v, "false") == 0))
            c->allow_public = strcmp(v, "true") == 0;
        else if (strcmp(k, "allow-public") == 0) {
            fprintf(stderr, "lifeboat: %s:%d: allow-public must be true or false\n", path, n);
            rc = -1;
            break;
        } else {
            fprintf(stderr, "lifeboat: %s:%d: unknown setting \"%s\"\n", path, n, k);
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* Root credentials: the environment wins; else the data directory's
 * root-credentials file (0600), written once on first start. */
static int root_credentials(const char *data, char **access, char **secret)
{
    const char *u = getenv("LIFEBOAT_ROOT_USER"), *p = getenv("LIFEBOAT_ROOT_PASSWORD");
    if (u && *u && p && *p) {
        if (strlen(p) < 8) {
            fprintf(stderr, "lifeboat: LIFEBOAT_ROOT_PASSWORD must be at least 8 characters\n");
            return -1;
        }
        *access = lb_xstrdup(u);
        *secret = lb_xstrdup(p);
        return 0;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/root-credentials", data);
    FILE *f = fopen(path, "r");
    if (f) {
        char a[256] = "", s[256] = "";
        int ok = fscanf(f, "access_key=%255s\nsecret_key=%255s", a, s) == 2;
        fclose(f);
        if (!ok) {
            fprintf(stderr, "lifeboat: %s is damaged; remove it to generate new credentials\n",
                    path);
            return -1;
        }
        *access = lb_xstrdup(a);
        *secret = lb_xstrdup(s);
        return 0;
    }
    char a[24] = "LB", s[41];
    lb_random_alnum(a + 2, 18);
    for (char *c = a; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    lb_random_alnum(s, 40);
    char tmp[4100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "lifeboat: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    char text[128];
    int n = snprintf(text, sizeof text, "access_key=%s\nsecret_key=%s\n", a, s);
    int dir = -1; /* the rename is durable once the directory is synced */
    bool ok = write(fd, text, (size_t)n) == n && fsync(fd) == 0 && close(fd) == 0 &&
              rename(tmp, path) == 0 &&
              (dir = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 && fsync(dir) == 0;
    int err = errno;
    if (dir >= 0)
        close(dir);
    if (!ok) {
        fprintf(stderr, "lifeboat: cannot write %s: %s\n", path, strerror(err));
        return -1;
    }
    *access = lb_xstrdup(a);
    *secret = lb_xstrdup(s);
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: lifeboat serve [options]\n"
          "\n"
          "Runs a site: the S3 API on ADDRESS over the store in DIR.\n"
          "\n"
          "  --address HOST:PORT  listen address (default 127.0.0.1:9000)\n"
          "  --data DIR           data directory (default ./lifeboat-data)\n"
          "  --config FILE        settings file: key = value lines (address, data, region,\n"
          "                       domain, tls-cert, tls-key, allow-public = true|false);\n"
          "                       flags override it\n"
          "  --region NAME        region label of this site (default us-east-1)\n"
          "  --domain NAME        base domain for virtual-host style (BUCKET.NAME)\n"
          "  --tls-cert FILE      PEM certificate: serve HTTPS (with --tls-key)\n"
          "  --tls-key FILE       PEM private key\n"
          "  --allow-public       let buckets be public: without it the site blocks public\n"
          "                       bucket policies and anonymous access through them;\n"
          "                       with it each bucket's PublicAccessBlock decides\n"
          "  --max-conns N        connections accepted at once (default 4096)\n"
          "  --max-requests N     requests in flight before new ones get 503 SlowDown\n"
          "                       (default 1024)\n"
          "  --request-timeout S  an upload that sends nothing for S seconds gets\n"
          "                       400 RequestTimeout and is dropped (default 30)\n"
          "\n"
          "Root credentials come from LIFEBOAT_ROOT_USER and LIFEBOAT_ROOT_PASSWORD, or are\n"
          "generated once and kept in DIR/root-credentials (mode 0600).\n"
          "LIFEBOAT_FAULT injects I/O faults for tests (see src/store/io.c).\n",
          f);
}

int lb_cli_serve(int argc, char **argv)
{
    serve_cfg c = {0};
    set(&c.address, "127.0.0.1:9000");
    set(&c.data, "./lifeboat-data");
    set(&c.region, "us-east-1");
    set(&c.domain, "localhost");
    static const struct option opts[] = {
        {"address", required_argument, 0, 'a'}, {"data", required_argument, 0, 'd'},
        {"config", required_argument, 0, 'c'},  {"region", required_argument, 0, 'r'},
        {"domain", required_argument, 0, 'D'},  {"tls-cert", required_argument, 0, 'C'},
        {"tls-key", required_argument, 0, 'K'}, {"max-conns", required_argument, 0, 'm'},
        {"max-requests", required_argument, 0, 'R'},
        {"request-timeout", required_argument, 0, 'T'},
        {"allow-public", no_argument, 0, 'P'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    /* First pass: the config file, so flags can override it. */
    int ch, rc = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc && load_config(&c, argv[i + 1])) {
            rc = 2;
            goto done;
        }
    }
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'a': set(&c.address, optarg); break;
        case 'd': set(&c.data, optarg); break;
        case 'c': break;
        case 'r': set(&c.region, optarg); break;
        case 'D': set(&c.domain, optarg); break;
        case 'C': set(&c.tls_cert, optarg); break;
        case 'K': set(&c.tls_key, optarg); break;
        case 'm': c.max_conns = (unsigned)atoi(optarg); break;
        case 'R': c.max_requests = (unsigned)atoi(optarg); break;
        case 'T': c.request_timeout = (unsigned)atoi(optarg); break;
        case 'P': c.allow_public = true; break;
        case 'h': usage(stdout); rc = 0; goto done;
        default: usage(stderr); rc = 2; goto done;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "lifeboat serve: unexpected argument \"%s\"\n", argv[optind]);
        rc = 2;
        goto done;
    }
    if (!!c.tls_cert != !!c.tls_key) {
        fprintf(stderr, "lifeboat serve: --tls-cert and --tls-key go together\n");
        rc = 2;
        goto done;
    }
    signal(SIGPIPE, SIG_IGN);
    /* SIGTERM and SIGINT are blocked before any thread starts, so every
     * thread inherits the block and only the sigwait() below takes them.
     * A handler would run in whichever thread the kernel picks (another one
     * whenever the main thread is not eligible, e.g. under strace or a
     * debugger), and pause() in the main thread would never return. */
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGTERM);
    sigaddset(&stop_set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
    lb_store *store = NULL;
    lb_s3 *s3 = NULL;
    lb_http_server *srv = NULL;
    char *access = NULL, *secret = NULL;
    lb_store_opts so = {.data_dir = c.data};
    int err = lb_store_open(&so, &store);
    if (err) {
        fprintf(stderr, "lifeboat: cannot open the store in \"%s\": %s\n", c.data,
                lb_strerror(err));
        goto out;
    }
    if (root_credentials(c.data, &access, &secret))
        goto out;
    lb_s3_opts s3o = {.store = store, .region = c.region, .root_access = access,
                      .root_secret = secret, .domain = c.domain,
                      .max_inflight = c.max_requests, .allow_public = c.allow_public};
    lb_s3_new(&s3o, &s3);
    lb_http_app app;
    lb_s3_app(s3, &app);
    /* libmicrohttpd's silent idle cut must come after our RequestTimeout answer */
    unsigned idle = c.request_timeout + 30 > 60 ? c.request_timeout + 30 : 60;
    lb_http_opts ho = {.address = c.address, .max_conns = c.max_conns, .timeout_s = idle,
                       .body_timeout_s = c.request_timeout,
                       .tls_cert = c.tls_cert, .tls_key = c.tls_key};
    if ((err = lb_http_start(&ho, &app, &srv)) != 0) {
        fprintf(stderr, "lifeboat: cannot listen on %s\n", c.address);
        goto out;
    }
    lb_s3_attach(s3, srv);
    char host[256];
    snprintf(host, sizeof host, "%s", c.address);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = 0;
    if (!*host || strcmp(host, "0.0.0.0") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    printf("lifeboat %s serving\n"
           "  endpoint:   %s://%s:%u\n"
           "  data:       %s\n"
           "  region:     %s\n"
           "  access key: %s\n"
           "  secret key: %s\n",
           LB_VERSION, c.tls_cert ? "https" : "http", host, lb_http_port(srv), c.data, c.region,
           access, secret);
    fflush(stdout);
    lb_info(NULL, "listening on %s port %u", c.address, lb_http_port(srv));
    lb_info(NULL, "public access %s",
            c.allow_public
                ? "allowed where a bucket's public access block permits it (--allow-public)"
                : "blocked on this site");
    int stop_signal = 0;
    while (sigwait(&stop_set, &stop_signal) != 0)
        ;
    lb_info(NULL, "signal %d: draining requests in flight", stop_signal);
    rc = 0;
out:
    lb_http_stop(srv, 30000);
    lb_s3_free(s3);
    lb_store_close(store);
    if (rc == 0)
        lb_info(NULL, "stopped cleanly");
    free(access);
    free(secret);
done:
    free(c.address);
    free(c.data);
    free(c.region);
    free(c.domain);
    free(c.tls_cert);
    free(c.tls_key);
    return rc;
}
