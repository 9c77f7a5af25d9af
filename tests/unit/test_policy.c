/* Policy evaluator: tables of {policy, request, expected effect} and of
 * malformed documents with the message each must give.
 *
 * Policies are written with ' for " (and ` for ') so the tables stay
 * readable; row() translates before parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iam/iam.h"

#define ALICE "arn:aws:iam::lifeboat:user/alice"
#define BOB "arn:aws:iam::lifeboat:user/bob"
#define ANON NULL

#define V12 "'Version':'2012-10-17',"
#define POL(...) "{" V12 "'Statement':[" __VA_ARGS__ "]}"
#define POL08(...) "{'Version':'2008-10-17','Statement':[" __VA_ARGS__ "]}"
/* A statement: effect, principal JSON, action JSON, resource JSON[, more]. */
#define ST(eff, pr, act, res)                                                                      \
    "{'Effect':'" eff "','Principal':" pr ",'Action':" act ",'Resource':" res "}"
#define STC(eff, pr, act, res, cond)                                                               \
    "{'Effect':'" eff "','Principal':" pr ",'Action':" act ",'Resource':" res ",'Condition':" cond \
    "}"
#define ALLOW_GET(pr) ST("Allow", pr, "'s3:GetObject'", "'arn:aws:s3:::b/*'")
/* Allow everything on bucket b to everyone, under a condition. */
#define ALLOW_IF(cond) STC("Allow", "'*'", "'s3:*'", "['arn:aws:s3:::b','arn:aws:s3:::b/*']", cond)
#define ALL_B "['arn:aws:s3:::b','arn:aws:s3:::b/*']"

#define B LB_POLICY_BUCKET
#define U LB_POLICY_USER
#define NONE LB_POLICY_NONE
#define ALLOW LB_POLICY_ALLOW
#define DENY LB_POLICY_DENY

#define OBJ "arn:aws:s3:::b/k"
#define BKT "arn:aws:s3:::b"

typedef struct row {
    const char *name;
    lb_policy_kind kind;
    const char *policy;
    const char *principal;
    const char *action;
    const char *resource;
    const char *ctx; /* "key=value|key=value"; a key may repeat */
    lb_policy_effect want;
} row;

