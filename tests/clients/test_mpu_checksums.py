"""boto3 against a real server: multipart checksums, FULL_OBJECT and COMPOSITE.

A FULL_OBJECT upload (CRC32, CRC32C, CRC64NVME) ends with the CRC of the whole
object, which the server folds together from the parts' CRCs and sizes; here
it is compared with the CRC of the whole object computed in Python (zlib for
CRC32, small table-driven CRC32C and CRC64NVME below, checked against their
catalogue values).  Also: CRC64NVME defaults to FULL_OBJECT and refuses
COMPOSITE, SHA1/SHA256 refuse FULL_OBJECT, a client's full-object checksum on
CompleteMultipartUpload is verified (a wrong one is BadDigest and the upload
stays), parts without a CRC or with another algorithm are refused, part copies
and s3transfer's full-object uploads work, and COMPOSITE is unchanged.

boto3 here has no awscrt, so it cannot compute CRC32C or CRC64NVME itself: the
tests send those part checksums as precomputed x-amz-checksum-* headers.
"""
import base64
import hashlib
import os
import unittest
import zlib

from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import ServerTestCase, boto3_client

MiB = 1024 * 1024


def err_code(cm):
    return cm.exception.response["Error"]["Code"]


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


def crc32c(data, crc=0):
    """CRC-32C; pass a previous result as crc to continue over more data."""
    t = _CRC32C
    c = crc ^ 0xFFFFFFFF
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def crc64nvme(data, crc=0):
    """CRC-64/NVME; pass a previous result as crc to continue over more data."""
    t = _CRC64NVME
    m = 0xFFFFFFFFFFFFFFFF
    c = crc ^ m
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ m


CRCS = {
    "CRC32": (lambda d, c=0: zlib.crc32(d, c) & 0xFFFFFFFF, 4),
    "CRC32C": (crc32c, 4),
    "CRC64NVME": (crc64nvme, 8),
}


def b64(raw):
    return base64.b64encode(raw).decode()


def crc_b64(alg, *pieces):
    """The base64 CRC of the pieces one after the other, computed over the bytes."""
    fn, width = CRCS[alg]
    c = 0
    for p in pieces:
        c = fn(p, c)
    return b64(c.to_bytes(width, "big"))


def composite_b64(alg, *parts):
    """COMPOSITE: the CRC of the parts' raw CRCs, then "-N"."""
    raw = b"".join(base64.b64decode(crc_b64(alg, p)) for p in parts)
    return "%s-%d" % (crc_b64(alg, raw), len(parts))


class CrcSelfTest(unittest.TestCase):
    def test_reference_check_values(self):
        # the catalogue check values over "123456789", also in two pieces
        self.assertEqual(crc32c(b"123456789"), 0xE3069283)
        self.assertEqual(crc32c(b"56789", crc32c(b"1234")), 0xE3069283)
        self.assertEqual(crc64nvme(b"123456789"), 0xAE8B14860A799888)
        self.assertEqual(crc64nvme(b"6789", crc64nvme(b"12345")), 0xAE8B14860A799888)
        self.assertEqual(crc_b64("CRC32", b"hello"), "NhCmhg==")


