/* The admin API: users and access keys, under /_lifeboat/admin/ (a name no
 * bucket can have), signed with SigV4 like any request, root only.
 * Answers are JSON.  `lifeboat admin` is its client. */
#include "s3/internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void respond_json(s3_req *q, int status, json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    size_t len = strlen(text);
    /* json_dumps allocates with malloc: the response may free it. */
    lb_http_resp *r = lb_http_resp_buf(status, text, len);
    lb_http_resp_header(r, "Content-Type", "application/json");
    lb_http_respond(q->http, s3_resp(q, r));
}

static json_t *key_json(const lb_user_key *k, bool with_secret)
{
    json_t *o = json_object();
    json_object_set_new(o, "user", json_string(k->user));
    json_object_set_new(o, "access_key", json_string(k->access_key));
    if (with_secret)
        json_object_set_new(o, "secret_key", json_string(k->secret));
    return o;
}

static int new_key(s3_req *q, const char *user, lb_user_key *k)
{
    memset(k, 0, sizeof *k);
    snprintf(k->user, sizeof k->user, "%s", user);
    const char *ak = s3_query(q, "access-key"), *sk = s3_query(q, "secret-key");
    if (ak) {
        if (strlen(ak) < 3 || strlen(ak) >= sizeof k->access_key)
            return LB_E_INVALID_ARGUMENT;
        snprintf(k->access_key, sizeof k->access_key, "%s", ak);
    } else {
        char r[21];
        lb_random_alnum(r, 20);
        for (char *p = r; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 32);
        snprintf(k->access_key, sizeof k->access_key, "LB%s", r);
    }
    if (sk) {
        if (strlen(sk) < 8 || strlen(sk) >= sizeof k->secret)
            return LB_E_INVALID_ARGUMENT;
        snprintf(k->secret, sizeof k->secret, "%s", sk);
    } else {
        lb_random_alnum(k->secret, 40);
    }
    if (strcmp(k->access_key, q->s3->root_access) == 0)
        return LB_E_USER_EXISTS;
    return 0;
}

static bool valid_user_name(const char *n)
{
    size_t len = strlen(n);
    if (len < 1 || len > 63 || strcmp(n, "root") == 0)
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.' || *p == '@'))
            return false;
    return true;
}

static void users(s3_req *q)
{
    lb_store *st = q->s3->store;
    const char *name = s3_query(q, "name");
    int rc = 0;
    if (strcmp(q->method, "GET") == 0) {
        char **names;
        size_t n;
        if ((rc = lb_store_user_list(st, &names, &n)) != 0)
            goto out;
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *u = json_object();
            json_object_set_new(u, "name", json_string(names[i]));
            lb_user_key *keys;
            size_t nk;
            json_t *ka = json_array();
            if (lb_store_key_list(st, names[i], &keys, &nk) == 0) {
                for (size_t k = 0; k < nk; k++)
                    json_array_append_new(ka, json_string(keys[k].access_key));
                free(keys);
            }
            json_object_set_new(u, "access_keys", ka);
            json_array_append_new(arr, u);
            free(names[i]);
        }
        free(names);
        json_t *top = json_object();
        json_object_set_new(top, "users", arr);
        respond_json(q, 200, top);
        return;
    }
    if (!name || !valid_user_name(name)) {
        s3_error_msg(q, LB_E_INVALID_ARGUMENT,
                     "user names are 1-63 characters of letters, digits and -_.@ (not root)",
                     NULL);
        return;
    }
    if (strcmp(q->method, "POST") == 0 || strcmp(q->method, "PUT") == 0) {
        lb_user_key k;
        if ((rc = new_key(q, name, &k)) != 0)
            goto out;
        if ((rc = lb_store_user_add(st, name)) != 0)
            goto out;
        if ((rc = lb_store_key_add(st, &k)) != 0) {
            lb_store_user_remove(st, name);
            goto out;
        }
        respond_json(q, 200, key_json(&k, true));
        return;
    }
    if (strcmp(q->method, "DELETE") == 0) {
        if ((rc = lb_store_user_remove(st, name)) != 0)
            goto out;
        s3_respond_empty(q, 204, NULL);
        return;
    }
    rc = LB_E_METHOD_NOT_ALLOWED;
out:
    s3_error(q, rc);
}

static void keys(s3_req *q)
{
    lb_store *st = q->s3->store;
    int rc = 0;
    if (strcmp(q->method, "POST") == 0 || strcmp(q->method, "PUT") == 0) {
        const char *user = s3_query(q, "user");
        lb_user_key k;
        if (!user) {
            rc = LB_E_INVALID_ARGUMENT;
            goto out;
        }
        if ((rc = new_key(q, user, &k)) != 0 || (rc = lb_store_key_add(st, &k)) != 0)
            goto out;
        respond_json(q, 200, key_json(&k, true));
        return;
    }
    if (strcmp(q->method, "DELETE") == 0) {
        const char *ak = s3_query(q, "access-key");
        if (!ak) {
            rc = LB_E_INVALID_ARGUMENT;
            goto out;
        }
        if ((rc = lb_store_key_remove(st, ak)) != 0)
            goto out;
        s3_respond_empty(q, 204, NULL);
        return;
    }
    rc = LB_E_METHOD_NOT_ALLOWED;
out:
    s3_error(q, rc);
}

void s3_admin(s3_req *q)
{
    if (q->anonymous || !q->is_root) {
        s3_error(q, LB_E_ACCESS_DENIED);
        return;
    }
    const char *k = q->key ? q->key : "";
    if (strcmp(k, "admin/users") == 0)
        users(q);
    else if (strcmp(k, "admin/keys") == 0)
        keys(q);
    else
        s3_error(q, LB_E_NOT_FOUND_ROUTE);
}