static const row rows[] = {
    /* ---- basics: effect, default none */
    {"public read: get", B, POL(ALLOW_GET("'*'")), ANON, "s3:GetObject", OBJ, "", ALLOW},
    {"public read: put not granted", B, POL(ALLOW_GET("'*'")), ANON, "s3:PutObject", OBJ, "", NONE},
    {"public read: other bucket", B, POL(ALLOW_GET("'*'")), ANON, "s3:GetObject",
     "arn:aws:s3:::c/k", "", NONE},
    {"single statement object", B, "{" V12 "'Statement':" ALLOW_GET("'*'") "}", ALICE,
     "s3:GetObject", OBJ, "", ALLOW},
    {"no version means 2008", B, "{'Statement':" ALLOW_GET("'*'") "}", ALICE, "s3:GetObject", OBJ,
     "", ALLOW},
    {"deny overrides allow", B,
     POL(ST("Allow", "'*'", "'s3:*'", ALL_B) "," ST("Deny", "'*'", "'s3:DeleteObject'", ALL_B)),
     ALICE, "s3:DeleteObject", OBJ, "", DENY},
    {"deny overrides allow: other actions allowed", B,
     POL(ST("Allow", "'*'", "'s3:*'", ALL_B) "," ST("Deny", "'*'", "'s3:DeleteObject'", ALL_B)),
     ALICE, "s3:GetObject", OBJ, "", ALLOW},
    {"deny first, allow after: still deny", B,
     POL(ST("Deny", "'*'", "'s3:*'", ALL_B) "," ST("Allow", "'*'", "'s3:*'", ALL_B)), ALICE,
     "s3:GetObject", OBJ, "", DENY},
    {"deny only: unmatched is none", B, POL(ST("Deny", "'*'", "'s3:DeleteObject'", ALL_B)), ALICE,
     "s3:GetObject", OBJ, "", NONE},

    /* ---- principals */
    {"named user matches", B, POL(ALLOW_GET("{'AWS':'" ALICE "'}")), ALICE, "s3:GetObject", OBJ, "",
     ALLOW},
    {"named user: other user", B, POL(ALLOW_GET("{'AWS':'" ALICE "'}")), BOB, "s3:GetObject", OBJ,
     "", NONE},
    {"named user: anonymous", B, POL(ALLOW_GET("{'AWS':'" ALICE "'}")), ANON, "s3:GetObject", OBJ,
     "", NONE},
    {"AWS * includes anonymous", B, POL(ALLOW_GET("{'AWS':'*'}")), ANON, "s3:GetObject", OBJ, "",
     ALLOW},
    {"principal list", B, POL(ALLOW_GET("{'AWS':['" ALICE "','" BOB "']}")), BOB, "s3:GetObject",
     OBJ, "", ALLOW},
    {"account id names its users", B, POL(ALLOW_GET("{'AWS':'lifeboat'}")), BOB, "s3:GetObject",
     OBJ, "", ALLOW},
    {"account id: not anonymous", B, POL(ALLOW_GET("{'AWS':'lifeboat'}")), ANON, "s3:GetObject",
     OBJ, "", NONE},
    {"account root arn", B, POL(ALLOW_GET("{'AWS':'arn:aws:iam::lifeboat:root'}")), ALICE,
     "s3:GetObject", OBJ, "", ALLOW},
    {"other account root", B, POL(ALLOW_GET("{'AWS':'arn:aws:iam::other:root'}")), ALICE,
     "s3:GetObject", OBJ, "", NONE},
    {"CanonicalUser never matches here", B, POL(ALLOW_GET("{'CanonicalUser':'abc'}")), ALICE,
     "s3:GetObject", OBJ, "", NONE},
    {"NotPrincipal deny: others denied", B,
     POL("{'Effect':'Deny','NotPrincipal':{'AWS':'" ALICE "'},'Action':'s3:*','Resource':" ALL_B
         "}"),
     BOB, "s3:GetObject", OBJ, "", DENY},
    {"NotPrincipal deny: the named one not", B,
     POL("{'Effect':'Deny','NotPrincipal':{'AWS':'" ALICE "'},'Action':'s3:*','Resource':" ALL_B
         "}"),
     ALICE, "s3:GetObject", OBJ, "", NONE},
    {"NotPrincipal deny: anonymous denied", B,
     POL("{'Effect':'Deny','NotPrincipal':{'AWS':'" ALICE "'},'Action':'s3:*','Resource':" ALL_B
         "}"),
     ANON, "s3:GetObject", OBJ, "", DENY},
    {"user policy ignores request principal", U,
     "{" V12 "'Statement':{'Effect':'Allow','Action':'s3:*','Resource':'*'}}", ANON, "s3:PutObject",
     OBJ, "", ALLOW},
    {"user policy: other services parse", U,
     "{" V12 "'Statement':{'Effect':'Allow','Action':['iam:*','s3:List*'],'Resource':'*'}}", ALICE,
     "s3:ListBucket", BKT, "", ALLOW},

    /* ---- actions */
    {"action wildcard s3:Get*", B, POL(ST("Allow", "'*'", "'s3:Get*'", ALL_B)), ALICE,
     "s3:GetObject", OBJ, "", ALLOW},
    {"action wildcard s3:Get*: GetObjectAcl", B, POL(ST("Allow", "'*'", "'s3:Get*'", ALL_B)), ALICE,
     "s3:GetObjectAcl", OBJ, "", ALLOW},
    {"action wildcard s3:Get*: PutObject", B, POL(ST("Allow", "'*'", "'s3:Get*'", ALL_B)), ALICE,
     "s3:PutObject", OBJ, "", NONE},
    {"action case-insensitive", B, POL(ST("Allow", "'*'", "'S3:getobject'", ALL_B)), ALICE,
     "s3:GetObject", OBJ, "", ALLOW},
    {"action ? one char", B, POL(ST("Allow", "'*'", "'s3:?etObject'", ALL_B)), ALICE,
     "s3:GetObject", OBJ, "", ALLOW},
    {"action ? not a suffix", B, POL(ST("Allow", "'*'", "'s3:?etObject'", ALL_B)), ALICE,
     "s3:GetObjectAcl", OBJ, "", NONE},
    {"action *", B, POL(ST("Allow", "'*'", "'*'", ALL_B)), ALICE, "s3:DeleteBucket", BKT, "",
     ALLOW},
    {"action list", B, POL(ST("Allow", "'*'", "['s3:PutObject','s3:GetObject']", ALL_B)), ALICE,
     "s3:GetObject", OBJ, "", ALLOW},
    {"NotAction: others allowed", B,
     POL("{'Effect':'Allow','Principal':'*','NotAction':'s3:Delete*','Resource':" ALL_B "}"), ALICE,
     "s3:GetObject", OBJ, "", ALLOW},
    {"NotAction: the listed one not", B,
     POL("{'Effect':'Allow','Principal':'*','NotAction':'s3:Delete*','Resource':" ALL_B "}"), ALICE,
     "s3:DeleteObject", OBJ, "", NONE},
    {"deny NotAction: everything but reads denied", B,
     POL(ST("Allow", "'*'", "'s3:*'", ALL_B) ",{'Effect':'Deny','Principal':'*','NotAction':['s3:"
                                             "GetObject','s3:ListBucket'],'Resource':" ALL_B "}"),
     ALICE, "s3:PutObject", OBJ, "", DENY},
    {"deny NotAction: reads still allowed", B,
     POL(ST("Allow", "'*'", "'s3:*'", ALL_B) ",{'Effect':'Deny','Principal':'*','NotAction':['s3:"
                                             "GetObject','s3:ListBucket'],'Resource':" ALL_B "}"),
     ALICE, "s3:GetObject", OBJ, "", ALLOW},

    /* ---- resources */
    {"bucket/* spans slashes", B, POL(ALLOW_GET("'*'")), ALICE, "s3:GetObject",
     "arn:aws:s3:::b/a/b/c.txt", "", ALLOW},
    {"bucket/* is not the bucket", B, POL(ST("Allow", "'*'", "'s3:*'", "'arn:aws:s3:::b/*'")),
     ALICE, "s3:ListBucket", BKT, "", NONE},
    {"bucket arn is the bucket", B, POL(ST("Allow", "'*'", "'s3:*'", "'arn:aws:s3:::b'")), ALICE,
     "s3:ListBucket", BKT, "", ALLOW},
    {"bucket arn: not its objects", B, POL(ST("Allow", "'*'", "'s3:*'", "'arn:aws:s3:::b'")), ALICE,
     "s3:GetObject", OBJ, "", NONE},
    {"resource inner *", B,
     POL(ST("Allow", "'*'", "'s3:GetObject'", "'arn:aws:s3:::b/photos/*.jpg'")), ALICE,
     "s3:GetObject", "arn:aws:s3:::b/photos/2024/x.jpg", "", ALLOW},
    {"resource inner *: suffix differs", B,
     POL(ST("Allow", "'*'", "'s3:GetObject'", "'arn:aws:s3:::b/photos/*.jpg'")), ALICE,
     "s3:GetObject", "arn:aws:s3:::b/photos/x.png", "", NONE},
    {"resource ? one char", B,
     POL(ST("Allow", "'*'", "'s3:GetObject'", "'arn:aws:s3:::b/file?.txt'")), ALICE, "s3:GetObject",
     "arn:aws:s3:::b/file1.txt", "", ALLOW},
    {"resource ? not two", B,
     POL(ST("Allow", "'*'", "'s3:GetObject'", "'arn:aws:s3:::b/file?.txt'")), ALICE, "s3:GetObject",
     "arn:aws:s3:::b/file10.txt", "", NONE},
    {"resource case-sensitive", B,
     POL(ST("Allow", "'*'", "'s3:GetObject'", "'arn:aws:s3:::b/Key'")), ALICE, "s3:GetObject",
     "arn:aws:s3:::b/key", "", NONE},
    {"resource bucket prefix wildcard", B,
     POL(ST("Allow", "'*'", "'s3:GetObject'", "'arn:aws:s3:::logs-*/*'")), ALICE, "s3:GetObject",
     "arn:aws:s3:::logs-2024/x", "", ALLOW},
    {"NotResource: outside allowed", B,
     POL("{'Effect':'Allow','Principal':'*','Action':'s3:GetObject','NotResource':'arn:aws:s3:::"
         "b/private/*'}"),
     ALICE, "s3:GetObject", "arn:aws:s3:::b/public/x", "", ALLOW},
    {"NotResource: inside not", B,
     POL("{'Effect':'Allow','Principal':'*','Action':'s3:GetObject','NotResource':'arn:aws:s3:::"
         "b/private/*'}"),
     ALICE, "s3:GetObject", "arn:aws:s3:::b/private/x", "", NONE},

    /* ---- Bool / SecureTransport */
    {"SecureTransport false: deny", B,
     POL(ALLOW_GET("'*'") "," STC("Deny", "'*'", "'s3:*'", ALL_B,
                                  "{'Bool':{'aws:SecureTransport':'false'}}")),
     ANON, "s3:GetObject", OBJ, "aws:SecureTransport=false", DENY},
    {"SecureTransport true: allowed", B,
     POL(ALLOW_GET("'*'") "," STC("Deny", "'*'", "'s3:*'", ALL_B,
                                  "{'Bool':{'aws:SecureTransport':'false'}}")),
     ANON, "s3:GetObject", OBJ, "aws:SecureTransport=true", ALLOW},
    {"SecureTransport absent: Bool false", B,
     POL(ALLOW_GET("'*'") "," STC("Deny", "'*'", "'s3:*'", ALL_B,
                                  "{'Bool':{'aws:SecureTransport':'false'}}")),
     ANON, "s3:GetObject", OBJ, "", ALLOW},
    {"Bool with a JSON boolean", B, POL(ALLOW_IF("{'Bool':{'aws:SecureTransport':true}}")), ANON,
     "s3:GetObject", OBJ, "aws:SecureTransport=true", ALLOW},
    {"condition key case-insensitive", B, POL(ALLOW_IF("{'Bool':{'AWS:securetransport':'true'}}")),
     ANON, "s3:GetObject", OBJ, "aws:SecureTransport=true", ALLOW},
    {"BoolIfExists: absent", B, POL(ALLOW_IF("{'BoolIfExists':{'aws:SecureTransport':'true'}}")),
     ANON, "s3:GetObject", OBJ, "", ALLOW},

    /* ---- IP */
    {"IpAddress inside", B, POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':'192.168.1.0/24'}}")), ANON,
     "s3:GetObject", OBJ, "aws:SourceIp=192.168.1.77", ALLOW},
    {"IpAddress outside", B, POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':'192.168.1.0/24'}}")), ANON,
     "s3:GetObject", OBJ, "aws:SourceIp=192.168.2.1", NONE},
    {"IpAddress odd prefix", B, POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':'10.0.0.0/9'}}")), ANON,
     "s3:GetObject", OBJ, "aws:SourceIp=10.127.255.255", ALLOW},
    {"IpAddress odd prefix: outside", B,
     POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':'10.0.0.0/9'}}")), ANON, "s3:GetObject", OBJ,
     "aws:SourceIp=10.128.0.0", NONE},
    {"IpAddress bare address", B, POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':'203.0.113.5'}}")),
     ANON, "s3:GetObject", OBJ, "aws:SourceIp=203.0.113.5", ALLOW},
    {"IpAddress values ORed", B,
     POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':['10.0.0.0/8','192.168.0.0/16']}}")), ANON,
     "s3:GetObject", OBJ, "aws:SourceIp=192.168.3.3", ALLOW},
    {"IpAddress key absent", B, POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':'0.0.0.0/0'}}")), ANON,
     "s3:GetObject", OBJ, "", NONE},
    {"IpAddress IPv6", B, POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':'2001:db8::/32'}}")), ANON,
     "s3:GetObject", OBJ, "aws:SourceIp=2001:db8:1::5", ALLOW},
    {"IpAddress IPv6 outside", B, POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':'2001:db8::/32'}}")),
     ANON, "s3:GetObject", OBJ, "aws:SourceIp=2001:db9::1", NONE},
    {"IpAddress v4 net, v6 client", B, POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':'0.0.0.0/0'}}")),
     ANON, "s3:GetObject", OBJ, "aws:SourceIp=::1", NONE},
    {"IpAddress v4-mapped client", B,
     POL(ALLOW_IF("{'IpAddress':{'aws:SourceIp':'192.168.1.0/24'}}")), ANON, "s3:GetObject", OBJ,
     "aws:SourceIp=::ffff:192.168.1.5", ALLOW},
    {"NotIpAddress deny: outside denied", B,
     POL(ALLOW_GET("'*'") "," STC("Deny", "'*'", "'s3:*'", ALL_B,
                                  "{'NotIpAddress':{'aws:SourceIp':'10.0.0.0/8'}}")),
     ANON, "s3:GetObject", OBJ, "aws:SourceIp=8.8.8.8", DENY},
    {"NotIpAddress deny: inside allowed", B,
     POL(ALLOW_GET("'*'") "," STC("Deny", "'*'", "'s3:*'", ALL_B,
                                  "{'NotIpAddress':{'aws:SourceIp':'10.0.0.0/8'}}")),
     ANON, "s3:GetObject", OBJ, "aws:SourceIp=10.1.2.3", ALLOW},
    {"NotIpAddress: unparseable client is outside", B,
     POL(ALLOW_IF("{'NotIpAddress':{'aws:SourceIp':'10.0.0.0/8'}}")), ANON, "s3:GetObject", OBJ,
     "aws:SourceIp=bogus", ALLOW},

/* ---- dates */
#define WINDOW                                                                                     \
    "{'DateGreaterThan':{'aws:CurrentTime':'2024-01-01T00:00:00Z'},'DateLessThan':{'aws:"          \
    "CurrentTime':'2024-12-31T23:59:59Z'}}"
    {"date window: inside", B, POL(ALLOW_IF(WINDOW)), ANON, "s3:GetObject", OBJ,
     "aws:CurrentTime=2024-06-01T12:00:00Z", ALLOW},
    {"date window: after", B, POL(ALLOW_IF(WINDOW)), ANON, "s3:GetObject", OBJ,
     "aws:CurrentTime=2025-01-01T00:00:00Z", NONE},
    {"date window: before", B, POL(ALLOW_IF(WINDOW)), ANON, "s3:GetObject", OBJ,
     "aws:CurrentTime=2023-12-31T23:59:59.999Z", NONE},
    {"date window: clock absent", B, POL(ALLOW_IF(WINDOW)), ANON, "s3:GetObject", OBJ, "", NONE},
    {"DateLessThan at the boundary", B,
     POL(ALLOW_IF("{'DateLessThan':{'aws:CurrentTime':'2024-01-01'}}")), ANON, "s3:GetObject", OBJ,
     "aws:CurrentTime=2024-01-01T00:00:00Z", NONE},
    {"DateLessThanEquals at the boundary", B,
     POL(ALLOW_IF("{'DateLessThanEquals':{'aws:CurrentTime':'2024-01-01'}}")), ANON, "s3:GetObject",
     OBJ, "aws:CurrentTime=2024-01-01T00:00:00Z", ALLOW},
    {"DateEquals across time zones", B,
     POL(ALLOW_IF("{'DateEquals':{'aws:CurrentTime':'2024-01-01T02:00:00+02:00'}}")), ANON,
     "s3:GetObject", OBJ, "aws:CurrentTime=2024-01-01T00:00:00Z", ALLOW},
    {"DateGreaterThanEquals with epoch seconds", B,
     POL(ALLOW_IF("{'DateGreaterThanEquals':{'aws:EpochTime':'2023-11-14T22:13:20Z'}}")), ANON,
     "s3:GetObject", OBJ, "aws:EpochTime=1700000000", ALLOW},
    {"DateNotEquals", B, POL(ALLOW_IF("{'DateNotEquals':{'aws:CurrentTime':'2024-01-01'}}")), ANON,
     "s3:GetObject", OBJ, "aws:CurrentTime=2024-01-02T00:00:00Z", ALLOW},

    /* ---- strings */
    {"StringEquals x-amz-acl", B,
     POL(ALLOW_IF("{'StringEquals':{'s3:x-amz-acl':'bucket-owner-full-control'}}")), ALICE,
     "s3:PutObject", OBJ, "s3:x-amz-acl=bucket-owner-full-control", ALLOW},
    {"StringEquals mismatch", B,
     POL(ALLOW_IF("{'StringEquals':{'s3:x-amz-acl':'bucket-owner-full-control'}}")), ALICE,
     "s3:PutObject", OBJ, "s3:x-amz-acl=public-read", NONE},
    {"StringEquals is case-sensitive", B,
     POL(ALLOW_IF("{'StringEquals':{'aws:username':'Alice'}}")), ALICE, "s3:GetObject", OBJ,
     "aws:username=alice", NONE},
    {"StringEquals: * is literal", B, POL(ALLOW_IF("{'StringEquals':{'s3:prefix':'home/*'}}")),
     ALICE, "s3:ListBucket", BKT, "s3:prefix=home/x", NONE},
    {"StringEqualsIgnoreCase", B,
     POL(ALLOW_IF("{'StringEqualsIgnoreCase':{'aws:username':'ALICE'}}")), ALICE, "s3:GetObject",
     OBJ, "aws:username=alice", ALLOW},
    {"StringNotEquals: differs", B,
     POL(ALLOW_IF("{'StringNotEquals':{'s3:x-amz-acl':'public-read'}}")), ALICE, "s3:PutObject",
     OBJ, "s3:x-amz-acl=private", ALLOW},
    {"StringNotEquals: equal", B,
     POL(ALLOW_IF("{'StringNotEquals':{'s3:x-amz-acl':'public-read'}}")), ALICE, "s3:PutObject",
     OBJ, "s3:x-amz-acl=public-read", NONE},
    {"StringNotEquals: key absent is true", B,
     POL(ALLOW_IF("{'StringNotEquals':{'s3:x-amz-acl':'public-read'}}")), ALICE, "s3:PutObject",
     OBJ, "", ALLOW},
    {"StringNotEquals: any listed value refuses", B,
     POL(ALLOW_IF("{'StringNotEquals':{'s3:x-amz-acl':['public-read','public-read-write']}}")),
     ALICE, "s3:PutObject", OBJ, "s3:x-amz-acl=public-read-write", NONE},
    {"StringLike prefix", B, POL(ALLOW_IF("{'StringLike':{'s3:prefix':['home/*','']}}")), ALICE,
     "s3:ListBucket", BKT, "s3:prefix=home/docs/", ALLOW},
    {"StringLike empty value", B, POL(ALLOW_IF("{'StringLike':{'s3:prefix':['home/*','']}}")),
     ALICE, "s3:ListBucket", BKT, "s3:prefix=", ALLOW},
    {"StringLike outside", B, POL(ALLOW_IF("{'StringLike':{'s3:prefix':['home/*','']}}")), ALICE,
     "s3:ListBucket", BKT, "s3:prefix=etc/", NONE},
    {"StringLike Referer", B,
     POL(ALLOW_IF("{'StringLike':{'aws:Referer':['http://www.example.com/*']}}")), ANON,
     "s3:GetObject", OBJ, "aws:Referer=http://www.example.com/page.html", ALLOW},
    {"StringNotLike", B, POL(ALLOW_IF("{'StringNotLike':{'s3:prefix':'secret*'}}")), ALICE,
     "s3:ListBucket", BKT, "s3:prefix=secretary/", NONE},
    {"StringEqualsIfExists: absent", B,
     POL(ALLOW_IF("{'StringEqualsIfExists':{'s3:x-amz-acl':'private'}}")), ALICE, "s3:PutObject",
     OBJ, "", ALLOW},
    {"StringEqualsIfExists: present, wrong", B,
     POL(ALLOW_IF("{'StringEqualsIfExists':{'s3:x-amz-acl':'private'}}")), ALICE, "s3:PutObject",
     OBJ, "s3:x-amz-acl=public-read", NONE},
    {"ExistingObjectTag", B,
     POL(ALLOW_IF("{'StringEquals':{'s3:ExistingObjectTag/class':'public'}}")), ANON,
     "s3:GetObject", OBJ, "s3:ExistingObjectTag/class=public", ALLOW},
    {"keys in one operator ANDed: one missing", B,
     POL(ALLOW_IF("{'StringEquals':{'s3:x-amz-acl':'private','aws:username':'alice'}}")), ALICE,
     "s3:PutObject", OBJ, "s3:x-amz-acl=private", NONE},
    {"keys in one operator ANDed: both", B,
     POL(ALLOW_IF("{'StringEquals':{'s3:x-amz-acl':'private','aws:username':'alice'}}")), ALICE,
     "s3:PutObject", OBJ, "s3:x-amz-acl=private|aws:username=alice", ALLOW},
    {"operators ANDed", B,
     POL(ALLOW_IF("{'StringEquals':{'aws:username':'alice'},'IpAddress':{'aws:SourceIp':'10.0.0.0/"
                  "8'}}")),
     ALICE, "s3:GetObject", OBJ, "aws:username=alice|aws:SourceIp=11.0.0.1", NONE},
    {"ArnLike", B, POL(ALLOW_IF("{'ArnLike':{'aws:SourceArn':'arn:aws:s3:::src-*'}}")), ANON,
     "s3:PutObject", OBJ, "aws:SourceArn=arn:aws:s3:::src-logs", ALLOW},

    /* ---- numbers */
    {"NumericLessThan below", B, POL(ALLOW_IF("{'NumericLessThan':{'s3:max-keys':'10'}}")), ALICE,
     "s3:ListBucket", BKT, "s3:max-keys=5", ALLOW},
    {"NumericLessThan equal", B, POL(ALLOW_IF("{'NumericLessThan':{'s3:max-keys':'10'}}")), ALICE,
     "s3:ListBucket", BKT, "s3:max-keys=10", NONE},
    {"NumericLessThanEquals equal", B,
     POL(ALLOW_IF("{'NumericLessThanEquals':{'s3:max-keys':10}}")), ALICE, "s3:ListBucket", BKT,
     "s3:max-keys=10", ALLOW},
    {"NumericGreaterThan", B, POL(ALLOW_IF("{'NumericGreaterThan':{'s3:max-keys':'2.5'}}")), ALICE,
     "s3:ListBucket", BKT, "s3:max-keys=3", ALLOW},
    {"NumericEquals: not a number", B, POL(ALLOW_IF("{'NumericEquals':{'s3:max-keys':'10'}}")),
     ALICE, "s3:ListBucket", BKT, "s3:max-keys=ten", NONE},

    /* ---- Null */
    {"Null true: absent", B, POL(ALLOW_IF("{'Null':{'s3:x-amz-server-side-encryption':'true'}}")),
     ALICE, "s3:PutObject", OBJ, "", ALLOW},
    {"Null true: present", B, POL(ALLOW_IF("{'Null':{'s3:x-amz-server-side-encryption':'true'}}")),
     ALICE, "s3:PutObject", OBJ, "s3:x-amz-server-side-encryption=AES256", NONE},
    {"Null false: present", B, POL(ALLOW_IF("{'Null':{'s3:x-amz-server-side-encryption':false}}")),
     ALICE, "s3:PutObject", OBJ, "s3:x-amz-server-side-encryption=AES256", ALLOW},

    /* ---- multi-valued keys */
    {"ForAnyValue: one matches", B,
     POL(ALLOW_IF("{'ForAnyValue:StringEquals':{'aws:TagKeys':['b','x']}}")), ALICE, "s3:PutObject",
     OBJ, "aws:TagKeys=a|aws:TagKeys=b", ALLOW},
    {"ForAnyValue: none matches", B,
     POL(ALLOW_IF("{'ForAnyValue:StringEquals':{'aws:TagKeys':['c']}}")), ALICE, "s3:PutObject",
     OBJ, "aws:TagKeys=a|aws:TagKeys=b", NONE},
    {"ForAnyValue: absent is false", B,
     POL(ALLOW_IF("{'ForAnyValue:StringEquals':{'aws:TagKeys':['c']}}")), ALICE, "s3:PutObject",
     OBJ, "", NONE},
    {"ForAllValues: all within", B,
     POL(ALLOW_IF("{'ForAllValues:StringEquals':{'aws:TagKeys':['a','b','c']}}")), ALICE,
     "s3:PutObject", OBJ, "aws:TagKeys=a|aws:TagKeys=b", ALLOW},
    {"ForAllValues: one outside", B,
     POL(ALLOW_IF("{'ForAllValues:StringEquals':{'aws:TagKeys':['a','b','c']}}")), ALICE,
     "s3:PutObject", OBJ, "aws:TagKeys=a|aws:TagKeys=z", NONE},
    {"ForAllValues: absent is true", B,
     POL(ALLOW_IF("{'ForAllValues:StringEquals':{'aws:TagKeys':['a']}}")), ALICE, "s3:PutObject",
     OBJ, "", ALLOW},
    {"ForAllValues:StringLike", B,
     POL(ALLOW_IF("{'ForAllValues:StringLike':{'aws:TagKeys':'team-*'}}")), ALICE, "s3:PutObject",
     OBJ, "aws:TagKeys=team-a|aws:TagKeys=team-b", ALLOW},

/* ---- policy variables */
#define HOME ST("Allow", "'*'", "'s3:*'", "'arn:aws:s3:::b/home/${aws:username}/*'")
    {"variable in resource", B, POL(HOME), ALICE, "s3:GetObject", "arn:aws:s3:::b/home/alice/x",
     "aws:username=alice", ALLOW},
    {"variable in resource: another home", B, POL(HOME), ALICE, "s3:GetObject",
     "arn:aws:s3:::b/home/bob/x", "aws:username=alice", NONE},
    {"variable in resource: no value", B, POL(HOME), ANON, "s3:GetObject", "arn:aws:s3:::b/home//x",
     "", NONE},
    {"variable value is not a wildcard", B, POL(HOME), ALICE, "s3:GetObject",
     "arn:aws:s3:::b/home/xyz/x", "aws:username=*", NONE},
    {"variable in condition", B,
     POL(ALLOW_IF("{'StringLike':{'s3:prefix':'home/${aws:username}/*'}}")), ALICE, "s3:ListBucket",
     BKT, "s3:prefix=home/alice/docs|aws:username=alice", ALLOW},
    {"variable with default", B,
     POL(ST("Allow", "'*'", "'s3:*'", "'arn:aws:s3:::b/home/${aws:username, `guest`}/*'")), ANON,
     "s3:GetObject", "arn:aws:s3:::b/home/guest/x", "", ALLOW},
    {"${*} is a literal star", B, POL(ST("Allow", "'*'", "'s3:*'", "'arn:aws:s3:::b/${*}'")), ALICE,
     "s3:GetObject", "arn:aws:s3:::b/x", "", NONE},
    {"${*} matches a star", B, POL(ST("Allow", "'*'", "'s3:*'", "'arn:aws:s3:::b/${*}'")), ALICE,
     "s3:GetObject", "arn:aws:s3:::b/*", "", ALLOW},
    {"2008 version: variables are text", B,
     POL08(ST("Allow", "'*'", "'s3:*'", "'arn:aws:s3:::b/${aws:username}'")), ALICE, "s3:GetObject",
     "arn:aws:s3:::b/${aws:username}", "aws:username=alice", ALLOW},
};

