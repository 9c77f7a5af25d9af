"""Malformed, hostile and broken requests over raw sockets and http.client.

Each case checks the exact S3 error Code and HTTP status, then that the server
still answers a normal signed request.  Requests are signed with botocore's
SigV4 signer first, then corrupted where the case needs it.
"""
import base64
import datetime
import hashlib
import http.client
import os
import re
import socket
import threading
import time
import unittest.mock
from urllib.parse import quote

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import ACCESS, REGION, SECRET, ServerTestCase, boto3_client

BUCKET = "badinput"
ALIVE_KEY = "alive.txt"
ALIVE_BODY = b"still here\n" * 10


class _Signer(S3SigV4Auth):
    def __init__(self, creds, payload_hash):
        super().__init__(creds, "s3", REGION)
        self.payload_hash = payload_hash

    def payload(self, request):
        return self.payload_hash or super().payload(request)


def sign(endpoint, method, path, body=b"", headers=None, key=ACCESS, secret=SECRET,
         when=None, payload=None):
    """SigV4 headers for one request, as boto3 would send them; `payload`
    replaces the body hash (UNSIGNED-PAYLOAD, STREAMING-...)."""
    req = AWSRequest(method=method, url=endpoint + path, data=body, headers=headers or {})
    auth = _Signer(Credentials(key, secret), payload)
    if when is not None:
        with unittest.mock.patch("botocore.auth.get_current_datetime", return_value=when):
            auth.add_auth(req)
    else:
        auth.add_auth(req)
    return dict(req.headers.items())


def error_code(body):
    m = re.search(rb"<Code>([^<]*)</Code>", body)
    return m.group(1).decode() if m else None


