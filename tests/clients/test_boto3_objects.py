"""boto3 against a real server: objects.

Put and get (bytes compared), head, user metadata and the standard headers,
ranges, conditional requests, response overrides, copy, delete, batch
delete, tagging, and the flexible checksums: every algorithm stored and
returned, and a wrong digest refused without creating the object.  One class
runs over HTTPS, where boto3 sends its default aws-chunked bodies with a
CRC32 trailer (over plain HTTP it sends the checksum as a header).
"""
import base64
import datetime
import hashlib
import os
import re
import subprocess
import unittest
import zlib

from botocore.config import Config
from botocore.exceptions import ClientError

from harness import ACCESS, REGION, SECRET, ServerTestCase, boto3_client


def err_code(cm):
    return cm.exception.response["Error"]["Code"]


def err_status(cm):
    return cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]


def _table(poly):
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t.append(c)
    return t


_CRC32C = _table(0x82F63B78)
_CRC64NVME = _table(0x9A6C9329AC4BC9B5)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def crc64nvme(data):
    m = 0xFFFFFFFFFFFFFFFF
    c = m
    for b in data:
        c = _CRC64NVME[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ m


def b64(raw):
    return base64.b64encode(raw).decode()


def local_checksum(alg, data):
    """The base64 value S3 gives for data under alg, computed here."""
    if alg == "CRC32":
        return b64((zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big"))
    if alg == "CRC32C":
        return b64(crc32c(data).to_bytes(4, "big"))
    if alg == "CRC64NVME":
        return b64(crc64nvme(data).to_bytes(8, "big"))
    if alg == "SHA1":
        return b64(hashlib.sha1(data).digest())
    if alg == "SHA256":
        return b64(hashlib.sha256(data).digest())
    raise ValueError(alg)


def quoted_md5(data):
    return '"%s"' % hashlib.md5(data).hexdigest()


class ChecksumSelfTest(unittest.TestCase):
    def test_reference_check_values(self):
        # The published check values of each CRC over "123456789".
        self.assertEqual(crc32c(b"123456789"), 0xE3069283)
        self.assertEqual(crc64nvme(b"123456789"), 0xAE8B14860A799888)


class Boto3Objects(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.c = boto3_client(cls.server)
        cls.c.create_bucket(Bucket="objs")
        cls.c.create_bucket(Bucket="objs-other")

    def get_bytes(self, key, bucket="objs", **kw):
        r = self.c.get_object(Bucket=bucket, Key=key, **kw)
        return r, r["Body"].read()

    def assert_absent(self, key, bucket="objs"):
        with self.assertRaises(ClientError) as cm:
            self.c.head_object(Bucket=bucket, Key=key)
        self.assertEqual(err_status(cm), 404)
        with self.assertRaises(ClientError) as cm:
            self.c.get_object(Bucket=bucket, Key=key)
        self.assertEqual(err_code(cm), "NoSuchKey")

    # ---- put, get, head

    def test_put_get_head_bytes(self):
        for size in (0, 1, 1000, 300 * 1024 + 7):
            data = os.urandom(size)
            key = "bytes/%d" % size
            r = self.c.put_object(Bucket="objs", Key=key, Body=data)
            self.assertEqual(r["ETag"], quoted_md5(data))
            r, got = self.get_bytes(key)
            self.assertEqual(got, data)
            self.assertEqual(r["ContentLength"], size)
            self.assertEqual(r["ETag"], quoted_md5(data))
            h = self.c.head_object(Bucket="objs", Key=key)
            self.assertEqual(h["ContentLength"], size)
            self.assertEqual(h["ETag"], quoted_md5(data))
            self.assertEqual(h["ContentType"], "binary/octet-stream")
            self.assertEqual(h["AcceptRanges"], "bytes")
            age = datetime.datetime.now(datetime.timezone.utc) - h["LastModified"]
            self.assertLess(abs(age.total_seconds()), 120)

    def test_overwrite_replaces_data_and_metadata(self):
        self.c.put_object(Bucket="objs", Key="ow", Body=b"first", Metadata={"v": "1"})
        self.c.put_object(Bucket="objs", Key="ow", Body=b"second!", ContentType="text/plain")
        r, got = self.get_bytes("ow")
        self.assertEqual(got, b"second!")
        self.assertEqual(r["Metadata"], {})
        self.assertEqual(r["ContentType"], "text/plain")

    def test_file_object_body(self):
        path = os.path.join(self.server.tmp, "fileobj.bin")
        data = os.urandom(2 * 1024 * 1024 + 3)
        with open(path, "wb") as f:
            f.write(data)
        with open(path, "rb") as f:
            self.c.put_object(Bucket="objs", Key="fileobj", Body=f)
        self.assertEqual(self.get_bytes("fileobj")[1], data)

    def test_keys_with_special_characters(self):
        keys = ["a b/c d.txt", "plus+sign", "pct%41%2F", "uni/\u00e9t\u00e9-\u65e5\u672c.txt",
                "q?x=1&y=2", "semi;colon,comma", "tilde~star*", "dir//double", "emoji-\U0001F600"]
        for i, k in enumerate(keys):
            self.c.put_object(Bucket="objs", Key=k, Body=k.encode() * (i + 1))
        for i, k in enumerate(keys):
            r, got = self.get_bytes(k)
            self.assertEqual(got, k.encode() * (i + 1), k)
        listed = {o["Key"] for o in self.c.list_objects_v2(Bucket="objs")["Contents"]}
        self.assertTrue(set(keys) <= listed, set(keys) - listed)

    def test_metadata_and_standard_headers(self):
        expires = datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
        self.c.put_object(Bucket="objs", Key="meta", Body=b"<html/>",
                          Metadata={"color": "blue", "with-dash": "Mixed Case Value"},
                          ContentType="text/html; charset=utf-8", ContentEncoding="identity",
                          ContentDisposition='attachment; filename="m.html"',
                          CacheControl="max-age=3600, public", ContentLanguage="fr",
                          Expires=expires)
        for r in (self.c.head_object(Bucket="objs", Key="meta"),
                  self.c.get_object(Bucket="objs", Key="meta")):
            self.assertEqual(r["Metadata"], {"color": "blue", "with-dash": "Mixed Case Value"})
            self.assertEqual(r["ContentType"], "text/html; charset=utf-8")
            self.assertEqual(r["ContentEncoding"], "identity")
            self.assertEqual(r["ContentDisposition"], 'attachment; filename="m.html"')
            self.assertEqual(r["CacheControl"], "max-age=3600, public")
            self.assertEqual(r["ContentLanguage"], "fr")
            self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["expires"],
                             "Tue, 06 May 2031 07:08:09 GMT")

    def test_gzip_content_encoding_is_kept(self):
        raw = b"compress me " * 500
        gz = zlib.compress(raw)
        self.c.put_object(Bucket="objs", Key="gz", Body=gz, ContentEncoding="gzip")
        r, got = self.get_bytes("gz")
        self.assertEqual(r["ContentEncoding"], "gzip")
        self.assertEqual(got, gz)

    def test_response_overrides(self):
        self.c.put_object(Bucket="objs", Key="ovr", Body=b"x", ContentType="text/plain",
                          CacheControl="no-cache")
        r, _ = self.get_bytes("ovr", ResponseContentType="application/x-override",
                              ResponseContentDisposition="inline; filename=o.txt",
                              ResponseCacheControl="max-age=5",
                              ResponseContentLanguage="de",
                              ResponseContentEncoding="br")
        self.assertEqual(r["ContentType"], "application/x-override")
        self.assertEqual(r["ContentDisposition"], "inline; filename=o.txt")
        self.assertEqual(r["CacheControl"], "max-age=5")
        self.assertEqual(r["ContentLanguage"], "de")
        self.assertEqual(r["ContentEncoding"], "br")
        # the stored values are untouched
        h = self.c.head_object(Bucket="objs", Key="ovr")
        self.assertEqual(h["ContentType"], "text/plain")
        self.assertEqual(h["CacheControl"], "no-cache")

    # ---- ranges

    def test_ranges(self):
        data = os.urandom(10000)
        self.c.put_object(Bucket="objs", Key="rng", Body=data)
        cases = [("bytes=0-0", 0, 1), ("bytes=10-19", 10, 10), ("bytes=9990-", 9990, 10),
                 ("bytes=-50", 9950, 50), ("bytes=9000-20000", 9000, 1000),
                 ("bytes=-20000", 0, 10000)]
        for rng, start, n in cases:
            r, got = self.get_bytes("rng", Range=rng)
            self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 206, rng)
            self.assertEqual(got, data[start:start + n], rng)
            self.assertEqual(r["ContentLength"], n, rng)
            self.assertEqual(r["ContentRange"], "bytes %d-%d/10000" % (start, start + n - 1), rng)
            h = self.c.head_object(Bucket="objs", Key="rng", Range=rng)
            self.assertEqual(h["ContentLength"], n, rng)
            self.assertEqual(h["ResponseMetadata"]["HTTPStatusCode"], 206, rng)

    def test_range_beyond_end(self):
        self.c.put_object(Bucket="objs", Key="rng-end", Body=b"0123456789")
        for rng in ("bytes=10-", "bytes=10-20", "bytes=99999-"):
            with self.assertRaises(ClientError) as cm:
                self.c.get_object(Bucket="objs", Key="rng-end", Range=rng)
            self.assertEqual(err_code(cm), "InvalidRange", rng)
            self.assertEqual(err_status(cm), 416, rng)

    def test_range_invalid_syntax_returns_whole_object(self):
        self.c.put_object(Bucket="objs", Key="rng-bad", Body=b"0123456789")
        for rng in ("bytes=abc", "bytes=5-2", "items=0-3", "bytes=0-1,4-5", "bytes=-"):
            r, got = self.get_bytes("rng-bad", Range=rng)
            self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200, rng)
            self.assertEqual(got, b"0123456789", rng)
            self.assertNotIn("ContentRange", r, rng)
            h = self.c.head_object(Bucket="objs", Key="rng-bad", Range=rng)
            self.assertEqual(h["ResponseMetadata"]["HTTPStatusCode"], 200, rng)
            self.assertEqual(h["ContentLength"], 10, rng)
        # also on an empty object, where no range can be satisfied
        self.c.put_object(Bucket="objs", Key="rng-empty", Body=b"")
        r, got = self.get_bytes("rng-empty", Range="bytes=abc")
        self.assertEqual((r["ResponseMetadata"]["HTTPStatusCode"], got), (200, b""))
        h = self.c.head_object(Bucket="objs", Key="rng-empty", Range="bytes=x-y")
        self.assertEqual((h["ResponseMetadata"]["HTTPStatusCode"], h["ContentLength"]), (200, 0))

    # ---- conditionals

    def test_conditional_get_and_head(self):
        r = self.c.put_object(Bucket="objs", Key="cond", Body=b"conditional")
        etag = r["ETag"]
        mtime = self.c.head_object(Bucket="objs", Key="cond")["LastModified"]
        before = mtime - datetime.timedelta(hours=1)
        after = mtime + datetime.timedelta(hours=1)
        ok = [dict(IfMatch=etag), dict(IfMatch="*"), dict(IfNoneMatch='"0000"'),
              dict(IfModifiedSince=before), dict(IfUnmodifiedSince=after),
              dict(IfMatch=etag, IfUnmodifiedSince=before),  # If-Match wins
              dict(IfNoneMatch='"0000"', IfModifiedSince=after)]  # If-None-Match wins
        for kw in ok:
            r, got = self.get_bytes("cond", **kw)
            self.assertEqual(got, b"conditional", kw)
            self.c.head_object(Bucket="objs", Key="cond", **kw)
        failed = [dict(IfMatch='"0000"'), dict(IfUnmodifiedSince=before)]
        for kw in failed:
            with self.assertRaises(ClientError) as cm:
                self.c.get_object(Bucket="objs", Key="cond", **kw)
            self.assertEqual(err_status(cm), 412, kw)
            self.assertEqual(err_code(cm), "PreconditionFailed", kw)
            with self.assertRaises(ClientError) as cm:
                self.c.head_object(Bucket="objs", Key="cond", **kw)
            self.assertEqual(err_status(cm), 412, kw)
        not_modified = [dict(IfNoneMatch=etag), dict(IfNoneMatch="*"),
                        dict(IfModifiedSince=after)]
        for kw in not_modified:
            with self.assertRaises(ClientError) as cm:
                self.c.get_object(Bucket="objs", Key="cond", **kw)
            self.assertEqual(err_status(cm), 304, kw)
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPHeaders"]["etag"],
                             etag)
            with self.assertRaises(ClientError) as cm:
                self.c.head_object(Bucket="objs", Key="cond", **kw)
            self.assertEqual(err_status(cm), 304, kw)

    # ---- copy

    def test_copy_directive_copy(self):
        data = os.urandom(70000)
        self.c.put_object(Bucket="objs", Key="src copy+1", Body=data, ContentType="image/png",
                          Metadata={"origin": "source"}, Tagging="k=v")
        r = self.c.copy_object(Bucket="objs-other", Key="dst/copied",
                               CopySource={"Bucket": "objs", "Key": "src copy+1"})
        self.assertEqual(r["CopyObjectResult"]["ETag"], quoted_md5(data))
        r, got = self.get_bytes("dst/copied", bucket="objs-other")
        self.assertEqual(got, data)
        self.assertEqual(r["ContentType"], "image/png")
        self.assertEqual(r["Metadata"], {"origin": "source"})
        self.assertEqual(self.c.get_object_tagging(Bucket="objs-other", Key="dst/copied")["TagSet"],
                         [{"Key": "k", "Value": "v"}])

    def test_copy_directive_replace(self):
        self.c.put_object(Bucket="objs", Key="rep-src", Body=b"replace me",
                          ContentType="text/plain", Metadata={"old": "1"})
        self.c.copy_object(Bucket="objs", Key="rep-dst", MetadataDirective="REPLACE",
                           CopySource={"Bucket": "objs", "Key": "rep-src"},
                           ContentType="application/json", Metadata={"new": "2"})
        r, got = self.get_bytes("rep-dst")
        self.assertEqual(got, b"replace me")
        self.assertEqual(r["ContentType"], "application/json")
        self.assertEqual(r["Metadata"], {"new": "2"})
        # copy onto itself: refused unless REPLACE
        with self.assertRaises(ClientError) as cm:
            self.c.copy_object(Bucket="objs", Key="rep-src",
                               CopySource={"Bucket": "objs", "Key": "rep-src"})
        self.assertEqual(err_code(cm), "InvalidRequest")
        self.c.copy_object(Bucket="objs", Key="rep-src", MetadataDirective="REPLACE",
                           CopySource={"Bucket": "objs", "Key": "rep-src"},
                           Metadata={"changed": "yes"})
        r, got = self.get_bytes("rep-src")
        self.assertEqual(got, b"replace me")
        self.assertEqual(r["Metadata"], {"changed": "yes"})

    def test_copy_conditions(self):
        etag = self.c.put_object(Bucket="objs", Key="cc-src", Body=b"cc")["ETag"]
        src = {"Bucket": "objs", "Key": "cc-src"}
        with self.assertRaises(ClientError) as cm:
            self.c.copy_object(Bucket="objs", Key="cc-dst", CopySource=src,
                               CopySourceIfMatch='"00000000000000000000000000000000"')
        self.assertEqual(err_status(cm), 412)
        self.assertEqual(err_code(cm), "PreconditionFailed")
        with self.assertRaises(ClientError) as cm:
            self.c.copy_object(Bucket="objs", Key="cc-dst", CopySource=src,
                               CopySourceIfNoneMatch=etag)
        self.assertEqual(err_status(cm), 412)
        with self.assertRaises(ClientError) as cm:
            self.c.copy_object(Bucket="objs", Key="cc-dst", CopySource=src,
                               CopySourceIfUnmodifiedSince=datetime.datetime(2001, 1, 1))
        self.assertEqual(err_status(cm), 412)
        self.assert_absent("cc-dst")
        self.c.copy_object(Bucket="objs", Key="cc-dst", CopySource=src, CopySourceIfMatch=etag)
        self.assertEqual(self.get_bytes("cc-dst")[1], b"cc")

    def test_copy_missing_source(self):
        with self.assertRaises(ClientError) as cm:
            self.c.copy_object(Bucket="objs", Key="x", CopySource={"Bucket": "objs",
                                                                   "Key": "no-such-src"})
        self.assertEqual(err_code(cm), "NoSuchKey")
        with self.assertRaises(ClientError) as cm:
            self.c.copy_object(Bucket="objs", Key="x", CopySource={"Bucket": "no-such-bucket-9",
                                                                   "Key": "k"})
        self.assertEqual(err_code(cm), "NoSuchBucket")

    # ---- delete

    def test_delete(self):
        self.c.put_object(Bucket="objs", Key="del/one", Body=b"1")
        r = self.c.delete_object(Bucket="objs", Key="del/one")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assert_absent("del/one")
        # deleting what is not there succeeds, as in S3
        r = self.c.delete_object(Bucket="objs", Key="del/never")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)

    def test_delete_objects_batch(self):
        keys = ["batch/%03d" % i for i in range(25)] + ["batch/sp ace", "batch/\u00fc+"]
        for k in keys:
            self.c.put_object(Bucket="objs", Key=k, Body=b"b")
        self.c.put_object(Bucket="objs", Key="batch-keep", Body=b"keep")
        r = self.c.delete_objects(Bucket="objs", Delete={
            "Objects": [{"Key": k} for k in keys[:20]] + [{"Key": "batch/missing"}]})
        self.assertEqual({d["Key"] for d in r["Deleted"]}, set(keys[:20]) | {"batch/missing"})
        self.assertNotIn("Errors", r)
        r = self.c.delete_objects(Bucket="objs", Delete={
            "Objects": [{"Key": k} for k in keys[20:]], "Quiet": True})
        self.assertNotIn("Deleted", r)
        self.assertNotIn("Errors", r)
        left = self.c.list_objects_v2(Bucket="objs", Prefix="batch")
        self.assertEqual([o["Key"] for o in left["Contents"]], ["batch-keep"])

    # ---- tagging

    def test_tagging(self):
        self.c.put_object(Bucket="objs", Key="tagged", Body=b"t",
                          Tagging="project=life%20boat&tier=1")
        tags = self.c.get_object_tagging(Bucket="objs", Key="tagged")["TagSet"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("project", "life boat"), ("tier", "1")])
        self.assertEqual(self.c.get_object(Bucket="objs", Key="tagged")["TagCount"], 2)
        self.c.put_object_tagging(Bucket="objs", Key="tagged", Tagging={"TagSet": [
            {"Key": "a", "Value": "x&y=z"}, {"Key": "b c", "Value": ""},
            {"Key": "\u00e9", "Value": "\u00fc"}]})
        tags = self.c.get_object_tagging(Bucket="objs", Key="tagged")["TagSet"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("a", "x&y=z"), ("b c", ""), ("\u00e9", "\u00fc")])
        self.assertEqual(self.c.head_object(Bucket="objs", Key="tagged")["ResponseMetadata"]
                         ["HTTPHeaders"]["x-amz-tagging-count"], "3")
        r = self.c.delete_object_tagging(Bucket="objs", Key="tagged")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(self.c.get_object_tagging(Bucket="objs", Key="tagged")["TagSet"], [])
        self.assertNotIn("TagCount", self.c.get_object(Bucket="objs", Key="tagged"))
        # the data survives tag changes
        self.assertEqual(self.get_bytes("tagged")[1], b"t")

    def test_tagging_errors(self):
        with self.assertRaises(ClientError) as cm:
            self.c.get_object_tagging(Bucket="objs", Key="untagged-missing")
        self.assertEqual(err_code(cm), "NoSuchKey")
        with self.assertRaises(ClientError) as cm:
            self.c.put_object_tagging(Bucket="objs", Key="untagged-missing",
                                      Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
        self.assertEqual(err_code(cm), "NoSuchKey")
        self.c.put_object(Bucket="objs", Key="many-tags", Body=b"")
        with self.assertRaises(ClientError) as cm:
            self.c.put_object_tagging(Bucket="objs", Key="many-tags", Tagging={"TagSet": [
                {"Key": "k%d" % i, "Value": "v"} for i in range(11)]})
        self.assertEqual(err_status(cm), 400)
        self.assertEqual(self.c.get_object_tagging(Bucket="objs", Key="many-tags")["TagSet"], [])

    def test_concurrent_clients(self):
        import concurrent.futures
        blobs = {"conc/%02d" % i: os.urandom(20000 + i) for i in range(24)}

        def put_get(item):
            k, v = item
            c = boto3_client(self.server)
            c.put_object(Bucket="objs", Key=k, Body=v)
            c.put_object(Bucket="objs", Key="conc/same", Body=v)  # racing writers
            return c.get_object(Bucket="objs", Key=k)["Body"].read() == v
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            self.assertTrue(all(ex.map(put_get, blobs.items())))
        last = self.get_bytes("conc/same")[1]
        self.assertIn(last, blobs.values())  # one whole write won, none torn
        keys = [o["Key"] for o in self.c.list_objects_v2(Bucket="objs", Prefix="conc/")["Contents"]]
        self.assertEqual(keys, sorted(blobs) + ["conc/same"])

    # ---- checksums (as headers over plain HTTP)

    def test_checksum_algorithms_roundtrip(self):
        data = os.urandom(40000)
        for alg in ("CRC32", "SHA1", "SHA256"):
            key = "ck/" + alg
            r = self.c.put_object(Bucket="objs", Key=key, Body=data, ChecksumAlgorithm=alg)
            self.assertEqual(r["Checksum" + alg], local_checksum(alg, data), alg)
            g = self.c.get_object(Bucket="objs", Key=key, ChecksumMode="ENABLED")
            self.assertEqual(g["Body"].read(), data)
            self.assertEqual(g["Checksum" + alg], local_checksum(alg, data), alg)
            h = self.c.head_object(Bucket="objs", Key=key, ChecksumMode="ENABLED")
            self.assertEqual(h["Checksum" + alg], local_checksum(alg, data), alg)
        # CRC32C and CRC64NVME need awscrt to compute in botocore: send the
        # value computed here; the server must agree with it.
        for alg in ("CRC32C", "CRC64NVME"):
            key = "ck/" + alg
            want = local_checksum(alg, data)
            r = self.c.put_object(Bucket="objs", Key=key, Body=data, **{"Checksum" + alg: want})
            self.assertEqual(r["Checksum" + alg], want, alg)
            g = self.c.get_object(Bucket="objs", Key=key, ChecksumMode="ENABLED")
            self.assertEqual(g["Body"].read(), data)
            self.assertEqual(g["Checksum" + alg], want, alg)

    def test_copy_keeps_or_changes_checksum(self):
        data = b"copy my checksum" * 77
        self.c.put_object(Bucket="objs", Key="ck-copy-src", Body=data, ChecksumAlgorithm="SHA256")
        r = self.c.copy_object(Bucket="objs", Key="ck-copy-1",
                               CopySource={"Bucket": "objs", "Key": "ck-copy-src"})
        self.assertEqual(r["CopyObjectResult"]["ChecksumSHA256"], local_checksum("SHA256", data))
        g = self.c.get_object(Bucket="objs", Key="ck-copy-1", ChecksumMode="ENABLED")
        self.assertEqual(g["ChecksumSHA256"], local_checksum("SHA256", data))
        r = self.c.copy_object(Bucket="objs", Key="ck-copy-2", ChecksumAlgorithm="CRC32",
                               CopySource={"Bucket": "objs", "Key": "ck-copy-src"})
        self.assertEqual(r["CopyObjectResult"]["ChecksumCRC32"], local_checksum("CRC32", data))
        g = self.c.get_object(Bucket="objs", Key="ck-copy-2", ChecksumMode="ENABLED")
        self.assertEqual(g["ChecksumCRC32"], local_checksum("CRC32", data))
        self.assertNotIn("ChecksumSHA256", g)

    def test_default_crc32_is_stored(self):
        data = b"default checksum " * 99
        self.c.put_object(Bucket="objs", Key="ck/default", Body=data)
        g = self.c.get_object(Bucket="objs", Key="ck/default", ChecksumMode="ENABLED")
        self.assertEqual(g["ChecksumCRC32"], local_checksum("CRC32", data))
        self.assertEqual(g["Body"].read(), data)

    def test_wrong_checksum_is_bad_digest(self):
        data = b"the real bytes" * 1000
        for alg in ("CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"):
            wrong = local_checksum(alg, data + b"x")
            key = "ck-bad/" + alg
            with self.assertRaises(ClientError) as cm:
                self.c.put_object(Bucket="objs", Key=key, Body=data, **{"Checksum" + alg: wrong})
            self.assertEqual(err_code(cm), "BadDigest", alg)
            self.assertEqual(err_status(cm), 400, alg)
            self.assert_absent(key)

    def test_wrong_checksum_keeps_previous_version(self):
        self.c.put_object(Bucket="objs", Key="ck-keep", Body=b"old")
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket="objs", Key="ck-keep", Body=b"new",
                              ChecksumSHA256=local_checksum("SHA256", b"other"))
        self.assertEqual(err_code(cm), "BadDigest")
        self.assertEqual(self.get_bytes("ck-keep")[1], b"old")

    def test_content_md5(self):
        data = b"md5 me" * 321
        good = b64(hashlib.md5(data).digest())
        self.c.put_object(Bucket="objs", Key="md5/good", Body=data, ContentMD5=good)
        self.assertEqual(self.get_bytes("md5/good")[1], data)
        bad = b64(hashlib.md5(data + b"!").digest())
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket="objs", Key="md5/bad", Body=data, ContentMD5=bad)
        self.assertEqual(err_code(cm), "BadDigest")
        self.assert_absent("md5/bad")
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket="objs", Key="md5/garbage", Body=data, ContentMD5="not-md5")
        self.assertEqual(err_code(cm), "InvalidDigest")
        self.assert_absent("md5/garbage")