static void parse_ctx(const char *s, lb_policy_kv *kv, size_t *n, char *store)
{
    strcpy(store, s);
    *n = 0;
    char *save = NULL;
    for (char *t = strtok_r(store, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
        char *eq = strchr(t, '=');
        assert_non_null(eq);
        *eq = 0;
        kv[*n].key = t;
        kv[*n].value = eq + 1;
        (*n)++;
    }
}

/* ' -> " and ` -> ' */
static char *quote(const char *s)
{
    char *q = strdup(s);
    for (char *p = q; *p; p++)
        *p = *p == '\'' ? '"' : *p == '`' ? '\'' : *p;
    return q;
}

static void test_table(void **state)
{
    (void)state;
    size_t nrows = sizeof rows / sizeof rows[0];
    int failed = 0;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        char *json = quote(r->policy);
        char err[256];
        lb_policy *p = NULL;
        int rc = lb_policy_parse(json, strlen(json), r->kind, &p, err, sizeof err);
        if (rc != 0) {
            print_error("row \"%s\": parse failed: %s\n  %s\n", r->name, err, json);
            failed++;
            free(json);
            continue;
        }
        lb_policy_kv kv[16];
        char store[512];
        lb_policy_request req = {
            .principal = r->principal, .action = r->action, .resource = r->resource, .ctx = kv};
        parse_ctx(r->ctx, kv, &req.nctx, store);
        lb_policy_effect got = lb_policy_evaluate(p, &req);
        if (got != r->want) {
            print_error("row \"%s\": got %s, want %s\n", r->name, lb_policy_effect_name(got),
                        lb_policy_effect_name(r->want));
            failed++;
        }
        lb_policy_free(p);
        free(json);
    }
    print_message("%zu evaluation rows, %d failed\n", nrows, failed);
    assert_int_equal(failed, 0);
}