class Malformed(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key=ALIVE_KEY, Body=ALIVE_BODY)
        s3.put_object(Bucket=BUCKET, Key="ten", Body=b"0123456789")

    @classmethod
    def tearDownClass(cls):
        # UBSan reports land in the server log, not in a report file.
        log = cls.server.read_log()
        super().tearDownClass()
        for marker in ("runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer"):
            if marker in log:
                raise AssertionError("sanitizer report in server log:\n" + log[-8000:])

    # ------------------------------------------------------------ helpers

    def conn(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout)

    def request(self, method, path, body=b"", headers=None, sign_headers=None, **signkw):
        """Signs (unless sign_headers is False), then applies `headers` over
        the signed ones: the corruption a case needs."""
        h = {}
        if sign_headers is not False:
            h = sign(self.server.endpoint, method, path, body, sign_headers, **signkw)
        h.update(headers or {})
        c = self.conn()
        try:
            c.putrequest(method, path, skip_host="Host" in h or "host" in h,
                         skip_accept_encoding=True)
            for k, v in h.items():
                c.putheader(k, v)
            if body and not any(k.lower() == "content-length" for k in h):
                c.putheader("Content-Length", str(len(body)))
            c.endheaders(body if body else None)
            r = c.getresponse()
            data = r.read()
            return r.status, data, {k.lower(): v for k, v in r.getheaders()}
        finally:
            c.close()

    def assertS3Error(self, resp, status, code):
        st, body, hdrs = resp
        self.assertEqual((st, error_code(body)), (status, code), body[:2000])
        self.assertTrue(hdrs.get("x-amz-request-id"), hdrs)

    def assertAlive(self):
        st, body, _ = self.request("GET", "/%s/%s" % (BUCKET, ALIVE_KEY))
        self.assertEqual((st, body), (200, ALIVE_BODY))

    def assertAbsent(self, key):
        st, body, _ = self.request("HEAD", "/%s/%s" % (BUCKET, quote(key)))
        self.assertEqual(st, 404, "object %r exists" % key)

    def tmp_files(self):
        return os.listdir(os.path.join(self.server.data, "zone0", "tmp"))

    def wait_no_tmp(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.tmp_files():
                return
            time.sleep(0.1)
        self.fail("temp files left behind: %s" % self.tmp_files())

    def wait_tmp(self, timeout=10):
        """Waits until an upload in progress has its temp file."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.tmp_files():
                return
            time.sleep(0.02)
        self.fail("no temp file while the body streams in")

    def raw(self, data, timeout=10, shut=True):
        """Sends bytes on a fresh socket; returns everything read until close
        or timeout."""
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=timeout)
        try:
            try:
                s.sendall(data)
                if shut:
                    s.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server may answer and close before it read it all
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except (socket.timeout, OSError):
                    break
                if not chunk:
                    break
                out += chunk
            return out
        finally:
            s.close()

    # ------------------------------------------------------------ XML bodies

    BAD_XML = [
        b"",                                                     # empty
        b"not xml at all",
        b"<Delete><Object><Key>a</Key></Object>",                 # unterminated
        b"<Delete><Object><Key>a</Key></Obj></Delete>",           # mismatched tags
        b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'>"
        b"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;"
        b"&b;'><!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;'><!ENTITY e '&d;&d;&d;&d;&d;&d;&d;"
        b"&d;&d;&d;'><!ENTITY f '&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;'>]><Delete><Object><Key>&f;"
        b"</Key></Object></Delete>",                            # entity expansion
        b"<Delete>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</Delete>",  # deep nesting
        b"\xff\xfe<\x00D\x00",                                   # bad encoding
    ]

    def test_malformed_xml_delete_objects(self):
        self.s3().put_object(Bucket=BUCKET, Key="a", Body=b"keep")
        for body in self.BAD_XML:
            with self.subTest(body=body[:40]):
                md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
                # Only the empty body may also be reported as missing.
                resp = self.request("POST", "/%s?delete" % BUCKET, body,
                                    sign_headers={"Content-MD5": md5})
                self.assertS3Error(resp, 400, "MalformedXML")
                self.assertAlive()
        st, body, _ = self.request("GET", "/%s/a" % BUCKET)
        self.assertEqual((st, body), (200, b"keep"))

    def test_malformed_xml_complete_multipart(self):
        s3 = self.s3()
        up = s3.create_multipart_upload(Bucket=BUCKET, Key="mpu-bad")["UploadId"]
        part = s3.upload_part(Bucket=BUCKET, Key="mpu-bad", UploadId=up, PartNumber=1,
                              Body=b"x" * 100)
        good_tail = ("<Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>"
                     % part["ETag"]).encode()
        bodies = self.BAD_XML + [b"<CompleteMultipartUpload>" + good_tail,
                                 b"<CompleteMultipartUpload>" + good_tail + b"</Complete>"]
        for body in bodies:
            with self.subTest(body=body[:40]):
                resp = self.request("POST", "/%s/mpu-bad?uploadId=%s" % (BUCKET, quote(up)),
                                    body)
                self.assertS3Error(resp, 400, "MalformedXML")
                self.assertAlive()
        self.assertAbsent("mpu-bad")
        # The upload survived the garbage and still completes.
        s3.complete_multipart_upload(Bucket=BUCKET, Key="mpu-bad", UploadId=up,
                                     MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                 "ETag": part["ETag"]}]})
        self.assertEqual(s3.get_object(Bucket=BUCKET, Key="mpu-bad")["Body"].read(),
                         b"x" * 100)

    def test_malformed_xml_put_public_access_block(self):
        bodies = self.BAD_XML + [
            b"<PublicAccessBlockConfiguration><BlockPublicPolicy>yes</BlockPublicPolicy>"
            b"</PublicAccessBlockConfiguration>",
            b"<PublicAccessBlockConfiguration><BlockPublicPolicy>true</BlockPublicPolicy>"]
        for body in bodies:
            with self.subTest(body=body[:40]):
                resp = self.request("PUT", "/%s?publicAccessBlock" % BUCKET, body)
                self.assertS3Error(resp, 400, "MalformedXML")
                self.assertAlive()
        resp = self.request("GET", "/%s?publicAccessBlock" % BUCKET)
        self.assertS3Error(resp, 404, "NoSuchPublicAccessBlockConfiguration")

    def test_malformed_xml_put_tagging(self):
        self.s3().put_object(Bucket=BUCKET, Key="tagged", Body=b"t")
        bodies = self.BAD_XML + [b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag>"]
        for body in bodies:
            with self.subTest(body=body[:40]):
                resp = self.request("PUT", "/%s/tagged?tagging" % BUCKET, body)
                self.assertS3Error(resp, 400, "MalformedXML")
                self.assertAlive()
        self.assertEqual(self.s3().get_object_tagging(Bucket=BUCKET, Key="tagged")["TagSet"],
                         [])

    # ------------------------------------------------------------ auth

    def test_bad_signature(self):
        path = "/%s/%s" % (BUCKET, ALIVE_KEY)
        h = sign(self.server.endpoint, "GET", path)
        sig = re.search(r"Signature=([0-9a-f]{64})", h["Authorization"]).group(1)
        flipped = ("1" if sig[0] == "0" else "0") + sig[1:]
        resp = self.request("GET", path, headers={
            "Authorization": h["Authorization"].replace(sig, flipped)})
        self.assertS3Error(resp, 403, "SignatureDoesNotMatch")
        self.assertIn(b"<CanonicalRequest>", resp[1])
        self.assertIn(b"<StringToSign>", resp[1])
        self.assertNotIn(ALIVE_BODY, resp[1])
        # A signed header changed after signing is a mismatch too.
        d = h["X-Amz-Date"]
        other = d[:-3] + ("00Z" if not d.endswith("00Z") else "01Z")
        resp = self.request("GET", path, headers={"X-Amz-Date": other})
        self.assertS3Error(resp, 403, "SignatureDoesNotMatch")
        # A signed payload hash changed after signing, on a GET.
        resp = self.request("GET", path, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
        self.assertS3Error(resp, 403, "SignatureDoesNotMatch")
        # A malformed X-Amz-Date cannot be checked: refused, not served.
        resp = self.request("GET", path, headers={"X-Amz-Date": d + "0"})
        self.assertEqual(resp[0], 403)
        self.assertAlive()

    def test_unknown_access_key(self):
        resp = self.request("GET", "/%s/%s" % (BUCKET, ALIVE_KEY), key="AKIANOSUCHKEY0000000",
                            secret="whatever")
        self.assertS3Error(resp, 403, "InvalidAccessKeyId")
        self.assertAlive()

    def test_time_skewed(self):
        for minutes in (20, -20):
            when = datetime.datetime.utcnow() + datetime.timedelta(minutes=minutes)
            resp = self.request("GET", "/%s/%s" % (BUCKET, ALIVE_KEY), when=when)
            self.assertS3Error(resp, 403, "RequestTimeTooSkewed")
            self.assertAlive()
        # Inside the 15-minute window is fine.
        when = datetime.datetime.utcnow() + datetime.timedelta(minutes=5)
        st, body, _ = self.request("GET", "/%s/%s" % (BUCKET, ALIVE_KEY), when=when)
        self.assertEqual(st, 200)

    def test_content_sha256_mismatch(self):
        body = b"A" * 1000
        h = sign(self.server.endpoint, "PUT", "/%s/sha-bad" % BUCKET, body)
        resp = self.request("PUT", "/%s/sha-bad" % BUCKET, b"B" * 1000, headers=h,
                            sign_headers=False)
        self.assertS3Error(resp, 400, "XAmzContentSHA256Mismatch")
        self.assertAbsent("sha-bad")
        self.assertAlive()
        # A signed value that is not a hash at all is refused.
        resp = self.request("PUT", "/%s/sha-bad" % BUCKET, body, payload="abc")
        self.assertS3Error(resp, 400, "InvalidArgument")
        self.assertAbsent("sha-bad")
        self.wait_no_tmp()
        self.assertAlive()

    # ------------------------------------------------------------ digests

    def test_content_md5(self):
        body = b"digest me" * 100
        resp = self.request("PUT", "/%s/md5-bad" % BUCKET, body,
                            sign_headers={"Content-MD5": "not*base64!"})
        self.assertS3Error(resp, 400, "InvalidDigest")
        self.assertAbsent("md5-bad")
        self.assertAlive()
        short = base64.b64encode(b"\x01\x02\x03").decode()   # base64, but not 16 bytes
        resp = self.request("PUT", "/%s/md5-bad" % BUCKET, body,
                            sign_headers={"Content-MD5": short})
        self.assertS3Error(resp, 400, "InvalidDigest")
        self.assertAlive()
        wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        resp = self.request("PUT", "/%s/md5-bad" % BUCKET, body,
                            sign_headers={"Content-MD5": wrong})
        self.assertS3Error(resp, 400, "BadDigest")
        self.assertAbsent("md5-bad")
        self.wait_no_tmp()
        self.assertAlive()
        right = base64.b64encode(hashlib.md5(body).digest()).decode()
        st, _, _ = self.request("PUT", "/%s/md5-bad" % BUCKET, body,
                                sign_headers={"Content-MD5": right})
        self.assertEqual(st, 200)

    # ------------------------------------------------------------ routing

    def test_invalid_range(self):
        for rng in ("bytes=10-20", "bytes=100-", "bytes=500-600"):
            with self.subTest(rng=rng):
                resp = self.request("GET", "/%s/ten" % BUCKET, sign_headers={"Range": rng})
                self.assertS3Error(resp, 416, "InvalidRange")
                self.assertAlive()
        st, body, _ = self.request("GET", "/%s/ten" % BUCKET, sign_headers={"Range": "bytes=2-4"})
        self.assertEqual((st, body), (206, b"234"))

    def test_method_not_allowed(self):
        for method, path in (("PATCH", "/%s/%s" % (BUCKET, ALIVE_KEY)), ("PATCH", "/" + BUCKET),
                             ("TRACE", "/%s/%s" % (BUCKET, ALIVE_KEY)), ("PUT", "/")):
            with self.subTest(method=method, path=path):
                resp = self.request(method, path)
                self.assertS3Error(resp, 405, "MethodNotAllowed")
                self.assertAlive()

    def test_not_implemented_subresource(self):
        for method, path in (("GET", "/%s?lifecycle" % BUCKET),
                             ("PUT", "/%s?lifecycle" % BUCKET),
                             ("GET", "/%s/%s?acl" % (BUCKET, ALIVE_KEY)),
                             ("GET", "/%s/%s?policy" % (BUCKET, ALIVE_KEY)),
                             ("GET", "/%s/%s?publicAccessBlock" % (BUCKET, ALIVE_KEY)),
                             ("GET", "/%s?cors" % BUCKET)):
            with self.subTest(method=method, path=path):
                resp = self.request(method, path, b"<LifecycleConfiguration/>"
                                    if method == "PUT" else b"")
                self.assertS3Error(resp, 501, "NotImplemented")
                self.assertAlive()

    # ------------------------------------------------------------ broken bodies

    def test_short_body_then_close(self):
        path = "/%s/short-body" % BUCKET
        h = sign(self.server.endpoint, "PUT", path, payload="UNSIGNED-PAYLOAD")
        head = "PUT %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (path, self.server.port)
        for k, v in h.items():
            if k.lower() != "host":
                head += "%s: %s\r\n" % (k, v)
        head += "Content-Length: 100000\r\n\r\n"
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        s.sendall(head.encode() + b"z" * 60000)
        self.wait_tmp()
        s.close()
        self.wait_no_tmp()
        self.assertAbsent("short-body")
        self.assertAlive()

    def test_disconnect_mid_large_upload(self):
        path = "/%s/big-abort" % BUCKET
        h = sign(self.server.endpoint, "PUT", path, payload="UNSIGNED-PAYLOAD")
        head = "PUT %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (path, self.server.port)
        for k, v in h.items():
            if k.lower() != "host":
                head += "%s: %s\r\n" % (k, v)
        head += "Content-Length: %d\r\n\r\n" % (256 << 20)
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        s.sendall(head.encode())
        chunk = os.urandom(1 << 20)
        for _ in range(24):
            s.sendall(chunk)
        self.wait_tmp()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()  # RST mid-body
        self.wait_no_tmp()
        self.assertAbsent("big-abort")
        self.assertAlive()
        # Same again with a streaming aws-chunked body cut between chunks.
        h = sign(self.server.endpoint, "PUT", path, b"", {
            "x-amz-trailer": "x-amz-checksum-crc32", "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(64 << 20)},
            payload="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        head = "PUT %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (path, self.server.port)
        for k, v in h.items():
            if k.lower() != "host":
                head += "%s: %s\r\n" % (k, v)
        head += "Transfer-Encoding: chunked\r\n\r\n"
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        s.sendall(head.encode())
        for _ in range(8):
            inner = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
            s.sendall(b"%x\r\n" % len(inner) + inner + b"\r\n")
        self.wait_tmp()
        s.close()
        self.wait_no_tmp()
        self.assertAbsent("big-abort")
        self.assertAlive()

    def test_early_error_reaches_eager_client(self):
        """An error decided from the headers, on a PUT whose client sends the
        body without waiting for 100-continue: the client must read the
        error, not a reset, and the connection stays usable."""
        body = os.urandom(8 << 20)
        c = self.conn()
        try:
            for kw, status, code in ((dict(key="AKIANOSUCHKEY0000000", secret="x"), 403,
                                      "InvalidAccessKeyId"),
                                     (dict(sign_headers={"Content-MD5": "zz"}), 400,
                                      "InvalidDigest"),
                                     ({}, 404, "NoSuchBucket")):
                path = "/%s/eager" % (BUCKET if status != 404 else "no-such-bucket-e")
                h = sign(self.server.endpoint, "PUT", path, body, kw.pop("sign_headers", None),
                         **kw)
                c.request("PUT", path, body=body, headers=h)
                r = c.getresponse()
                self.assertS3Error((r.status, r.read(), dict(r.getheaders())), status, code)
            h = sign(self.server.endpoint, "GET", "/%s/%s" % (BUCKET, ALIVE_KEY))
            c.request("GET", "/%s/%s" % (BUCKET, ALIVE_KEY), headers=h)
            r = c.getresponse()
            self.assertEqual((r.status, r.read()), (200, ALIVE_BODY))
        finally:
            c.close()
        self.assertAbsent("eager")
        # With Expect: 100-continue the error comes instead of the 100, and
        # the body is never sent.
        path = "/%s/eager" % BUCKET
        h = sign(self.server.endpoint, "PUT", path, key="AKIANOSUCHKEY0000000", secret="x",
                 payload="UNSIGNED-PAYLOAD")
        head = "PUT %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (path, self.server.port)
        for k, v in h.items():
            head += "%s: %s\r\n" % (k, v)
        head += "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (1 << 30)
        out = self.raw(head.encode(), shut=False, timeout=10)
        self.assertTrue(out.startswith(b"HTTP/1.1 403 "), out[:200])
        self.assertIn(b"<Code>InvalidAccessKeyId</Code>", out)
        self.assertAlive()

    # ------------------------------------------------------------ HTTP framing

    def test_huge_header(self):
        path = "/%s/%s" % (BUCKET, ALIVE_KEY)
        h = sign(self.server.endpoint, "GET", path)
        head = "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (path, self.server.port)
        for k, v in h.items():
            if k.lower() != "host":
                head += "%s: %s\r\n" % (k, v)
        for name, size in (("X-Big", 100 * 1024), ("X-Many-%d", 0)):
            with self.subTest(name=name):
                if size:
                    extra = "%s: %s\r\n" % (name, "v" * size)
                else:  # 5000 small headers, about 100 KiB together
                    extra = "".join("X-Many-%d: %s\r\n" % (i, "w" * 10) for i in range(5000))
                out = self.raw((head + extra + "\r\n").encode())
                if out:
                    status = int(out.split(b" ", 2)[1])
                    self.assertIn(status, (400, 431), out[:300])
                self.assertAlive()

    def test_garbage_request_line(self):
        # Request lines libmicrohttpd can split: each must get exactly 400
        # (505 for an unknown HTTP version), never a routed S3 answer.
        for line, want in ((b"GET / FOO/1.1\r\n\r\n", 400),
                           (b"G E T / HTTP/1.1\r\n\r\n", 400),
                           (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
                           (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505)):
            with self.subTest(line=line):
                out = self.raw(line)
                self.assertTrue(out.startswith(b"HTTP/1."), out[:200])
                self.assertEqual(int(out.split(b" ", 2)[1]), want, out[:300])
                self.assertAlive()
        # Lines libmicrohttpd 0.9.75 cannot split at all (no space, NUL bytes):
        # it closes without a status line.  Either 400 or a close, and the
        # server keeps serving.
        for line in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"\x00\x01\x02\x03 / HTTP/1.1\r\n\r\n",
                     b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(200),
                     os.urandom(4096)):
            with self.subTest(line=line[:20]):
                out = self.raw(line, timeout=3)
                if out:
                    self.assertTrue(out.startswith(b"HTTP/1.1 400 "), out[:200])
                self.assertAlive()

    def test_300_concurrent_keepalive_connections(self):
        n = 300
        path = "/%s/%s" % (BUCKET, ALIVE_KEY)
        conns = []
        try:
            for _ in range(n):
                c = self.conn(timeout=60)
                c.connect()
                conns.append(c)
            results = [None] * n
            start = threading.Barrier(n)

            def worker(i):
                try:
                    start.wait(30)
                    out = []
                    for _ in range(2):  # two requests on the same connection
                        h = sign(self.server.endpoint, "GET", path)
                        conns[i].request("GET", path, headers=h)
                        r = conns[i].getresponse()
                        out.append((r.status, r.read(), r.getheader("x-amz-request-id")))
                    results[i] = out
                except Exception as e:  # noqa: BLE001 - reported below
                    results[i] = e

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            bad = [(i, r) for i, r in enumerate(results)
                   if not isinstance(r, list) or any(x[:2] != (200, ALIVE_BODY) for x in r)]
            self.assertEqual(bad[:5], [], "%d of %d connections failed" % (len(bad), n))
            ids = [x[2] for r in results for x in r]
            self.assertEqual(len(set(ids)), 2 * n)
        finally:
            for c in conns:
                c.close()
        self.assertAlive()
