/* iam: access policies — parsing and evaluating IAM-style JSON documents.
 *
 * A pure module: no store, no HTTP, no clock.  The caller builds a request
 * (who, what action, on which resource, and the condition context it knows)
 * and gets back Allow, Deny or None; ownership, ACLs and the default deny are
 * the caller's business, because only it knows who owns what.
 *
 * Evaluation follows AWS's documented logic for one policy:
 *   1. a statement applies when its principal, action, resource and every
 *      condition match;
 *   2. an explicit Deny in any applying statement wins;
 *   3. otherwise Allow if some applying statement allows;
 *   4. otherwise None.
 * To combine a user's policies with a bucket policy, evaluate each and let
 * any Deny win, then any Allow.
 *
 * Thread rules: a parsed lb_policy is immutable; any number of threads may
 * evaluate it at once.  lb_policy_free must not race with evaluation. */
#ifndef LB_IAM_H
#define LB_IAM_H

#include "base/base.h"

#include <stddef.h>

/* The largest document lb_policy_parse accepts (S3's bucket policy limit;
 * lifeboat applies it to user policies too, it has no reason to be tighter). */
#define LB_POLICY_MAX_SIZE (20 * 1024)

typedef enum lb_policy_kind {
    /* Attached to a bucket: every statement needs Principal or NotPrincipal,
     * actions must be s3:..., resources arn:aws:s3:::... */
    LB_POLICY_BUCKET,
    /* Attached to a user: Principal and NotPrincipal are refused (the user is
     * the principal), any service prefix and "*" resources are allowed. */
    LB_POLICY_USER,
} lb_policy_kind;

typedef struct lb_policy lb_policy;

/* Parses a policy document of len bytes (need not be NUL-terminated).
 *
 * Accepted: Version "2012-10-17" or "2008-10-17" (absent means 2008-10-17,
 * which disables policy variables, as in AWS); Id; Statement as one object or
 * an array.  Per statement: Sid (unique within the policy), Effect
 * Allow|Deny, Principal or NotPrincipal ("*" or {"AWS"|"CanonicalUser"|
 * "Service"|"Federated": string or array}), Action or NotAction, Resource or
 * NotResource (string or array; '*' and '?' wildcards), Condition.
 *
 * Condition operators: String{Equals,NotEquals,EqualsIgnoreCase,
 * NotEqualsIgnoreCase,Like,NotLike}, Numeric{Equals,NotEquals,LessThan,
 * LessThanEquals,GreaterThan,GreaterThanEquals}, Date{same six}, Bool,
 * BinaryEquals, IpAddress, NotIpAddress (IPv4 and IPv6 CIDR), Arn{Equals,
 * NotEquals,Like,NotLike}, Null; any but Null with the IfExists suffix and
 * the ForAnyValue: / ForAllValues: prefixes.  Condition values may be JSON
 * strings, numbers or booleans, or arrays of them; numbers, dates, Bool, Null
 * and IP values are checked here so that a typo fails now, not at request time.
 *
 * Returns 0 and *out (free with lb_policy_free), or:
 *   LB_E_MALFORMED_POLICY  with a message for the S3 <Message> in errbuf
 *                          (e.g. "Policy has invalid action", "Missing
 *                          required field Principal", "Unknown condition
 *                          operator: StringEqualz")
 * errbuf may be NULL; it is always NUL-terminated when errcap > 0. */
int lb_policy_parse(const char *json, size_t len, lb_policy_kind kind, lb_policy **out,
                    char *errbuf, size_t errcap);

/* NULL is allowed. */
void lb_policy_free(lb_policy *p);

/* Calls fn for every Resource and NotResource pattern of every statement, as
 * written (wildcards and variables unexpanded), in document order; stops at
 * and returns fn's first nonzero result, else 0.  For checks a caller adds,
 * such as "a bucket policy names only its own bucket". */
int lb_policy_resources(const lb_policy *p, int (*fn)(void *arg, const char *resource), void *arg);

/* Whether p is public, by one simple rule: some Allow statement without a
 * Condition names Principal "*" (or {"AWS": "*"}) or uses NotPrincipal.
 * An Allow to "*" restricted by any Condition (aws:SourceIp, ...) is not
 * public.  A NULL p is not public.  Used by the public access block. */
bool lb_policy_is_public(const lb_policy *p);

/* One condition-context entry.  A key given several times is multi-valued
 * (for ForAnyValue: / ForAllValues:).  Keys compare case-insensitively, as
 * AWS's condition keys do; values are compared as each operator says. */
typedef struct lb_policy_kv {
    const char *key;
    const char *value;
} lb_policy_kv;

typedef struct lb_policy_request {
    /* "arn:aws:iam::lifeboat:user/NAME", or NULL for an anonymous request.
     * Ignored for LB_POLICY_USER policies. */
    const char *principal;
    const char *action;   /* "s3:GetObject"; compared case-insensitively */
    const char *resource; /* "arn:aws:s3:::bucket/key" or "arn:aws:s3:::bucket" */
    /* Condition context: aws:SourceIp, aws:SecureTransport ("true"/"false"),
     * aws:CurrentTime (ISO 8601), aws:EpochTime, aws:username, aws:Referer,
     * s3:prefix, s3:x-amz-acl, s3:ExistingObjectTag/<k>, ... */
    const lb_policy_kv *ctx;
    size_t nctx;
} lb_policy_request;

typedef enum lb_policy_effect {
    LB_POLICY_NONE, /* no statement applies: the caller decides (default deny) */
    LB_POLICY_ALLOW,
    LB_POLICY_DENY,
} lb_policy_effect;

/* Evaluates r against p (see the top of this file for the order).
 *
 * Condition keys missing from r->ctx: the operator is false, except that
 * negated operators (StringNotEquals, NotIpAddress, ...) are true, ...IfExists
 * is true, ForAllValues: is true and Null tests for the absence itself — all
 * as AWS documents.  A policy variable (${aws:username}; ${*}, ${?}, ${$} for
 * the literal characters; ${key, 'default'}) is expanded from r->ctx in
 * Resource, NotResource and string/ARN condition values when the Version is
 * 2012-10-17; a variable with no value and no default matches nothing.
 * A NULL p, r, r->action or r->resource yields LB_POLICY_NONE. */
lb_policy_effect lb_policy_evaluate(const lb_policy *p, const lb_policy_request *r);

/* "Allow", "Deny" or "None". */
const char *lb_policy_effect_name(lb_policy_effect e);

#endif