/* ---------------------------------------------------------------- malformed */

typedef struct bad {
    lb_policy_kind kind;
    const char *policy;
    const char *msg;
} bad;

#define GOOD_ST                                                                                    \
    "'Effect':'Allow','Principal':'*','Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'"
#define BADC(cond) "{" V12 "'Statement':{" GOOD_ST ",'Condition':" cond "}}"
#define BADS(st) "{" V12 "'Statement':{" st "}}"

static const bad bads[] = {
    {B, "not json", "Policies must be valid JSON and the first byte must be '{'"},
    {B, "", "Policies must be valid JSON and the first byte must be '{'"},
    {B, "[]", "Policies must be valid JSON and the first byte must be '{'"},
    {B, "{'Statement':[]", "Policies must be valid JSON and the first byte must be '{'"},
    {B, "{'Version':'2012-10-17','Version':'2008-10-17','Statement':{" GOOD_ST "}}",
     "Policies must be valid JSON and the first byte must be '{'"},
    {B, "{'Version':'2001-01-01','Statement':{" GOOD_ST "}}",
     "The policy must contain a valid version string"},
    {B, "{'Version':20121017,'Statement':{" GOOD_ST "}}",
     "The policy must contain a valid version string"},
    {B, "{" V12 "'Id':5,'Statement':{" GOOD_ST "}}", "Policy has an invalid Id"},
    {B, "{" V12 "'Statements':{" GOOD_ST "}}", "Unknown field Statements"},
    {B, "{" V12 "'Id':'x'}", "Missing required field Statement"},
    {B, "{" V12 "'Statement':[]}", "Could not parse the policy: Statement is empty!"},
    {B, "{" V12 "'Statement':['x']}", "Policy has an invalid statement"},
    {B, BADS(GOOD_ST ",'Foo':1"), "Unknown field Foo"},
    {B, BADS("'Principal':'*','Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'"),
     "Missing required field Effect"},
    {B,
     BADS("'Effect':'Permit','Principal':'*','Action':'s3:GetObject','Resource':'arn:aws:s3:::b'"),
     "Invalid effect: Permit"},
    {B,
     BADS("'Effect':'allow','Principal':'*','Action':'s3:GetObject','Resource':'arn:aws:s3:::b'"),
     "Invalid effect: allow"},
    {B, BADS("'Sid':1," GOOD_ST), "Policy has an invalid Sid"},
    {B, "{" V12 "'Statement':[{'Sid':'a'," GOOD_ST "},{'Sid':'a'," GOOD_ST "}]}",
     "Statement IDs (SID) in a single policy must be unique"},
    {B, BADS("'Effect':'Allow','Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'"),
     "Missing required field Principal"},
    {U, BADS(GOOD_ST), "Policy document should not specify a principal"},
    {B, BADS("'Effect':'Allow','Principal':'alice','Action':'s3:*','Resource':'arn:aws:s3:::b'"),
     "Invalid principal in policy"},
    {B,
     BADS("'Effect':'Allow','Principal':{'Bogus':'*'},'Action':'s3:*','Resource':'arn:aws:s3:::b'"),
     "Invalid principal in policy"},
    {B,
     BADS("'Effect':'Allow','Principal':{'AWS':'not an "
          "arn'},'Action':'s3:*','Resource':'arn:aws:s3:::b'"),
     "Invalid principal in policy"},
    {B, BADS("'Effect':'Allow','Principal':{},'Action':'s3:*','Resource':'arn:aws:s3:::b'"),
     "Invalid principal in policy"},
    {B, BADS(GOOD_ST ",'NotPrincipal':'*'"),
     "Statement cannot have both Principal and NotPrincipal"},
    {B, BADS("'Effect':'Allow','Principal':'*','Resource':'arn:aws:s3:::b'"),
     "Missing required field Action"},
    {B, BADS("'Effect':'Allow','Principal':'*','Action':'GetObject','Resource':'arn:aws:s3:::b'"),
     "Policy has invalid action"},
    {B,
     BADS("'Effect':'Allow','Principal':'*','Action':'ec2:RunInstances','Resource':'arn:aws:s3:::"
          "b'"),
     "Policy has invalid action"},
    {B,
     BADS("'Effect':'Allow','Principal':'*','Action':'s3:Get Object','Resource':'arn:aws:s3:::b'"),
     "Policy has invalid action"},
    {B, BADS("'Effect':'Allow','Principal':'*','Action':[],'Resource':'arn:aws:s3:::b'"),
     "Policy has an invalid action"},
    {B,
     BADS("'Effect':'Allow','Principal':'*','Action':['s3:GetObject',7],'Resource':'arn:aws:s3:::"
          "b'"),
     "Policy has an invalid action"},
    {B, BADS(GOOD_ST ",'NotAction':'s3:PutObject'"),
     "Statement cannot have both Action and NotAction"},
    {B, BADS("'Effect':'Allow','Principal':'*','Action':'s3:*'"),
     "Missing required field Resource"},
    {B, BADS("'Effect':'Allow','Principal':'*','Action':'s3:*','Resource':'b/*'"),
     "Policy has invalid resource"},
    {B, BADS("'Effect':'Allow','Principal':'*','Action':'s3:*','Resource':'arn:aws:s3:::'"),
     "Policy has invalid resource"},
    {U, BADS("'Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3'"),
     "Policy has invalid resource"},
    {B, BADS(GOOD_ST ",'NotResource':'arn:aws:s3:::c'"),
     "Statement cannot have both Resource and NotResource"},
    {B, BADC("'x'"), "Policy has an invalid condition"},
    {B, BADC("{'StringEqualz':{'aws:username':'a'}}"), "Unknown condition operator: StringEqualz"},
    {B, BADC("{'NullIfExists':{'aws:username':'true'}}"),
     "Unknown condition operator: NullIfExists"},
    {B, BADC("{'ForAnyValue:Null':{'aws:username':'true'}}"),
     "Unknown condition operator: ForAnyValue:Null"},
    {B, BADC("{'ForSomeValues:StringEquals':{'aws:username':'a'}}"),
     "Unknown condition operator: ForSomeValues:StringEquals"},
    {B, BADC("{'StringEquals':'a'}"), "Policy has an invalid condition block for StringEquals"},
    {B, BADC("{'StringEquals':{}}"), "Policy has an invalid condition block for StringEquals"},
    {B, BADC("{'StringEquals':{'username':'a'}}"), "Policy has an invalid condition key: username"},
    {B, BADC("{'StringEquals':{'aws:username':{'a':1}}}"),
     "Invalid Condition value for StringEquals"},
    {B, BADC("{'StringEquals':{'aws:username':null}}"), "Invalid Condition value for StringEquals"},
    {B, BADC("{'StringEquals':{'aws:username':[]}}"),
     "Invalid Condition value for StringEquals: empty list"},
    {B, BADC("{'IpAddress':{'aws:SourceIp':'300.1.1.1/8'}}"),
     "Invalid Condition value for IpAddress: 300.1.1.1/8"},
    {B, BADC("{'IpAddress':{'aws:SourceIp':'10.0.0.0/33'}}"),
     "Invalid Condition value for IpAddress: 10.0.0.0/33"},
    {B, BADC("{'NotIpAddress':{'aws:SourceIp':'2001:db8::/129'}}"),
     "Invalid Condition value for NotIpAddress: 2001:db8::/129"},
    {B, BADC("{'DateLessThan':{'aws:CurrentTime':'tomorrow'}}"),
     "Invalid Condition value for DateLessThan: tomorrow"},
    {B, BADC("{'DateLessThan':{'aws:CurrentTime':'2024-13-01'}}"),
     "Invalid Condition value for DateLessThan: 2024-13-01"},
    {B, BADC("{'NumericLessThan':{'s3:max-keys':'ten'}}"),
     "Invalid Condition value for NumericLessThan: ten"},
    {B, BADC("{'NumericLessThan':{'s3:max-keys':'0x10'}}"),
     "Invalid Condition value for NumericLessThan: 0x10"},
    {B, BADC("{'Bool':{'aws:SecureTransport':'yes'}}"), "Invalid Condition value for Bool: yes"},
    {B, BADC("{'Null':{'aws:username':'maybe'}}"), "Invalid Condition value for Null: maybe"},
};