def make_cert(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class Boto3ChecksumTrailers(ServerTestCase):
    """Over HTTPS boto3 streams PutObject and UploadPart as aws-chunked
    (STREAMING-UNSIGNED-PAYLOAD-TRAILER) with the checksum in a trailer,
    in HTTP chunked transfer encoding."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.certdir = tempfile.mkdtemp(prefix="lbcert-")
        cls.cert, key = make_cert(cls.certdir)
        cls.server_args = ("--tls-cert", cls.cert, "--tls-key", key)
        super().setUpClass()
        cls.c = cls.tls_client()
        cls.c.create_bucket(Bucket="trailers")

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.certdir, ignore_errors=True)
        super().tearDownClass()

    @classmethod
    def tls_client(cls, **cfg):
        import boto3
        return boto3.client("s3", endpoint_url="https://127.0.0.1:%d" % cls.server.port,
                            aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
                            region_name=REGION, verify=cls.cert,
                            config=Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}, **cfg))

    def capture(self, client):
        seen = []

        def before_send(request, **_):
            seen.append({k.lower(): v.decode() if isinstance(v, bytes) else v
                         for k, v in request.headers.items()})
        client.meta.events.register("before-send.s3.PutObject", before_send)
        return seen

    def test_default_put_uses_trailer(self):
        c = self.tls_client()
        seen = self.capture(c)
        data = os.urandom(3 * 1024 * 1024 + 11)
        r = c.put_object(Bucket="trailers", Key="t1", Body=data)
        h = seen[0]
        self.assertEqual(h["x-amz-content-sha256"], "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        self.assertEqual(h["x-amz-trailer"], "x-amz-checksum-crc32")
        self.assertEqual(h["content-encoding"], "aws-chunked")
        self.assertEqual(r["ETag"], quoted_md5(data))
        self.assertEqual(r["ChecksumCRC32"], local_checksum("CRC32", data))
        g = c.get_object(Bucket="trailers", Key="t1", ChecksumMode="ENABLED")
        self.assertEqual(g["Body"].read(), data)
        self.assertEqual(g["ChecksumCRC32"], local_checksum("CRC32", data))
        # aws-chunked is framing, not the object's encoding
        self.assertNotIn("ContentEncoding", g)

    def test_trailer_with_content_encoding_and_algorithms(self):
        data = zlib.compress(os.urandom(5000))
        self.c.put_object(Bucket="trailers", Key="t-gz", Body=data, ContentEncoding="gzip")
        g = self.c.get_object(Bucket="trailers", Key="t-gz")
        self.assertEqual(g["ContentEncoding"], "gzip")
        self.assertEqual(g["Body"].read(), data)
        for alg in ("SHA1", "SHA256", "CRC32"):
            r = self.c.put_object(Bucket="trailers", Key="t-" + alg, Body=data,
                                  ChecksumAlgorithm=alg)
            self.assertEqual(r["Checksum" + alg], local_checksum(alg, data))
            g = self.c.get_object(Bucket="trailers", Key="t-" + alg, ChecksumMode="ENABLED")
            self.assertEqual(g["Checksum" + alg], local_checksum(alg, data))
            self.assertEqual(g["Body"].read(), data)

    def test_empty_body_with_trailer(self):
        r = self.c.put_object(Bucket="trailers", Key="t-empty", Body=b"")
        self.assertEqual(r["ETag"], quoted_md5(b""))
        self.assertEqual(self.c.get_object(Bucket="trailers", Key="t-empty")["Body"].read(), b"")

    def test_wrong_trailer_checksum_is_bad_digest(self):
        c = self.tls_client()
        wrong = local_checksum("CRC32", b"something else")

        def corrupt(request, **_):
            body = request.body
            if hasattr(body, "read"):
                body.seek(0)
                raw = body.read()
            else:
                raw = bytes(body)
            new = re.sub(rb"x-amz-checksum-crc32:[A-Za-z0-9+/=]+", b"x-amz-checksum-crc32:"
                         + wrong.encode(), raw)
            self.assertNotEqual(new, raw)  # the trailer was there to corrupt
            request.body = new
        c.meta.events.register("before-send.s3.PutObject", corrupt)
        with self.assertRaises(ClientError) as cm:
            c.put_object(Bucket="trailers", Key="t-bad", Body=b"payload" * 1000)
        self.assertEqual(err_code(cm), "BadDigest")
        with self.assertRaises(ClientError) as cm:
            self.c.head_object(Bucket="trailers", Key="t-bad")
        self.assertEqual(err_status(cm), 404)

    def test_multipart_parts_with_trailers(self):
        c = self.tls_client()
        seen = []
        c.meta.events.register("before-send.s3.UploadPart",
                               lambda request, **_: seen.append(request.headers.get("X-Amz-Trailer")))
        p1, p2 = os.urandom(5 * 1024 * 1024), os.urandom(1000)
        uid = c.create_multipart_upload(Bucket="trailers", Key="t-mpu")["UploadId"]
        e1 = c.upload_part(Bucket="trailers", Key="t-mpu", UploadId=uid, PartNumber=1, Body=p1)
        e2 = c.upload_part(Bucket="trailers", Key="t-mpu", UploadId=uid, PartNumber=2, Body=p2)
        self.assertEqual(len(seen), 2)
        self.assertTrue(all(t in (b"x-amz-checksum-crc32", "x-amz-checksum-crc32") for t in seen))
        self.assertEqual(e1["ETag"], quoted_md5(p1))
        self.assertEqual(e2["ChecksumCRC32"], local_checksum("CRC32", p2))
        r = c.complete_multipart_upload(Bucket="trailers", Key="t-mpu", UploadId=uid,
                                        MultipartUpload={"Parts": [
                                            {"PartNumber": 1, "ETag": e1["ETag"]},
                                            {"PartNumber": 2, "ETag": e2["ETag"]}]})
        md5s = hashlib.md5(p1).digest() + hashlib.md5(p2).digest()
        self.assertEqual(r["ETag"], '"%s-2"' % hashlib.md5(md5s).hexdigest())
        self.assertEqual(c.get_object(Bucket="trailers", Key="t-mpu")["Body"].read(), p1 + p2)

    def test_when_required_sends_plain_body(self):
        c = self.tls_client(request_checksum_calculation="when_required")
        seen = self.capture(c)
        c.put_object(Bucket="trailers", Key="t-plain", Body=b"plain body")
        self.assertNotIn("x-amz-trailer", seen[0])
        self.assertNotEqual(seen[0]["x-amz-content-sha256"], "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        self.assertEqual(c.get_object(Bucket="trailers", Key="t-plain")["Body"].read(),
                         b"plain body")

