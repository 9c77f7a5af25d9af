"""boto3 against a real server: multipart uploads.

Create, upload part, list parts, list uploads, abort, complete (the ETag is
the MD5 of the parts' MD5s and their count, checked against one computed
here), the errors S3 gives for small, unknown, mismatched and unordered
parts, part copies with ranges, and s3transfer's multipart upload_file and
ranged download_file of a 40 MiB file.
"""
import base64
import hashlib
import os
import zlib

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from harness import ServerTestCase, boto3_client

MiB = 1024 * 1024


def err_code(cm):
    return cm.exception.response["Error"]["Code"]


def err_status(cm):
    return cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]


def multipart_etag(parts):
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    return '"%s-%d"' % (hashlib.md5(md5s).hexdigest(), len(parts))


def crc32_b64(data):
    return base64.b64encode((zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big")).decode()


class Boto3Multipart(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.c = boto3_client(cls.server)
        cls.c.create_bucket(Bucket="mpu")
        # parts reused across tests: two full-size parts and a short tail
        cls.p1 = os.urandom(5 * MiB)
        cls.p2 = os.urandom(5 * MiB + 17)
        cls.p3 = os.urandom(123457)

    def create(self, key, **kw):
        return self.c.create_multipart_upload(Bucket="mpu", Key=key, **kw)["UploadId"]

    def upload(self, key, uid, n, data, **kw):
        return self.c.upload_part(Bucket="mpu", Key=key, UploadId=uid, PartNumber=n, Body=data,
                                  **kw)["ETag"]

    def complete(self, key, uid, parts):
        return self.c.complete_multipart_upload(
            Bucket="mpu", Key=key, UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]})

    def uploads(self, **kw):
        return self.c.list_multipart_uploads(Bucket="mpu", **kw).get("Uploads", [])

    def test_full_cycle(self):
        key = "big/object one+\u00e9"
        uid = self.create(key, ContentType="video/mp4", Metadata={"who": "mpu"},
                          Tagging="stage=final")
        self.assertIn(uid, [u["UploadId"] for u in self.uploads() if u["Key"] == key])
        parts = [self.p1, self.p2, self.p3]
        etags = [self.upload(key, uid, i + 1, p) for i, p in enumerate(parts)]
        self.assertEqual(etags, ['"%s"' % hashlib.md5(p).hexdigest() for p in parts])
        lp = self.c.list_parts(Bucket="mpu", Key=key, UploadId=uid)
        self.assertEqual([(p["PartNumber"], p["ETag"], p["Size"]) for p in lp["Parts"]],
                         [(i + 1, etags[i], len(parts[i])) for i in range(3)])
        self.assertFalse(lp["IsTruncated"])
        # paged list-parts
        lp1 = self.c.list_parts(Bucket="mpu", Key=key, UploadId=uid, MaxParts=2)
        self.assertTrue(lp1["IsTruncated"])
        self.assertEqual([p["PartNumber"] for p in lp1["Parts"]], [1, 2])
        lp2 = self.c.list_parts(Bucket="mpu", Key=key, UploadId=uid,
                                PartNumberMarker=lp1["NextPartNumberMarker"])
        self.assertEqual([p["PartNumber"] for p in lp2["Parts"]], [3])
        self.assertFalse(lp2["IsTruncated"])
        # the object does not exist before completion
        with self.assertRaises(ClientError) as cm:
            self.c.head_object(Bucket="mpu", Key=key)
        self.assertEqual(err_status(cm), 404)
        r = self.complete(key, uid, list(zip((1, 2, 3), etags)))
        self.assertEqual(r["ETag"], multipart_etag(parts))
        self.assertEqual(r["Key"], key)
        whole = b"".join(parts)
        g = self.c.get_object(Bucket="mpu", Key=key)
        self.assertEqual(g["Body"].read(), whole)
        self.assertEqual(g["ETag"], multipart_etag(parts))
        self.assertEqual(g["ContentType"], "video/mp4")
        self.assertEqual(g["Metadata"], {"who": "mpu"})
        self.assertEqual(g["ContentLength"], len(whole))
        self.assertEqual(self.c.get_object_tagging(Bucket="mpu", Key=key)["TagSet"],
                         [{"Key": "stage", "Value": "final"}])
        # ranges across a part boundary, and part numbers
        a = 5 * MiB - 100
        g = self.c.get_object(Bucket="mpu", Key=key, Range="bytes=%d-%d" % (a, a + 299))
        self.assertEqual(g["Body"].read(), whole[a:a + 300])
        g = self.c.get_object(Bucket="mpu", Key=key, PartNumber=2)
        self.assertEqual(g["Body"].read(), self.p2)
        self.assertEqual(g["PartsCount"], 3)
        h = self.c.head_object(Bucket="mpu", Key=key, PartNumber=3)
        self.assertEqual(h["ContentLength"], len(self.p3))
        # the upload is gone
        self.assertNotIn(uid, [u["UploadId"] for u in self.uploads()])
        with self.assertRaises(ClientError) as cm:
            self.c.list_parts(Bucket="mpu", Key=key, UploadId=uid)
        self.assertEqual(err_code(cm), "NoSuchUpload")

    def test_part_overwrite_and_subset(self):
        key = "subset"
        uid = self.create(key)
        e1 = self.upload(key, uid, 1, b"will be replaced")
        e1 = self.upload(key, uid, 1, self.p1)
        self.upload(key, uid, 2, self.p3)  # uploaded, not used
        e5 = self.upload(key, uid, 5, b"tail")
        lp = self.c.list_parts(Bucket="mpu", Key=key, UploadId=uid)
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in lp["Parts"]],
                         [(1, len(self.p1)), (2, len(self.p3)), (5, 4)])
        r = self.complete(key, uid, [(1, e1), (5, e5)])
        self.assertEqual(r["ETag"], multipart_etag([self.p1, b"tail"]))
        self.assertEqual(self.c.get_object(Bucket="mpu", Key=key)["Body"].read(),
                         self.p1 + b"tail")

    def test_single_small_part(self):
        uid = self.create("one-part")
        e = self.upload("one-part", uid, 1, b"tiny")
        r = self.complete("one-part", uid, [(1, e)])
        self.assertEqual(r["ETag"], multipart_etag([b"tiny"]))
        self.assertEqual(self.c.get_object(Bucket="mpu", Key="one-part")["Body"].read(), b"tiny")

    def test_entity_too_small(self):
        uid = self.create("small")
        e1 = self.upload("small", uid, 1, b"a" * 1024)
        e2 = self.upload("small", uid, 2, b"b" * 1024)
        with self.assertRaises(ClientError) as cm:
            self.complete("small", uid, [(1, e1), (2, e2)])
        self.assertEqual(err_code(cm), "EntityTooSmall")
        # the upload survives a refused completion
        self.assertEqual(len(self.c.list_parts(Bucket="mpu", Key="small",
                                               UploadId=uid)["Parts"]), 2)
        self.c.abort_multipart_upload(Bucket="mpu", Key="small", UploadId=uid)

    def test_invalid_part(self):
        uid = self.create("badpart")
        e1 = self.upload("badpart", uid, 1, self.p1)
        e2 = self.upload("badpart", uid, 2, b"end")
        with self.assertRaises(ClientError) as cm:
            self.complete("badpart", uid, [(1, e1), (2, '"0123456789abcdef0123456789abcdef"')])
        self.assertEqual(err_code(cm), "InvalidPart")
        with self.assertRaises(ClientError) as cm:
            self.complete("badpart", uid, [(1, e1), (3, e2)])
        self.assertEqual(err_code(cm), "InvalidPart")
        # unquoted ETags are accepted as S3 does
        r = self.complete("badpart", uid, [(1, e1.strip('"')), (2, e2.strip('"'))])
        self.assertEqual(r["ETag"], multipart_etag([self.p1, b"end"]))
        with self.assertRaises(ClientError) as cm:
            self.c.head_object(Bucket="mpu", Key="badpart-never")
        self.assertEqual(err_status(cm), 404)

    def test_invalid_part_order(self):
        uid = self.create("order")
        e1 = self.upload("order", uid, 1, self.p1)
        e2 = self.upload("order", uid, 2, self.p2)
        for parts in ([(2, e2), (1, e1)], [(1, e1), (1, e1)]):
            with self.assertRaises(ClientError) as cm:
                self.complete("order", uid, parts)
            self.assertEqual(err_code(cm), "InvalidPartOrder", parts)
        with self.assertRaises(ClientError) as cm:
            self.c.head_object(Bucket="mpu", Key="order")
        self.assertEqual(err_status(cm), 404)
        self.c.abort_multipart_upload(Bucket="mpu", Key="order", UploadId=uid)

    def test_no_such_upload(self):
        bogus = "no-such-upload-id"
        with self.assertRaises(ClientError) as cm:
            self.upload("x", bogus, 1, b"data")
        self.assertEqual(err_code(cm), "NoSuchUpload")
        with self.assertRaises(ClientError) as cm:
            self.c.list_parts(Bucket="mpu", Key="x", UploadId=bogus)
        self.assertEqual(err_code(cm), "NoSuchUpload")
        with self.assertRaises(ClientError) as cm:
            self.complete("x", bogus, [(1, '"0123456789abcdef0123456789abcdef"')])
        self.assertEqual(err_code(cm), "NoSuchUpload")
        with self.assertRaises(ClientError) as cm:
            self.c.abort_multipart_upload(Bucket="mpu", Key="x", UploadId=bogus)
        self.assertEqual(err_code(cm), "NoSuchUpload")
        # an upload id used with another key
        uid = self.create("right-key")
        with self.assertRaises(ClientError) as cm:
            self.upload("wrong-key", uid, 1, b"data")
        self.assertEqual(err_code(cm), "NoSuchUpload")
        self.c.abort_multipart_upload(Bucket="mpu", Key="right-key", UploadId=uid)

    def test_bad_part_numbers(self):
        uid = self.create("pn")
        for n in (0, 10001):
            with self.assertRaises(ClientError) as cm:
                self.upload("pn", uid, n, b"x")
            self.assertEqual(err_code(cm), "InvalidArgument", n)
        self.c.abort_multipart_upload(Bucket="mpu", Key="pn", UploadId=uid)

    def test_abort_and_list_uploads(self):
        ids = {}
        for k in ("lu/a", "lu/b", "lu/b", "lu/sub/c", "other"):
            ids.setdefault(k, []).append(self.create(k))
        self.upload("lu/a", ids["lu/a"][0], 1, b"part data")
        ups = self.uploads(Prefix="lu/")
        self.assertEqual(sorted((u["Key"], u["UploadId"]) for u in ups),
                         sorted((k, u) for k in ("lu/a", "lu/b", "lu/sub/c") for u in ids[k]))
        r = self.c.list_multipart_uploads(Bucket="mpu", Prefix="lu/", Delimiter="/")
        self.assertEqual(sorted(u["Key"] for u in r.get("Uploads", [])), ["lu/a", "lu/b", "lu/b"])
        self.assertEqual([p["Prefix"] for p in r.get("CommonPrefixes", [])], ["lu/sub/"])
        # paging by max-uploads reaches every upload exactly once
        seen = []
        kw = {"Prefix": "lu/", "MaxUploads": 1}
        for _ in range(10):
            r = self.c.list_multipart_uploads(Bucket="mpu", **kw)
            seen += [(u["Key"], u["UploadId"]) for u in r.get("Uploads", [])]
            if not r["IsTruncated"]:
                break
            kw.update(KeyMarker=r["NextKeyMarker"], UploadIdMarker=r["NextUploadIdMarker"])
        self.assertEqual(sorted(seen), sorted((k, u) for k in ("lu/a", "lu/b", "lu/sub/c")
                                              for u in ids[k]))
        for k, us in ids.items():
            for u in us:
                r = self.c.abort_multipart_upload(Bucket="mpu", Key=k, UploadId=u)
                self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(self.uploads(Prefix="lu/"), [])
        self.assertEqual(self.uploads(Prefix="other"), [])
        with self.assertRaises(ClientError) as cm:
            self.upload("lu/a", ids["lu/a"][0], 2, b"late")
        self.assertEqual(err_code(cm), "NoSuchUpload")

    def test_upload_part_copy(self):
        src = os.urandom(10 * MiB + 5)
        self.c.put_object(Bucket="mpu", Key="copy-src", Body=src)
        uid = self.create("copy-dst")
        r1 = self.c.upload_part_copy(Bucket="mpu", Key="copy-dst", UploadId=uid, PartNumber=1,
                                     CopySource={"Bucket": "mpu", "Key": "copy-src"},
                                     CopySourceRange="bytes=0-%d" % (5 * MiB - 1))
        e1 = r1["CopyPartResult"]["ETag"]
        self.assertEqual(e1, '"%s"' % hashlib.md5(src[:5 * MiB]).hexdigest())
        r2 = self.c.upload_part_copy(Bucket="mpu", Key="copy-dst", UploadId=uid, PartNumber=2,
                                     CopySource={"Bucket": "mpu", "Key": "copy-src"},
                                     CopySourceRange="bytes=%d-%d" % (5 * MiB, 10 * MiB + 4))
        e2 = r2["CopyPartResult"]["ETag"]
        e3 = self.upload("copy-dst", uid, 3, b"own tail")
        # a whole-object part copy and the errors of bad ranges
        with self.assertRaises(ClientError) as cm:
            self.c.upload_part_copy(Bucket="mpu", Key="copy-dst", UploadId=uid, PartNumber=4,
                                    CopySource={"Bucket": "mpu", "Key": "copy-src"},
                                    CopySourceRange="bytes=0-%d" % len(src))
        self.assertEqual(err_code(cm), "InvalidRange")
        with self.assertRaises(ClientError) as cm:
            self.c.upload_part_copy(Bucket="mpu", Key="copy-dst", UploadId=uid, PartNumber=4,
                                    CopySource={"Bucket": "mpu", "Key": "copy-src"},
                                    CopySourceRange="bytes=10-5")
        self.assertEqual(err_code(cm), "InvalidArgument")
        with self.assertRaises(ClientError) as cm:
            self.c.upload_part_copy(Bucket="mpu", Key="copy-dst", UploadId=uid, PartNumber=4,
                                    CopySource={"Bucket": "mpu", "Key": "copy-src"},
                                    CopySourceIfMatch='"ffffffffffffffffffffffffffffffff"')
        self.assertEqual(err_code(cm), "PreconditionFailed")
        r = self.complete("copy-dst", uid, [(1, e1), (2, e2), (3, e3)])
        parts = [src[:5 * MiB], src[5 * MiB:], b"own tail"]
        self.assertEqual(r["ETag"], multipart_etag(parts))
        self.assertEqual(self.c.get_object(Bucket="mpu", Key="copy-dst")["Body"].read(),
                         b"".join(parts))

    def test_part_copy_from_multipart_source(self):
        # the source spans several stored parts: the range crosses a boundary
        uid = self.create("mp-src")
        e1 = self.upload("mp-src", uid, 1, self.p1)
        e2 = self.upload("mp-src", uid, 2, self.p3)
        self.complete("mp-src", uid, [(1, e1), (2, e2)])
        whole = self.p1 + self.p3
        uid = self.create("mp-dst")
        a, b = 5 * MiB - 1000, 5 * MiB + 999
        r = self.c.upload_part_copy(Bucket="mpu", Key="mp-dst", UploadId=uid, PartNumber=1,
                                    CopySource={"Bucket": "mpu", "Key": "mp-src"},
                                    CopySourceRange="bytes=%d-%d" % (a, b))
        self.complete("mp-dst", uid, [(1, r["CopyPartResult"]["ETag"])])
        self.assertEqual(self.c.get_object(Bucket="mpu", Key="mp-dst")["Body"].read(),
                         whole[a:b + 1])
        # copy_object of a multipart object gives a single-part copy
        r = self.c.copy_object(Bucket="mpu", Key="mp-flat",
                               CopySource={"Bucket": "mpu", "Key": "mp-src"})
        self.assertEqual(r["CopyObjectResult"]["ETag"], '"%s"' % hashlib.md5(whole).hexdigest())
        self.assertEqual(self.c.get_object(Bucket="mpu", Key="mp-flat")["Body"].read(), whole)

    def test_checksum_parts(self):
        key = "ck-mpu"
        uid = self.create(key, ChecksumAlgorithm="CRC32")
        r1 = self.c.upload_part(Bucket="mpu", Key=key, UploadId=uid, PartNumber=1, Body=self.p1,
                                ChecksumAlgorithm="CRC32")
        self.assertEqual(r1["ChecksumCRC32"], crc32_b64(self.p1))
        r2 = self.c.upload_part(Bucket="mpu", Key=key, UploadId=uid, PartNumber=2, Body=self.p3,
                                ChecksumAlgorithm="CRC32")
        with self.assertRaises(ClientError) as cm:
            self.c.upload_part(Bucket="mpu", Key=key, UploadId=uid, PartNumber=3, Body=b"zz",
                               ChecksumCRC32=crc32_b64(b"yy"))
        self.assertEqual(err_code(cm), "BadDigest")
        with self.assertRaises(ClientError) as cm:
            self.c.upload_part(Bucket="mpu", Key=key, UploadId=uid, PartNumber=4, Body=b"zz",
                               ContentMD5=base64.b64encode(hashlib.md5(b"yy").digest()).decode())
        self.assertEqual(err_code(cm), "BadDigest")
        lp = self.c.list_parts(Bucket="mpu", Key=key, UploadId=uid)
        self.assertEqual([p["PartNumber"] for p in lp["Parts"]], [1, 2])
        self.assertEqual(lp["Parts"][0]["ChecksumCRC32"], crc32_b64(self.p1))
        r = self.c.complete_multipart_upload(
            Bucket="mpu", Key=key, UploadId=uid, MultipartUpload={"Parts": [
                {"PartNumber": 1, "ETag": r1["ETag"], "ChecksumCRC32": r1["ChecksumCRC32"]},
                {"PartNumber": 2, "ETag": r2["ETag"], "ChecksumCRC32": r2["ChecksumCRC32"]}]})
        raw = base64.b64decode(crc32_b64(self.p1)) + base64.b64decode(crc32_b64(self.p3))
        self.assertEqual(r["ChecksumCRC32"], crc32_b64(raw) + "-2")
        # the composite value comes back on GET (whole object) and HEAD
        g = self.c.get_object(Bucket="mpu", Key=key, ChecksumMode="ENABLED")
        self.assertEqual(g["ChecksumCRC32"], crc32_b64(raw) + "-2")
        self.assertEqual(g["ChecksumType"], "COMPOSITE")
        h = self.c.head_object(Bucket="mpu", Key=key, ChecksumMode="ENABLED")
        self.assertEqual(h["ChecksumCRC32"], crc32_b64(raw) + "-2")
        g = self.c.get_object(Bucket="mpu", Key=key, ChecksumMode="ENABLED", Range="bytes=0-9")
        self.assertNotIn("ChecksumCRC32", g)
        self.assertEqual(g["Body"].read(), self.p1[:10])
        self.assertEqual(self.c.get_object(Bucket="mpu", Key=key)["Body"].read(),
                         self.p1 + self.p3)

    def test_transfer_upload_download_40mib(self):
        src = os.path.join(self.server.tmp, "forty.bin")
        dst = os.path.join(self.server.tmp, "forty.back")
        chunk = 8 * MiB
        with open(src, "wb") as f:
            for _ in range(5):
                f.write(os.urandom(chunk))
        with open(src, "rb") as f:
            data = f.read()
        cfg = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=chunk,
                             max_concurrency=4)
        self.c.upload_file(src, "mpu", "transfer/forty.bin", Config=cfg)
        h = self.c.head_object(Bucket="mpu", Key="transfer/forty.bin")
        self.assertEqual(h["ContentLength"], 40 * MiB)
        parts = [data[i:i + chunk] for i in range(0, len(data), chunk)]
        self.assertEqual(h["ETag"], multipart_etag(parts))
        self.c.download_file("mpu", "transfer/forty.bin", dst, Config=cfg)
        with open(dst, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(),
                             hashlib.sha256(data).hexdigest())
        self.assertEqual(self.uploads(Prefix="transfer/"), [])
        os.unlink(src)
        os.unlink(dst)
