"""aws-chunked uploads with chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD and
its -TRAILER form), as the Java and Go SDKs send them.  The test signs each chunk
itself, following AWS's published algorithm, and sends over a raw connection."""
import base64
import hashlib
import hmac
import http.client
import os
import zlib

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import ACCESS, SECRET, REGION, ServerTestCase

EMPTY = hashlib.sha256(b"").hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(date):
    k = _hmac(("AWS4" + SECRET).encode(), date)
    k = _hmac(k, REGION)
    k = _hmac(k, "s3")
    return _hmac(k, "aws4_request")


class SignedChunks(ServerTestCase):
    def upload(self, key, chunks, trailer=False, tamper=None):
        total = sum(len(c) for c in chunks)
        mode = ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" if trailer
                else "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        headers = {"x-amz-content-sha256": mode, "Content-Encoding": "aws-chunked",
                   "x-amz-decoded-content-length": str(total)}
        if trailer:
            headers["x-amz-trailer"] = "x-amz-checksum-crc32"
        path = "/chunk-bucket/" + key
        host = "127.0.0.1:%d" % self.server.port
        req = AWSRequest(method="PUT", url="http://" + host + path, headers=headers)
        SigV4Auth(Credentials(ACCESS, SECRET), "s3", REGION).add_auth(req)
        auth = req.headers["Authorization"]
        seed = auth.split("Signature=")[1]
        amz_date = req.headers["X-Amz-Date"]
        scope = "%s/%s/s3/aws4_request" % (amz_date[:8], REGION)
        key_bytes = signing_key(amz_date[:8])
        body = b""
        prev = seed
        for i, c in enumerate(list(chunks) + [b""]):
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, EMPTY,
                             hashlib.sha256(c).hexdigest()])
            sig = hmac.new(key_bytes, sts.encode(), hashlib.sha256).hexdigest()
            prev = sig
            data = c
            if tamper == i and c:
                data = bytes([c[0] ^ 1]) + c[1:]
            body += b"%x;chunk-signature=%s\r\n" % (len(c), sig.encode()) + data + b"\r\n"
        if trailer:
            crc = base64.b64encode(zlib.crc32(b"".join(chunks)).to_bytes(4, "big")).decode()
            tline = "x-amz-checksum-crc32:%s\n" % crc
            sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, prev,
                             hashlib.sha256(tline.encode()).hexdigest()])
            tsig = hmac.new(key_bytes, sts.encode(), hashlib.sha256).hexdigest()
            body = body[:-2]  # the final chunk's CRLF becomes the trailer section
            body += b"\r\nx-amz-checksum-crc32:" + crc.encode() + b"\r\n"
            body += b"x-amz-trailer-signature:" + tsig.encode() + b"\r\n\r\n"
        send = dict(req.headers.items())
        send["Host"] = host
        send["Content-Length"] = str(len(body))
        c = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        c.request("PUT", path, body=body, headers=send)
        r = c.getresponse()
        out = r.status, r.read()
        c.close()
        return out

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from harness import boto3_client
        boto3_client(cls.server).create_bucket(Bucket="chunk-bucket")

    def get(self, key):
        return self.s3().get_object(Bucket="chunk-bucket", Key=key)["Body"].read()

    def test_signed_chunks(self):
        chunks = [os.urandom(64 * 1024), os.urandom(64 * 1024), os.urandom(1000)]
        st, body = self.upload("signed", chunks)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.get("signed"), b"".join(chunks))

    def test_signed_chunks_with_signed_trailer(self):
        chunks = [os.urandom(70000), os.urandom(12345)]
        st, body = self.upload("trailer", chunks, trailer=True)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.get("trailer"), b"".join(chunks))

    def test_tampered_chunk_is_refused_and_nothing_stored(self):
        chunks = [os.urandom(64 * 1024), os.urandom(5000)]
        st, body = self.upload("tampered", chunks, tamper=1)
        self.assertEqual(st, 403, body)
        self.assertIn(b"SignatureDoesNotMatch", body)
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as e:
            self.get("tampered")
        self.assertEqual(e.exception.response["Error"]["Code"], "NoSuchKey")
