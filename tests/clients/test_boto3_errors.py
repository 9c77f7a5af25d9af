"""boto3 against a real server: buckets, error codes, presigned URLs, users.

Bucket location, head, name rules, the bucket-exists and bucket-not-empty
conflicts, the NoSuchBucket/NoSuchKey codes across operations, presigned
GET and PUT fetched with urllib (and an expired or tampered one refused),
and users made with `lifeboat admin`: a user owns what it creates, cannot
touch root's bucket, and loses access when removed; a wrong secret and an
unknown key are told apart.
"""
import hashlib
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import ACCESS, REGION, SECRET, ServerTestCase, binary, boto3_client


def err_code(cm):
    return cm.exception.response["Error"]["Code"]


def err_status(cm):
    return cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]


def fetch(url, method="GET", data=None, headers=None):
    """(status, body, headers) of a plain HTTP request, errors included."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def v4(server, **kw):
    """A client that presigns with SigV4 (botocore's default for S3 is SigV2)."""
    return boto3_client(server, config=Config(signature_version="s3v4",
                                              s3={"addressing_style": "path"},
                                              retries={"max_attempts": 1}), **kw)


def xml_code(body):
    return ET.fromstring(body).findtext("Code")


class Boto3Buckets(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.c = boto3_client(cls.server)

    def test_location_and_head(self):
        self.c.create_bucket(Bucket="loc-east")
        self.assertIsNone(self.c.get_bucket_location(Bucket="loc-east")["LocationConstraint"])
        h = self.c.head_bucket(Bucket="loc-east")
        self.assertEqual(h["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(h["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"], REGION)
        with self.assertRaises(ClientError) as cm:
            self.c.head_bucket(Bucket="loc-missing")
        self.assertEqual(err_status(cm), 404)
        with self.assertRaises(ClientError) as cm:
            self.c.get_bucket_location(Bucket="loc-missing")
        self.assertEqual(err_code(cm), "NoSuchBucket")
        # an explicit us-east-1 constraint is accepted here, another region is not
        with self.assertRaises(ClientError) as cm:
            self.c.create_bucket(Bucket="loc-west",
                                 CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertEqual(err_code(cm), "InvalidLocationConstraint")
        with self.assertRaises(ClientError) as cm:
            self.c.head_bucket(Bucket="loc-west")
        self.assertEqual(err_status(cm), 404)

    def test_bucket_name_rules(self):
        bad = ["ab", "x" * 64, "Upper", "under_score", "a..b", "-start", "end-", ".dot",
               "dot.", "192.168.1.1", "xn--punycode", "sthree-bucket", "name-s3alias",
               "name--ol-s3", "amzn-s3-demo-x", "name.mrap",
               "name--table-s3", "a.-b", "a-.b"]
        for name in bad:
            with self.assertRaises(ClientError, msg=name) as cm:
                self.c.create_bucket(Bucket=name)
            self.assertEqual(err_code(cm), "InvalidBucketName", name)
            self.assertEqual(err_status(cm), 400, name)
        good = ["abc", "x" * 63, "with-dash", "with.dot", "0numeric", "a1.b2-c3", "192.168.1"]
        for name in good:
            self.c.create_bucket(Bucket=name)
            self.c.head_bucket(Bucket=name)
        listed = {b["Name"] for b in self.c.list_buckets()["Buckets"]}
        self.assertTrue(set(good) <= listed)
        self.assertFalse(set(bad) & listed)
        for name in good:
            self.c.delete_bucket(Bucket=name)

    def test_recreate_own_bucket_us_east_1(self):
        # us-east-1 answers 200 to the owner, as S3 does there, and keeps the content
        self.c.create_bucket(Bucket="again")
        self.c.put_object(Bucket="again", Key="k", Body=b"kept")
        r = self.c.create_bucket(Bucket="again")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.c.get_object(Bucket="again", Key="k")["Body"].read(), b"kept")

    def test_bucket_not_empty(self):
        self.c.create_bucket(Bucket="full")
        self.c.put_object(Bucket="full", Key="x/y", Body=b"1")
        with self.assertRaises(ClientError) as cm:
            self.c.delete_bucket(Bucket="full")
        self.assertEqual(err_code(cm), "BucketNotEmpty")
        self.assertEqual(err_status(cm), 409)
        self.c.delete_object(Bucket="full", Key="x/y")
        # a pending multipart upload also keeps the bucket
        uid = self.c.create_multipart_upload(Bucket="full", Key="mp")["UploadId"]
        with self.assertRaises(ClientError) as cm:
            self.c.delete_bucket(Bucket="full")
        self.assertEqual(err_code(cm), "BucketNotEmpty")
        self.c.abort_multipart_upload(Bucket="full", Key="mp", UploadId=uid)
        r = self.c.delete_bucket(Bucket="full")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        with self.assertRaises(ClientError) as cm:
            self.c.head_bucket(Bucket="full")
        self.assertEqual(err_status(cm), 404)
        with self.assertRaises(ClientError) as cm:
            self.c.delete_bucket(Bucket="full")
        self.assertEqual(err_code(cm), "NoSuchBucket")

    def test_no_such_bucket_everywhere(self):
        b = "nope-bucket"
        calls = [
            lambda: self.c.get_object(Bucket=b, Key="k"),
            lambda: self.c.put_object(Bucket=b, Key="k", Body=b"x"),
            lambda: self.c.delete_object(Bucket=b, Key="k"),
            lambda: self.c.list_objects(Bucket=b),
            lambda: self.c.list_objects_v2(Bucket=b),
            lambda: self.c.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k"}]}),
            lambda: self.c.create_multipart_upload(Bucket=b, Key="k"),
            lambda: self.c.list_multipart_uploads(Bucket=b),
            lambda: self.c.get_object_tagging(Bucket=b, Key="k"),
            lambda: self.c.put_object_tagging(Bucket=b, Key="k", Tagging={"TagSet": []}),
            lambda: self.c.copy_object(Bucket=b, Key="k", CopySource={"Bucket": b, "Key": "s"}),
            lambda: self.c.delete_bucket(Bucket=b),
        ]
        for i, call in enumerate(calls):
            with self.assertRaises(ClientError, msg=i) as cm:
                call()
            self.assertEqual(err_code(cm), "NoSuchBucket", i)
            self.assertEqual(err_status(cm), 404, i)
            self.assertEqual(cm.exception.response["Error"].get("BucketName"), b, i)
        with self.assertRaises(ClientError) as cm:
            self.c.head_object(Bucket=b, Key="k")
        self.assertEqual(err_status(cm), 404)

    def test_no_such_key_everywhere(self):
        self.c.create_bucket(Bucket="nokey")
        calls = [
            lambda: self.c.get_object(Bucket="nokey", Key="missing"),
            lambda: self.c.get_object(Bucket="nokey", Key="missing", Range="bytes=0-1"),
            lambda: self.c.get_object_tagging(Bucket="nokey", Key="missing"),
            lambda: self.c.delete_object_tagging(Bucket="nokey", Key="missing"),
            lambda: self.c.copy_object(Bucket="nokey", Key="dst",
                                       CopySource={"Bucket": "nokey", "Key": "missing"}),
        ]
        for i, call in enumerate(calls):
            with self.assertRaises(ClientError, msg=i) as cm:
                call()
            self.assertEqual(err_code(cm), "NoSuchKey", i)
            self.assertEqual(err_status(cm), 404, i)
        with self.assertRaises(ClientError) as cm:
            self.c.get_object(Bucket="nokey", Key="missing/\u00e9 +")
        self.assertEqual(cm.exception.response["Error"]["Key"], "missing/\u00e9 +")

    def test_request_limits(self):
        self.c.create_bucket(Bucket="limits")
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket="limits", Key="k" * 1025, Body=b"x")
        self.assertEqual(err_code(cm), "KeyTooLongError")
        self.c.put_object(Bucket="limits", Key="k" * 1024, Body=b"x")
        self.assertEqual(self.c.get_object(Bucket="limits", Key="k" * 1024)["Body"].read(), b"x")
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket="limits", Key="meta", Body=b"x",
                              Metadata={"big": "v" * 2100})
        self.assertEqual(err_code(cm), "MetadataTooLarge")
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket="limits", Key="sc", Body=b"x", StorageClass="NO_SUCH_CLASS")
        self.assertEqual(err_code(cm), "InvalidStorageClass")
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket="limits", Key="tags", Body=b"x",
                              Tagging="&".join("k%d=v" % i for i in range(11)))
        self.assertEqual(err_status(cm), 400)
        r = self.c.list_objects_v2(Bucket="limits")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["k" * 1024])