static void test_malformed(void **state)
{
    (void)state;
    size_t n = sizeof bads / sizeof bads[0];
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        char *json = quote(bads[i].policy);
        /* The JSON-shape messages contain a literal '{' and '. */
        char *want = strdup(bads[i].msg);
        char err[256] = "untouched";
        lb_policy *p = (lb_policy *)1;
        int rc = lb_policy_parse(json, strlen(json), bads[i].kind, &p, err, sizeof err);
        if (rc != LB_E_MALFORMED_POLICY || p != NULL || strcmp(err, want) != 0) {
            print_error("malformed row %zu: rc %d, message \"%s\", want \"%s\"\n  %s\n", i, rc, err,
                        want, json);
            failed++;
        }
        if (rc == 0)
            lb_policy_free(p);
        free(want);
        free(json);
    }
    print_message("%zu malformed rows, %d failed\n", n, failed);
    assert_int_equal(failed, 0);
}

static void test_size_limit(void **state)
{
    (void)state;
    /* A valid document padded with whitespace past the limit. */
    char *json = quote(POL(ALLOW_GET("'*'")));
    size_t n = strlen(json);
    char *big = malloc(LB_POLICY_MAX_SIZE + 2);
    memset(big, ' ', LB_POLICY_MAX_SIZE + 1);
    memcpy(big, json, n);
    big[LB_POLICY_MAX_SIZE + 1] = 0;
    char err[128];
    lb_policy *p;
    assert_int_equal(lb_policy_parse(big, LB_POLICY_MAX_SIZE, B, &p, err, sizeof err), 0);
    lb_policy_free(p);
    assert_int_equal(lb_policy_parse(big, LB_POLICY_MAX_SIZE + 1, B, &p, err, sizeof err),
                     LB_E_MALFORMED_POLICY);
    assert_string_equal(err, "Policy exceeds the maximum allowed document size.");
    free(big);
    free(json);
}

