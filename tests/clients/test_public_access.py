"""boto3 against a real server: the public access block.

By default a site blocks public access: a public bucket policy (an Allow to
Principal "*" without a Condition) is refused with AccessDenied and anonymous
requests get nothing from one.  A site started with --allow-public accepts
it, and then each bucket's PublicAccessBlock decides: BlockPublicPolicy
refuses new public policies, RestrictPublicBuckets makes a public policy
grant nothing to anonymous requests.  Get/Put/DeletePublicAccessBlock round
trip, NoSuchPublicAccessBlockConfiguration, only the owner manages it.
"""
import json
import os
import subprocess
import tempfile
import urllib.error
import urllib.request

from botocore.exceptions import ClientError

from harness import ACCESS, SECRET, ServerTestCase, binary, boto3_client


def err_code(cm):
    return cm.exception.response["Error"]["Code"]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def public_read(bucket, condition=None):
    st = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::%s/*" % bucket}
    if condition:
        st["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [st]})


class _Base(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = boto3_client(cls.server)

    def url(self, bucket, key):
        return "%s/%s/%s" % (self.server.endpoint, bucket, key)

    def bucket_with_object(self, name):
        self.root.create_bucket(Bucket=name)
        self.root.put_object(Bucket=name, Key="k", Body=b"hello")


class SiteBlocksByDefault(_Base):
    def test_public_policy_refused(self):
        c = self.root
        self.bucket_with_object("pab-default")
        with self.assertRaises(ClientError) as cm:
            c.put_bucket_policy(Bucket="pab-default", Policy=public_read("pab-default"))
        self.assertEqual(err_code(cm), "AccessDenied")
        self.assertIn("public policies are blocked on this site",
                      cm.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as cm:
            c.get_bucket_policy(Bucket="pab-default")
        self.assertEqual(err_code(cm), "NoSuchBucketPolicy")
        self.assertEqual(fetch(self.url("pab-default", "k"))[0], 403)
        # a bucket that disables its own block changes nothing on this site
        c.put_public_access_block(Bucket="pab-default", PublicAccessBlockConfiguration={
            "BlockPublicAcls": False, "IgnorePublicAcls": False,
            "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
        with self.assertRaises(ClientError) as cm:
            c.put_bucket_policy(Bucket="pab-default", Policy=public_read("pab-default"))
        self.assertEqual(err_code(cm), "AccessDenied")
        self.assertEqual(fetch(self.url("pab-default", "k"))[0], 403)

    def test_restricted_policy_allowed(self):
        # "*" with a condition is not public: accepted, and it applies
        c = self.root
        self.bucket_with_object("pab-cond")
        c.put_bucket_policy(Bucket="pab-cond", Policy=public_read(
            "pab-cond", {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}))
        self.assertEqual(fetch(self.url("pab-cond", "k")), (200, b"hello"))

    def test_get_delete_round_trip(self):
        c = self.root
        c.create_bucket(Bucket="pab-rt")
        with self.assertRaises(ClientError) as cm:
            c.get_public_access_block(Bucket="pab-rt")
        self.assertEqual(err_code(cm), "NoSuchPublicAccessBlockConfiguration")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        cfg = {"BlockPublicAcls": True, "IgnorePublicAcls": False,
               "BlockPublicPolicy": True, "RestrictPublicBuckets": False}
        c.put_public_access_block(Bucket="pab-rt", PublicAccessBlockConfiguration=cfg)
        got = c.get_public_access_block(Bucket="pab-rt")["PublicAccessBlockConfiguration"]
        self.assertEqual(got, cfg)
        c.delete_public_access_block(Bucket="pab-rt")
        with self.assertRaises(ClientError) as cm:
            c.get_public_access_block(Bucket="pab-rt")
        self.assertEqual(err_code(cm), "NoSuchPublicAccessBlockConfiguration")
        # deleting again is not an error, as in S3
        c.delete_public_access_block(Bucket="pab-rt")
        with self.assertRaises(ClientError) as cm:
            c.get_public_access_block(Bucket="pab-missing")
        self.assertEqual(err_code(cm), "NoSuchBucket")
        # absent fields are false
        c.put_public_access_block(Bucket="pab-rt", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True})
        got = c.get_public_access_block(Bucket="pab-rt")["PublicAccessBlockConfiguration"]
        self.assertEqual(got, {"BlockPublicAcls": True, "IgnorePublicAcls": False,
                               "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
        # the configuration goes with its bucket
        c.put_public_access_block(Bucket="pab-rt", PublicAccessBlockConfiguration=cfg)
        c.delete_bucket(Bucket="pab-rt")
        c.create_bucket(Bucket="pab-rt")
        with self.assertRaises(ClientError) as cm:
            c.get_public_access_block(Bucket="pab-rt")
        self.assertEqual(err_code(cm), "NoSuchPublicAccessBlockConfiguration")

    def test_only_owner_manages(self):
        env = dict(os.environ, LIFEBOAT_ROOT_USER=ACCESS, LIFEBOAT_ROOT_PASSWORD=SECRET)
        p = subprocess.run([binary(), "admin", "--endpoint", self.server.endpoint,
                            "user", "add", "pab-other"],
                           env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        k = json.loads(p.stdout)
        other = boto3_client(self.server, key=k["access_key"], secret=k["secret_key"])
        self.root.create_bucket(Bucket="pab-owned")
        # even a policy granting everything to the user does not let it manage the block
        self.root.put_bucket_policy(Bucket="pab-owned", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::lifeboat:user/pab-other"},
                "Action": "s3:*", "Resource": ["arn:aws:s3:::pab-owned",
                                               "arn:aws:s3:::pab-owned/*"]}]}))
        for call in (lambda: other.get_public_access_block(Bucket="pab-owned"),
                     lambda: other.delete_public_access_block(Bucket="pab-owned"),
                     lambda: other.put_public_access_block(
                         Bucket="pab-owned",
                         PublicAccessBlockConfiguration={"BlockPublicPolicy": False})):
            with self.assertRaises(ClientError) as cm:
                call()
            self.assertEqual(err_code(cm), "AccessDenied")
        # anonymous neither
        self.assertEqual(fetch(self.server.endpoint + "/pab-owned?publicAccessBlock")[0], 403)


class SiteAllowsPublic(_Base):
    server_args = ("--allow-public",)

    def test_bucket_block_decides(self):
        c = self.root
        b = "pab-open"
        self.bucket_with_object(b)
        c.put_bucket_policy(Bucket=b, Policy=public_read(b))
        self.assertEqual(fetch(self.url(b, "k")), (200, b"hello"))

        # BlockPublicPolicy: a new public policy is refused; the old one stays
        c.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
            "BlockPublicPolicy": True, "RestrictPublicBuckets": False})
        with self.assertRaises(ClientError) as cm:
            c.put_bucket_policy(Bucket=b, Policy=public_read(b))
        self.assertEqual(err_code(cm), "AccessDenied")
        self.assertIn("BlockPublicAccess", cm.exception.response["Error"]["Message"])
        self.assertEqual(fetch(self.url(b, "k")), (200, b"hello"))

        # RestrictPublicBuckets: the policy is still there but grants anonymous nothing
        c.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        self.assertIn('"Principal"', c.get_bucket_policy(Bucket=b)["Policy"])
        self.assertEqual(fetch(self.url(b, "k"))[0], 403)
        # the owner is unaffected
        self.assertEqual(c.get_object(Bucket=b, Key="k")["Body"].read(), b"hello")

        # and without the block, public again
        c.delete_public_access_block(Bucket=b)
        self.assertEqual(fetch(self.url(b, "k")), (200, b"hello"))
        c.put_bucket_policy(Bucket=b, Policy=public_read(b))



class SiteAllowsPublicByConfig(_Base):
    """allow-public = true in the config file does what --allow-public does."""

    @classmethod
    def setUpClass(cls):
        fd, cls.conf = tempfile.mkstemp(prefix="lbtest-", suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write("# a site that lets buckets be public\nallow-public = true\n")
        cls.server_args = ("--config", cls.conf)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            os.unlink(cls.conf)

    def test_public_policy_accepted(self):
        self.bucket_with_object("pab-conf")
        self.root.put_bucket_policy(Bucket="pab-conf", Policy=public_read("pab-conf"))
        self.assertEqual(fetch(self.url("pab-conf", "k")), (200, b"hello"))


if __name__ == "__main__":
    import unittest
    unittest.main()