class Boto3RegionBuckets(ServerTestCase):
    """A site outside us-east-1: re-creating one's own bucket is a conflict."""
    server_args = ("--region", "eu-west-3")

    def client(self):
        return boto3.client("s3", endpoint_url=self.server.endpoint, aws_access_key_id=ACCESS,
                            aws_secret_access_key=SECRET, region_name="eu-west-3",
                            config=Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))

    def test_owned_by_you_and_location(self):
        c = self.client()
        c.create_bucket(Bucket="paris",
                        CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
        self.assertEqual(c.get_bucket_location(Bucket="paris")["LocationConstraint"], "eu-west-3")
        with self.assertRaises(ClientError) as cm:
            c.create_bucket(Bucket="paris",
                            CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
        self.assertEqual(err_code(cm), "BucketAlreadyOwnedByYou")
        self.assertEqual(err_status(cm), 409)
        with self.assertRaises(ClientError) as cm:
            c.create_bucket(Bucket="lyon",
                            CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        self.assertEqual(err_code(cm), "InvalidLocationConstraint")


class Boto3Presigned(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.c = v4(cls.server)
        cls.c.create_bucket(Bucket="pre")

    def test_presigned_get(self):
        data = os.urandom(100000)
        key = "dir/pre signed+\u00e9.bin"
        self.c.put_object(Bucket="pre", Key=key, Body=data, ContentType="application/x-pre")
        url = self.c.generate_presigned_url("get_object", Params={"Bucket": "pre", "Key": key},
                                            ExpiresIn=300)
        self.assertIn("X-Amz-Signature=", url)
        status, body, headers = fetch(url)
        self.assertEqual(status, 200)
        self.assertEqual(body, data)
        self.assertEqual(headers["Content-Type"], "application/x-pre")
        # HEAD with a URL presigned for HEAD, and a range on a presigned GET
        hurl = self.c.generate_presigned_url("head_object", Params={"Bucket": "pre", "Key": key})
        status, _, headers = fetch(hurl, method="HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(int(headers["Content-Length"]), len(data))
        status, body, _ = fetch(url, headers={"Range": "bytes=5-9"})
        self.assertEqual(status, 206)
        self.assertEqual(body, data[5:10])
        # response overrides signed into the URL
        ourl = self.c.generate_presigned_url("get_object", Params={
            "Bucket": "pre", "Key": key, "ResponseContentDisposition": "attachment; filename=x"})
        status, body, headers = fetch(ourl)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Disposition"], "attachment; filename=x")

    def test_presigned_errors(self):
        self.c.put_object(Bucket="pre", Key="exp", Body=b"expiring")
        url = self.c.generate_presigned_url("get_object", Params={"Bucket": "pre", "Key": "exp"},
                                            ExpiresIn=2)
        self.assertEqual(fetch(url)[:2], (200, b"expiring"))
        time.sleep(3.2)
        status, body, _ = fetch(url)
        self.assertEqual(status, 403)
        self.assertEqual(xml_code(body), "AccessDenied")
        # a URL signed for one key does not open another
        good = self.c.generate_presigned_url("get_object", Params={"Bucket": "pre", "Key": "exp"})
        self.c.put_object(Bucket="pre", Key="exq", Body=b"other")
        status, body, _ = fetch(good.replace("/pre/exp?", "/pre/exq?"))
        self.assertEqual(status, 403)
        self.assertEqual(xml_code(body), "SignatureDoesNotMatch")
        # nor one signed for GET a PUT
        status, body, _ = fetch(good, method="PUT", data=b"overwrite")
        self.assertEqual(status, 403)
        self.assertEqual(self.c.get_object(Bucket="pre", Key="exp")["Body"].read(), b"expiring")
        # no signature at all
        status, body, _ = fetch("%s/pre/exp" % self.server.endpoint)
        self.assertEqual(status, 403)
        self.assertEqual(xml_code(body), "AccessDenied")
        status, body, _ = fetch("%s/pre/exp" % self.server.endpoint, method="PUT", data=b"anon")
        self.assertEqual(status, 403)
        status, body, _ = fetch("%s/pre" % self.server.endpoint)
        self.assertEqual(status, 403)
        # a presigned URL made with a wrong secret
        bad = v4(self.server, secret="wrong-secret-000").generate_presigned_url(
            "get_object", Params={"Bucket": "pre", "Key": "exp"})
        status, body, _ = fetch(bad)
        self.assertEqual(status, 403)
        self.assertEqual(xml_code(body), "SignatureDoesNotMatch")

    def test_presigned_put(self):
        data = os.urandom(64 * 1024)
        url = self.c.generate_presigned_url("put_object", Params={"Bucket": "pre",
                                                                  "Key": "uploaded/by url"})
        status, _, headers = fetch(url, method="PUT", data=data)
        self.assertEqual(status, 200)
        self.assertEqual(headers["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        self.assertEqual(self.c.get_object(Bucket="pre", Key="uploaded/by url")["Body"].read(),
                         data)
        # with a signed Content-Type: the same header must come with the body
        url = self.c.generate_presigned_url("put_object", Params={
            "Bucket": "pre", "Key": "typed", "ContentType": "text/csv"})
        status, _, _ = fetch(url, method="PUT", data=b"a,b\n", headers={"Content-Type": "text/csv"})
        self.assertEqual(status, 200)
        self.assertEqual(self.c.head_object(Bucket="pre", Key="typed")["ContentType"], "text/csv")
        status, body, _ = fetch(url, method="PUT", data=b"x", headers={"Content-Type": "text/html"})
        self.assertEqual(status, 403)
        self.assertEqual(xml_code(body), "SignatureDoesNotMatch")
        self.assertEqual(self.c.get_object(Bucket="pre", Key="typed")["Body"].read(), b"a,b\n")


class Boto3Users(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = boto3_client(cls.server)
        cls.root.create_bucket(Bucket="root-bucket")
        cls.root.put_object(Bucket="root-bucket", Key="secret.txt", Body=b"root only")

    def admin(self, *args, check=True, key=ACCESS, secret=SECRET):
        env = dict(os.environ, LIFEBOAT_ROOT_USER=key, LIFEBOAT_ROOT_PASSWORD=secret)
        p = subprocess.run([binary(), "admin", "--endpoint", self.server.endpoint] + list(args),
                           env=env, capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            self.fail("admin %s failed (%d): %s %s" % (args, p.returncode, p.stdout, p.stderr))
        return p

    def add_user(self, name):
        out = self.admin("user", "add", name).stdout
        k = json.loads(out)
        self.assertEqual(k["user"], name)
        return k["access_key"], k["secret_key"]

    def test_user_isolation_and_removal(self):
        ak, sk = self.add_user("alice")
        self.assertIn("alice", self.admin("user", "list").stdout)
        a = boto3_client(self.server, key=ak, secret=sk)
        # her own bucket: full access
        a.create_bucket(Bucket="alice-bucket")
        a.put_object(Bucket="alice-bucket", Key="mine", Body=b"alice data")
        self.assertEqual(a.get_object(Bucket="alice-bucket", Key="mine")["Body"].read(),
                         b"alice data")
        self.assertEqual([b["Name"] for b in a.list_buckets()["Buckets"]], ["alice-bucket"])
        uid = a.create_multipart_upload(Bucket="alice-bucket", Key="mp")["UploadId"]
        a.abort_multipart_upload(Bucket="alice-bucket", Key="mp", UploadId=uid)
        # root's bucket: nothing
        denied = [
            lambda: a.get_object(Bucket="root-bucket", Key="secret.txt"),
            lambda: a.list_objects_v2(Bucket="root-bucket"),
            lambda: a.list_objects(Bucket="root-bucket"),
            lambda: a.put_object(Bucket="root-bucket", Key="intruder", Body=b"x"),
            lambda: a.delete_object(Bucket="root-bucket", Key="secret.txt"),
            lambda: a.delete_objects(Bucket="root-bucket",
                                     Delete={"Objects": [{"Key": "secret.txt"}]}),
            lambda: a.get_object_tagging(Bucket="root-bucket", Key="secret.txt"),
            lambda: a.put_object_tagging(Bucket="root-bucket", Key="secret.txt",
                                         Tagging={"TagSet": []}),
            lambda: a.create_multipart_upload(Bucket="root-bucket", Key="mp"),
            lambda: a.list_multipart_uploads(Bucket="root-bucket"),
            lambda: a.get_bucket_location(Bucket="root-bucket"),
            lambda: a.delete_bucket(Bucket="root-bucket"),
            # copying out of root's bucket into her own is reading it
            lambda: a.copy_object(Bucket="alice-bucket", Key="stolen",
                                  CopySource={"Bucket": "root-bucket", "Key": "secret.txt"}),
        ]
        for i, call in enumerate(denied):
            with self.assertRaises(ClientError, msg=i) as cm:
                call()
            self.assertEqual(err_code(cm), "AccessDenied", i)
            self.assertEqual(err_status(cm), 403, i)
        with self.assertRaises(ClientError) as cm:
            a.head_object(Bucket="root-bucket", Key="secret.txt")
        self.assertEqual(err_status(cm), 403)
        with self.assertRaises(ClientError) as cm:
            a.head_bucket(Bucket="root-bucket")
        self.assertEqual(err_status(cm), 403)
        uid = a.create_multipart_upload(Bucket="alice-bucket", Key="pc")["UploadId"]
        with self.assertRaises(ClientError) as cm:
            a.upload_part_copy(Bucket="alice-bucket", Key="pc", UploadId=uid, PartNumber=1,
                               CopySource={"Bucket": "root-bucket", "Key": "secret.txt"})
        self.assertEqual(err_code(cm), "AccessDenied")
        a.abort_multipart_upload(Bucket="alice-bucket", Key="pc", UploadId=uid)
        with self.assertRaises(ClientError) as cm:
            a.create_bucket(Bucket="root-bucket")
        self.assertEqual(err_code(cm), "BucketAlreadyExists")
        self.assertEqual(self.root.get_object(Bucket="root-bucket", Key="secret.txt")["Body"]
                         .read(), b"root only")
        self.assertNotIn("stolen", [o["Key"] for o in self.root.list_objects_v2(
            Bucket="alice-bucket").get("Contents", [])])
        # not an administrator either
        p = self.admin("user", "add", "mallory", check=False, key=ak, secret=sk)
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn("mallory", self.admin("user", "list").stdout)
        # root sees and reads her bucket
        self.assertIn("alice-bucket", [b["Name"] for b in self.root.list_buckets()["Buckets"]])
        self.assertEqual(self.root.get_object(Bucket="alice-bucket", Key="mine")["Body"].read(),
                         b"alice data")
        # removal revokes her key at once
        self.admin("user", "remove", "alice")
        with self.assertRaises(ClientError) as cm:
            a.get_object(Bucket="alice-bucket", Key="mine")
        self.assertEqual(err_code(cm), "InvalidAccessKeyId")
        with self.assertRaises(ClientError) as cm:
            a.list_buckets()
        self.assertEqual(err_code(cm), "InvalidAccessKeyId")
        self.assertNotIn("alice", self.admin("user", "list").stdout)

    def test_two_users_do_not_see_each_other(self):
        bk, bs = self.add_user("bob")
        ck, cs = self.add_user("carol")
        b = v4(self.server, key=bk, secret=bs)
        c = v4(self.server, key=ck, secret=cs)
        b.create_bucket(Bucket="bob-bucket")
        c.create_bucket(Bucket="carol-bucket")
        b.put_object(Bucket="bob-bucket", Key="b", Body=b"bob")
        with self.assertRaises(ClientError) as cm:
            c.get_object(Bucket="bob-bucket", Key="b")
        self.assertEqual(err_code(cm), "AccessDenied")
        with self.assertRaises(ClientError) as cm:
            c.put_object(Bucket="bob-bucket", Key="c", Body=b"carol")
        self.assertEqual(err_code(cm), "AccessDenied")
        self.assertEqual([x["Name"] for x in c.list_buckets()["Buckets"]], ["carol-bucket"])
        self.assertEqual([x["Name"] for x in b.list_buckets()["Buckets"]], ["bob-bucket"])
        # a presigned URL carries its maker's rights, no more
        url = c.generate_presigned_url("get_object", Params={"Bucket": "bob-bucket", "Key": "b"})
        status, body, _ = fetch(url)
        self.assertEqual(status, 403)
        self.assertEqual(xml_code(body), "AccessDenied")
        url = b.generate_presigned_url("get_object", Params={"Bucket": "bob-bucket", "Key": "b"})
        self.assertEqual(fetch(url)[:2], (200, b"bob"))
        self.admin("user", "remove", "bob")
        self.assertEqual(fetch(url)[0], 403)
        self.admin("user", "remove", "carol")

    def test_wrong_secret_and_unknown_key(self):
        ak, sk = self.add_user("dave")
        for client in (boto3_client(self.server, secret="not-the-secret"),
                       boto3_client(self.server, key=ak, secret=sk + "x")):
            with self.assertRaises(ClientError) as cm:
                client.list_buckets()
            self.assertEqual(err_code(cm), "SignatureDoesNotMatch")
            self.assertEqual(err_status(cm), 403)
            with self.assertRaises(ClientError) as cm:
                client.put_object(Bucket="root-bucket", Key="sig", Body=b"x")
            self.assertEqual(err_code(cm), "SignatureDoesNotMatch")
        with self.assertRaises(ClientError) as cm:
            boto3_client(self.server, key="NOSUCHKEY0000000", secret="x" * 20).list_buckets()
        self.assertEqual(err_code(cm), "InvalidAccessKeyId")
        self.assertEqual(err_status(cm), 403)
        with self.assertRaises(ClientError) as cm:
            self.root.head_object(Bucket="root-bucket", Key="sig")
        self.assertEqual(err_status(cm), 404)
        self.admin("user", "remove", "dave")