static void test_edges(void **state)
{
    (void)state;
    /* Length is honoured: the document ends where len says. */
    char *json = quote(POL(ALLOW_GET("'*'")) "garbage");
    lb_policy *p;
    assert_int_equal(lb_policy_parse(json, strlen(json) - 7, B, &p, NULL, 0), 0);
    lb_policy_request r = {.action = "s3:GetObject", .resource = OBJ};
    assert_int_equal(lb_policy_evaluate(p, &r), ALLOW);
    r.action = NULL;
    assert_int_equal(lb_policy_evaluate(p, &r), NONE);
    assert_int_equal(lb_policy_evaluate(NULL, &r), NONE);
    assert_int_equal(lb_policy_evaluate(p, NULL), NONE);
    lb_policy_free(p);
    lb_policy_free(NULL);
    /* A NULL errbuf is allowed on failure too. */
    assert_int_equal(lb_policy_parse(json, strlen(json), B, &p, NULL, 0), LB_E_MALFORMED_POLICY);
    assert_null(p);
    /* A short errbuf is truncated, still terminated. */
    char small[8];
    assert_int_equal(lb_policy_parse("x", 1, B, &p, small, sizeof small), LB_E_MALFORMED_POLICY);
    assert_string_equal(small, "Policie");
    free(json);

    const lb_err_info *e = lb_err_lookup(LB_E_MALFORMED_POLICY);
    assert_string_equal(e->code, "MalformedPolicy");
    assert_int_equal(e->http_status, 400);
    assert_string_equal(lb_policy_effect_name(DENY), "Deny");
}