class MpuChecksums(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.c = boto3_client(cls.server)
        cls.c.create_bucket(Bucket="ckmpu")
        # two full-size parts and a short tail
        cls.p1 = os.urandom(5 * MiB)
        cls.p2 = os.urandom(5 * MiB + 17)
        cls.p3 = os.urandom(123457)

    def create(self, key, alg, ctype=None):
        kw = {"ChecksumAlgorithm": alg}
        if ctype:
            kw["ChecksumType"] = ctype
        return self.c.create_multipart_upload(Bucket="ckmpu", Key=key, **kw)

    def upload(self, key, uid, n, data, alg, client=None):
        """Uploads a part with its checksum: boto3 computes CRC32 and the SHAs,
        the others go as a header computed here.  alg None: no checksum."""
        kw = {}
        if alg in ("CRC32C", "CRC64NVME"):
            kw["Checksum" + alg] = crc_b64(alg, data)
        elif alg:
            kw["ChecksumAlgorithm"] = alg
        r = (client or self.c).upload_part(Bucket="ckmpu", Key=key, UploadId=uid, PartNumber=n,
                                           Body=data, **kw)
        if alg in CRCS:
            self.assertEqual(r["Checksum" + alg], kw.get("Checksum" + alg) or crc_b64(alg, data))
        return r

    def complete(self, key, uid, alg, parts, **kw):
        return self.c.complete_multipart_upload(
            Bucket="ckmpu", Key=key, UploadId=uid, MultipartUpload={"Parts": [
                {"PartNumber": n, "ETag": r["ETag"],
                 **({"Checksum" + alg: r["Checksum" + alg]} if "Checksum" + alg in r else {})}
                for n, r in parts]}, **kw)

    def upload_ids(self, key):
        ups = self.c.list_multipart_uploads(Bucket="ckmpu").get("Uploads", [])
        return [u["UploadId"] for u in ups if u["Key"] == key]

    def assert_stored(self, key, alg, value, ctype):
        for r in (self.c.head_object(Bucket="ckmpu", Key=key, ChecksumMode="ENABLED"),
                  self.c.get_object(Bucket="ckmpu", Key=key, ChecksumMode="ENABLED")):
            self.assertEqual(r["Checksum" + alg], value)
            self.assertEqual(r["ChecksumType"], ctype)
            if "Body" in r:
                r["Body"].read()

    # ---- FULL_OBJECT

    def test_full_object_crcs(self):
        for alg, ctype, parts in (("CRC32", "FULL_OBJECT", (self.p1, self.p2, self.p3)),
                                  ("CRC32C", "FULL_OBJECT", (self.p1, self.p3)),
                                  # CRC64NVME: FULL_OBJECT without asking
                                  ("CRC64NVME", None, (self.p2, self.p3))):
            with self.subTest(alg=alg):
                key = "full-" + alg.lower()
                cr = self.create(key, alg, ctype)
                self.assertEqual(cr["ChecksumAlgorithm"], alg)
                self.assertEqual(cr["ChecksumType"], "FULL_OBJECT")
                uid = cr["UploadId"]
                rs = [self.upload(key, uid, i + 1, p, alg) for i, p in enumerate(parts)]
                lp = self.c.list_parts(Bucket="ckmpu", Key=key, UploadId=uid)
                self.assertEqual(lp["ChecksumAlgorithm"], alg)
                self.assertEqual(lp["ChecksumType"], "FULL_OBJECT")
                self.assertEqual([p["Checksum" + alg] for p in lp["Parts"]],
                                 [r["Checksum" + alg] for r in rs])
                r = self.complete(key, uid, alg, list(enumerate(rs, 1)))
                whole = crc_b64(alg, *parts)
                self.assertEqual(r["Checksum" + alg], whole)
                self.assertEqual(r["ChecksumType"], "FULL_OBJECT")
                self.assertNotIn("-", whole)
                self.assert_stored(key, alg, whole, "FULL_OBJECT")
                g = self.c.get_object(Bucket="ckmpu", Key=key)
                self.assertEqual(g["Body"].read(), b"".join(parts))
                # a range or a part number is not the whole object: no checksum
                g = self.c.get_object(Bucket="ckmpu", Key=key, ChecksumMode="ENABLED",
                                      Range="bytes=0-9")
                self.assertNotIn("Checksum" + alg, g)
                g["Body"].read()

    def test_single_part_full_object_is_the_part_crc(self):
        cr = self.create("one", "CRC32C", "FULL_OBJECT")
        r = self.upload("one", cr["UploadId"], 1, b"tiny", "CRC32C")
        c = self.complete("one", cr["UploadId"], "CRC32C", [(1, r)])
        self.assertEqual(c["ChecksumCRC32C"], crc_b64("CRC32C", b"tiny"))
        self.assertEqual(c["ChecksumCRC32C"], r["ChecksumCRC32C"])

    def test_full_object_checksum_given_on_complete(self):
        key = "given"
        uid = self.create(key, "CRC32C", "FULL_OBJECT")["UploadId"]
        rs = [self.upload(key, uid, 1, self.p1, "CRC32C"),
              self.upload(key, uid, 2, self.p3, "CRC32C")]
        parts = list(enumerate(rs, 1))
        whole = crc_b64("CRC32C", self.p1, self.p3)
        wrong = crc_b64("CRC32C", self.p3, self.p1)
        with self.assertRaises(ClientError) as cm:
            self.complete(key, uid, "CRC32C", parts, ChecksumCRC32C=wrong,
                          ChecksumType="FULL_OBJECT")
        self.assertEqual(err_code(cm), "BadDigest")
        # the refused completion left the upload and its parts, and no object
        self.assertIn(uid, self.upload_ids(key))
        self.assertEqual(len(self.c.list_parts(Bucket="ckmpu", Key=key, UploadId=uid)["Parts"]), 2)
        with self.assertRaises(ClientError) as cm:
            self.c.head_object(Bucket="ckmpu", Key=key)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        # another type, another algorithm, a malformed value
        with self.assertRaises(ClientError) as cm:
            self.complete(key, uid, "CRC32C", parts, ChecksumType="COMPOSITE")
        self.assertEqual(err_code(cm), "InvalidRequest")
        with self.assertRaises(ClientError) as cm:
            self.complete(key, uid, "CRC32C", parts, ChecksumCRC32=crc_b64("CRC32", self.p1))
        self.assertEqual(err_code(cm), "InvalidRequest")
        with self.assertRaises(ClientError) as cm:
            self.complete(key, uid, "CRC32C", parts, ChecksumCRC32C="AAAAAAAA")
        self.assertEqual(err_code(cm), "InvalidRequest")
        self.assertIn(uid, self.upload_ids(key))
        r = self.complete(key, uid, "CRC32C", parts, ChecksumCRC32C=whole,
                          ChecksumType="FULL_OBJECT")
        self.assertEqual(r["ChecksumCRC32C"], whole)
        self.assertEqual(r["ChecksumType"], "FULL_OBJECT")
        self.assert_stored(key, "CRC32C", whole, "FULL_OBJECT")
        self.assertNotIn(uid, self.upload_ids(key))

    def test_part_without_crc_is_refused(self):
        key = "missing"
        uid = self.create(key, "CRC32", "FULL_OBJECT")["UploadId"]
        bare = self.s3(config=Config(s3={"addressing_style": "path"},
                                     retries={"max_attempts": 1},
                                     request_checksum_calculation="when_required"))
        r1 = self.upload(key, uid, 1, self.p1, "CRC32")
        r2 = self.upload(key, uid, 2, self.p3, None, client=bare)
        self.assertNotIn("ChecksumCRC32", r2)
        with self.assertRaises(ClientError) as cm:
            self.complete(key, uid, "CRC32", [(1, r1), (2, r2)])
        self.assertEqual(err_code(cm), "InvalidRequest")
        self.assertIn("part 2", cm.exception.response["Error"]["Message"].lower())
        self.assertIn(uid, self.upload_ids(key))
        # the part again, with its CRC: now it completes
        r2 = self.upload(key, uid, 2, self.p3, "CRC32")
        r = self.complete(key, uid, "CRC32", [(1, r1), (2, r2)])
        self.assertEqual(r["ChecksumCRC32"], crc_b64("CRC32", self.p1, self.p3))

    def test_part_with_another_algorithm_is_refused(self):
        key = "mixed"
        uid = self.create(key, "CRC32C", "FULL_OBJECT")["UploadId"]
        with self.assertRaises(ClientError) as cm:
            self.upload(key, uid, 1, b"data", "CRC32")
        self.assertEqual(err_code(cm), "InvalidRequest")
        self.assertEqual(self.c.list_parts(Bucket="ckmpu", Key=key, UploadId=uid).get("Parts", []),
                         [])
        self.c.abort_multipart_upload(Bucket="ckmpu", Key=key, UploadId=uid)

    def test_part_copy_into_full_object(self):
        self.c.put_object(Bucket="ckmpu", Key="copy-src", Body=self.p2)
        key = "copied"
        uid = self.create(key, "CRC64NVME")["UploadId"]
        cp = self.c.upload_part_copy(Bucket="ckmpu", Key=key, UploadId=uid, PartNumber=1,
                                     CopySource={"Bucket": "ckmpu", "Key": "copy-src"},
                                     CopySourceRange="bytes=17-%d" % (len(self.p2) - 1))
        self.assertEqual(cp["CopyPartResult"]["ChecksumCRC64NVME"],
                         crc_b64("CRC64NVME", self.p2[17:]))
        r2 = self.upload(key, uid, 2, b"tail", "CRC64NVME")
        r = self.c.complete_multipart_upload(
            Bucket="ckmpu", Key=key, UploadId=uid, MultipartUpload={"Parts": [
                {"PartNumber": 1, "ETag": cp["CopyPartResult"]["ETag"]},
                {"PartNumber": 2, "ETag": r2["ETag"]}]})
        whole = crc_b64("CRC64NVME", self.p2[17:], b"tail")
        self.assertEqual(r["ChecksumCRC64NVME"], whole)
        self.assert_stored(key, "CRC64NVME", whole, "FULL_OBJECT")

    def test_transfer_manager_full_object(self):
        # s3transfer turns a full-object checksum into a FULL_OBJECT multipart
        # upload and hands the value to CompleteMultipartUpload
        src = os.path.join(self.server.tmp, "full.bin")
        data = self.p1 + self.p3
        with open(src, "wb") as f:
            f.write(data)
        cfg = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                             max_concurrency=2)
        whole = crc_b64("CRC32", data)
        self.c.upload_file(src, "ckmpu", "via-transfer", Config=cfg,
                           ExtraArgs={"ChecksumCRC32": whole})
        h = self.c.head_object(Bucket="ckmpu", Key="via-transfer", ChecksumMode="ENABLED")
        self.assertEqual(h["ContentLength"], len(data))
        self.assertEqual(h["ChecksumCRC32"], whole)
        self.assertEqual(h["ChecksumType"], "FULL_OBJECT")
        self.assertTrue(h["ETag"].endswith('-2"'))
        # a wrong value fails the transfer and leaves no object behind
        with self.assertRaises(Exception):
            self.c.upload_file(src, "ckmpu", "via-transfer-bad", Config=cfg,
                               ExtraArgs={"ChecksumCRC32": crc_b64("CRC32", b"other")})
        with self.assertRaises(ClientError):
            self.c.head_object(Bucket="ckmpu", Key="via-transfer-bad")

    # ---- which algorithm goes with which type

    def test_type_rules_on_create(self):
        for alg in ("SHA1", "SHA256"):
            with self.subTest(alg=alg):
                with self.assertRaises(ClientError) as cm:
                    self.create("sha-full", alg, "FULL_OBJECT")
                self.assertEqual(err_code(cm), "InvalidRequest")
                self.assertIn("FULL_OBJECT", cm.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as cm:
            self.create("nvme-composite", "CRC64NVME", "COMPOSITE")
        self.assertEqual(err_code(cm), "InvalidRequest")
        self.assertEqual(self.upload_ids("sha-full") + self.upload_ids("nvme-composite"), [])
        # the defaults: COMPOSITE for CRC32, CRC32C and the SHAs
        for alg in ("CRC32", "CRC32C", "SHA1", "SHA256"):
            with self.subTest(alg=alg):
                cr = self.create("default-" + alg, alg)
                self.assertEqual(cr["ChecksumType"], "COMPOSITE")
                self.c.abort_multipart_upload(Bucket="ckmpu", Key="default-" + alg,
                                              UploadId=cr["UploadId"])

    # ---- COMPOSITE, as before

    def test_composite_unchanged(self):
        for alg, ctype in (("CRC32", "COMPOSITE"), ("CRC32C", None), ("SHA256", None)):
            with self.subTest(alg=alg):
                key = "comp-" + alg.lower()
                cr = self.create(key, alg, ctype)
                self.assertEqual(cr["ChecksumType"], "COMPOSITE")
                uid = cr["UploadId"]
                rs = [self.upload(key, uid, 1, self.p1, alg),
                      self.upload(key, uid, 2, self.p3, alg)]
                r = self.complete(key, uid, alg, list(enumerate(rs, 1)))
                if alg == "SHA256":
                    raw = b"".join(base64.b64decode(x["ChecksumSHA256"]) for x in rs)
                    self.assertEqual(rs[1]["ChecksumSHA256"],
                                     b64(hashlib.sha256(self.p3).digest()))
                    want = "%s-2" % b64(hashlib.sha256(raw).digest())
                else:
                    want = composite_b64(alg, self.p1, self.p3)
                self.assertEqual(r["Checksum" + alg], want)
                self.assertEqual(r["ChecksumType"], "COMPOSITE")
                self.assert_stored(key, alg, want, "COMPOSITE")

    def test_composite_value_given_on_complete(self):
        key = "comp-given"
        uid = self.create(key, "CRC32")["UploadId"]
        rs = [self.upload(key, uid, 1, self.p1, "CRC32"),
              self.upload(key, uid, 2, self.p3, "CRC32")]
        want = composite_b64("CRC32", self.p1, self.p3)
        with self.assertRaises(ClientError) as cm:
            self.complete(key, uid, "CRC32", list(enumerate(rs, 1)),
                          ChecksumCRC32=crc_b64("CRC32", self.p1, self.p3))
        self.assertEqual(err_code(cm), "BadDigest")
        r = self.complete(key, uid, "CRC32", list(enumerate(rs, 1)), ChecksumCRC32=want[:-2])
        self.assertEqual(r["ChecksumCRC32"], want)


if __name__ == "__main__":
    unittest.main()
