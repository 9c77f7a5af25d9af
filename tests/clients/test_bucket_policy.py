"""boto3 against a real server: bucket policies.

Put/Get/DeleteBucketPolicy round trip, MalformedPolicy (bad JSON, a resource
of another bucket), NoSuchBucketPolicy; a policy granting another user
s3:GetObject on a prefix; anonymous reads allowed by Principal "*" (plain
urllib, no signature) and refused elsewhere and for writes; a Deny that
overrides the owner; conditions (aws:SourceIp, aws:SecureTransport) applied; only the owner
manages the policy.  The server runs with --allow-public: without it the
site blocks public policies (see test_public_access).
"""
import json
import os
import subprocess
import urllib.error
import urllib.request

from botocore.exceptions import ClientError

from harness import ACCESS, SECRET, ServerTestCase, binary, boto3_client


def err_code(cm):
    return cm.exception.response["Error"]["Code"]


def fetch(url, method="GET", data=None):
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def policy(*stmts):
    return json.dumps({"Version": "2012-10-17", "Statement": list(stmts)})


class BucketPolicy(ServerTestCase):
    server_args = ("--allow-public",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = boto3_client(cls.server)

    def admin(self, *args):
        env = dict(os.environ, LIFEBOAT_ROOT_USER=ACCESS, LIFEBOAT_ROOT_PASSWORD=SECRET)
        p = subprocess.run([binary(), "admin", "--endpoint", self.server.endpoint] + list(args),
                           env=env, capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            self.fail("admin %s failed (%d): %s %s" % (args, p.returncode, p.stdout, p.stderr))
        return p

    def user(self, name):
        k = json.loads(self.admin("user", "add", name).stdout)
        return boto3_client(self.server, key=k["access_key"], secret=k["secret_key"])

    def url(self, bucket, key):
        return "%s/%s/%s" % (self.server.endpoint, bucket, key)

    def test_round_trip_and_errors(self):
        c = self.root
        c.create_bucket(Bucket="pol-rt")
        with self.assertRaises(ClientError) as cm:
            c.get_bucket_policy(Bucket="pol-rt")
        self.assertEqual(err_code(cm), "NoSuchBucketPolicy")
        doc = policy({"Sid": "r", "Effect": "Allow", "Principal": "*",
                      "Action": "s3:GetObject", "Resource": "arn:aws:s3:::pol-rt/*"})
        c.put_bucket_policy(Bucket="pol-rt", Policy=doc)
        self.assertEqual(c.get_bucket_policy(Bucket="pol-rt")["Policy"], doc)
        # bad JSON, and a resource of another bucket
        with self.assertRaises(ClientError) as cm:
            c.put_bucket_policy(Bucket="pol-rt", Policy="{not json")
        self.assertEqual(err_code(cm), "MalformedPolicy")
        with self.assertRaises(ClientError) as cm:
            c.put_bucket_policy(Bucket="pol-rt", Policy=policy(
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::other-bucket/*"}))
        self.assertEqual(err_code(cm), "MalformedPolicy")
        self.assertIn("invalid resource", cm.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as cm:
            c.put_bucket_policy(Bucket="pol-rt", Policy=policy(
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::pol-rt-longer/*"}))
        self.assertEqual(err_code(cm), "MalformedPolicy")
        # the failed puts left the first document in place
        self.assertEqual(c.get_bucket_policy(Bucket="pol-rt")["Policy"], doc)
        r = c.delete_bucket_policy(Bucket="pol-rt")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        with self.assertRaises(ClientError) as cm:
            c.get_bucket_policy(Bucket="pol-rt")
        self.assertEqual(err_code(cm), "NoSuchBucketPolicy")
        with self.assertRaises(ClientError) as cm:
            c.get_bucket_policy(Bucket="pol-missing")
        self.assertEqual(err_code(cm), "NoSuchBucket")
        # a policy goes with its bucket
        c.put_bucket_policy(Bucket="pol-rt", Policy=doc)
        c.delete_bucket(Bucket="pol-rt")
        c.create_bucket(Bucket="pol-rt")
        with self.assertRaises(ClientError) as cm:
            c.get_bucket_policy(Bucket="pol-rt")
        self.assertEqual(err_code(cm), "NoSuchBucketPolicy")

    def test_grant_to_user_on_prefix(self):
        owner = self.user("pol-owner")
        bee = self.user("pol-bee")
        owner.create_bucket(Bucket="pol-grant")
        owner.put_object(Bucket="pol-grant", Key="public/x", Body=b"px")
        owner.put_object(Bucket="pol-grant", Key="private/y", Body=b"py")
        with self.assertRaises(ClientError) as cm:
            bee.get_object(Bucket="pol-grant", Key="public/x")
        self.assertEqual(err_code(cm), "AccessDenied")
        owner.put_bucket_policy(Bucket="pol-grant", Policy=policy(
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::lifeboat:user/pol-bee"},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::pol-grant/public/*"}))
        self.assertEqual(bee.get_object(Bucket="pol-grant", Key="public/x")["Body"].read(), b"px")
        for f in [lambda: bee.get_object(Bucket="pol-grant", Key="private/y"),
                  lambda: bee.put_object(Bucket="pol-grant", Key="public/z", Body=b"z"),
                  lambda: bee.delete_object(Bucket="pol-grant", Key="public/x"),
                  lambda: bee.list_objects_v2(Bucket="pol-grant"),
                  lambda: bee.get_bucket_policy(Bucket="pol-grant")]:
            with self.assertRaises(ClientError) as cm:
                f()
            self.assertEqual(err_code(cm), "AccessDenied")
        # the grant covers a copy source too, not a copy into the owner's bucket
        bee.create_bucket(Bucket="pol-bee-own")
        bee.copy_object(Bucket="pol-bee-own", Key="copied",
                        CopySource={"Bucket": "pol-grant", "Key": "public/x"})
        self.assertEqual(bee.get_object(Bucket="pol-bee-own", Key="copied")["Body"].read(), b"px")
        for src, dst in ((("pol-grant", "private/y"), "pol-bee-own"),
                         (("pol-grant", "public/x"), "pol-grant")):
            with self.assertRaises(ClientError) as cm:
                bee.copy_object(Bucket=dst, Key="public/copy",
                                CopySource={"Bucket": src[0], "Key": src[1]})
            self.assertEqual(err_code(cm), "AccessDenied")
        # only the owner (or root) manages the policy
        with self.assertRaises(ClientError) as cm:
            bee.put_bucket_policy(Bucket="pol-grant", Policy=policy(
                {"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                 "Resource": "arn:aws:s3:::pol-grant/*"}))
        self.assertEqual(err_code(cm), "AccessDenied")
        with self.assertRaises(ClientError) as cm:
            bee.delete_bucket_policy(Bucket="pol-grant")
        self.assertEqual(err_code(cm), "AccessDenied")
        # the owner's own rights are untouched
        self.assertEqual(owner.get_object(Bucket="pol-grant", Key="private/y")["Body"].read(),
                         b"py")

    def test_anonymous(self):
        c = self.root
        c.create_bucket(Bucket="pol-anon")
        c.put_object(Bucket="pol-anon", Key="public/a.txt", Body=b"hello")
        c.put_object(Bucket="pol-anon", Key="private/b.txt", Body=b"secret")
        self.assertEqual(fetch(self.url("pol-anon", "public/a.txt"))[0], 403)
        c.put_bucket_policy(Bucket="pol-anon", Policy=policy(
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::pol-anon/public/*"}))
        self.assertEqual(fetch(self.url("pol-anon", "public/a.txt")), (200, b"hello"))
        self.assertEqual(fetch(self.url("pol-anon", "public/a.txt"), method="HEAD")[0], 200)
        st, body = fetch(self.url("pol-anon", "private/b.txt"))
        self.assertEqual(st, 403)
        self.assertIn(b"AccessDenied", body)
        self.assertEqual(fetch(self.url("pol-anon", "public/new.txt"), method="PUT",
                               data=b"x")[0], 403)
        self.assertEqual(fetch(self.url("pol-anon", "public/a.txt"), method="DELETE")[0], 403)
        self.assertEqual(fetch("%s/pol-anon" % self.server.endpoint)[0], 403)
        self.assertEqual(fetch("%s/pol-anon?policy" % self.server.endpoint)[0], 403)
        # a missing bucket is not revealed to anonymous callers
        self.assertEqual(fetch(self.url("pol-nowhere", "public/a.txt"))[0], 403)
        # anonymous listing through a policy, with the s3:prefix condition
        c.put_bucket_policy(Bucket="pol-anon", Policy=policy(
            {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
             "Resource": "arn:aws:s3:::pol-anon",
             "Condition": {"StringLike": {"s3:prefix": "public/*"}}}))
        self.assertEqual(fetch("%s/pol-anon?list-type=2&prefix=public/" % self.server.endpoint)[0],
                         200)
        self.assertEqual(fetch("%s/pol-anon?list-type=2" % self.server.endpoint)[0], 403)
        self.assertEqual(fetch(self.url("pol-anon", "public/a.txt"))[0], 403)

    def test_deny_overrides_owner(self):
        c = self.root
        owner = self.user("pol-denied")
        owner.create_bucket(Bucket="pol-deny")
        owner.put_object(Bucket="pol-deny", Key="keep", Body=b"k")
        owner.put_bucket_policy(Bucket="pol-deny", Policy=policy(
            {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
             "Resource": "arn:aws:s3:::pol-deny/*"}))
        for cl in (owner, c):
            with self.assertRaises(ClientError) as cm:
                cl.delete_object(Bucket="pol-deny", Key="keep")
            self.assertEqual(err_code(cm), "AccessDenied")
        r = owner.delete_objects(Bucket="pol-deny", Delete={"Objects": [{"Key": "keep"}]})
        self.assertEqual([e["Code"] for e in r.get("Errors", [])], ["AccessDenied"])
        self.assertEqual(owner.get_object(Bucket="pol-deny", Key="keep")["Body"].read(), b"k")
        # a policy that denies managing the policy: root can still remove it
        owner.put_bucket_policy(Bucket="pol-deny", Policy=policy(
            {"Effect": "Deny", "Principal": "*", "Action": ["s3:DeleteObject", "s3:*Policy"],
             "Resource": "arn:aws:s3:::pol-deny"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
             "Resource": "arn:aws:s3:::pol-deny/*"}))
        with self.assertRaises(ClientError) as cm:
            owner.delete_bucket_policy(Bucket="pol-deny")
        self.assertEqual(err_code(cm), "AccessDenied")
        c.delete_bucket_policy(Bucket="pol-deny")
        owner.delete_object(Bucket="pol-deny", Key="keep")

    def test_source_ip_condition(self):
        c = self.root
        c.create_bucket(Bucket="pol-ip")
        c.put_object(Bucket="pol-ip", Key="k", Body=b"v")
        c.put_bucket_policy(Bucket="pol-ip", Policy=policy(
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::pol-ip/*",
             "Condition": {"NotIpAddress": {"aws:SourceIp": "127.0.0.1/32"}}}))
        # we come from 127.0.0.1: not denied
        self.assertEqual(c.get_object(Bucket="pol-ip", Key="k")["Body"].read(), b"v")
        c.put_bucket_policy(Bucket="pol-ip", Policy=policy(
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::pol-ip/*",
             "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}))
        with self.assertRaises(ClientError) as cm:
            c.get_object(Bucket="pol-ip", Key="k")
        self.assertEqual(err_code(cm), "AccessDenied")
        # plain HTTP is not secure transport
        c.put_bucket_policy(Bucket="pol-ip", Policy=policy(
            {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
             "Resource": "arn:aws:s3:::pol-ip/*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
        with self.assertRaises(ClientError) as cm:
            c.put_object(Bucket="pol-ip", Key="k2", Body=b"v")
        self.assertEqual(err_code(cm), "AccessDenied")
        self.assertEqual(c.get_object(Bucket="pol-ip", Key="k")["Body"].read(), b"v")
        c.delete_bucket_policy(Bucket="pol-ip")
        self.assertEqual(c.get_object(Bucket="pol-ip", Key="k")["Body"].read(), b"v")
        c.put_object(Bucket="pol-ip", Key="k2", Body=b"v")


if __name__ == "__main__":
    import unittest
    unittest.main()