static int collect(void *arg, const char *res)
{
    char *out = arg;
    strcat(out, res);
    strcat(out, ";");
    return strcmp(res, "stop") == 0 ? 7 : 0;
}

static void test_resources(void **state)
{
    (void)state;
    const char *json =
        "{\"Version\":\"2012-10-17\",\"Statement\":["
        "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
        "\"Resource\":[\"arn:aws:s3:::b/*\",\"arn:aws:s3:::b\"]},"
        "{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
        "\"NotResource\":\"arn:aws:s3:::b/${aws:username}/*\"}]}";
    lb_policy *p = NULL;
    assert_int_equal(lb_policy_parse(json, strlen(json), B, &p, NULL, 0), 0);
    char out[256] = "";
    assert_int_equal(lb_policy_resources(p, collect, out), 0);
    assert_string_equal(out, "arn:aws:s3:::b/*;arn:aws:s3:::b;arn:aws:s3:::b/${aws:username}/*;");
    assert_int_equal(lb_policy_resources(NULL, collect, out), 0);
    lb_policy_free(p);

    const lb_err_info *e = lb_err_lookup(LB_E_NO_SUCH_BUCKET_POLICY);
    assert_string_equal(e->code, "NoSuchBucketPolicy");
    assert_int_equal(e->http_status, 404);
}

static void test_is_public(void **state)
{
    (void)state;
    static const struct {
        const char *stmt;
        bool pub;
    } cases[] = {
        {"{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
         "\"Resource\":\"arn:aws:s3:::b/*\"}",
         true},
        {"{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::lifeboat:user/u\",\"*\"]},"
         "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}",
         true},
        {"{\"Effect\":\"Allow\",\"NotPrincipal\":{\"AWS\":\"arn:aws:iam::lifeboat:user/u\"},"
         "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}",
         true},
        /* restricted by a condition: not public */
        {"{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
         "\"Resource\":\"arn:aws:s3:::b/*\","
         "\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}}",
         false},
        {"{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
         "\"Resource\":\"arn:aws:s3:::b/*\"}",
         false},
        {"{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::lifeboat:user/u\"},"
         "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}",
         false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char json[1024];
        snprintf(json, sizeof json, "{\"Version\":\"2012-10-17\",\"Statement\":[%s]}",
                 cases[i].stmt);
        lb_policy *p = NULL;
        assert_int_equal(lb_policy_parse(json, strlen(json), B, &p, NULL, 0), 0);
        assert_int_equal(lb_policy_is_public(p), cases[i].pub);
        lb_policy_free(p);
    }
    assert_false(lb_policy_is_public(NULL));
    const lb_err_info *e = lb_err_lookup(LB_E_NO_SUCH_PUBLIC_ACCESS_BLOCK);
    assert_string_equal(e->code, "NoSuchPublicAccessBlockConfiguration");
    assert_int_equal(e->http_status, 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_is_public),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
