"""An upload that stops sending gets 400 RequestTimeout, leaves nothing behind,
and the server goes on serving (run with a 2-second --request-timeout)."""
import os
import socket
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import ACCESS, SECRET, REGION, ServerTestCase


class StalledUpload(ServerTestCase):
    server_args = ("--request-timeout", "2")

    def signed_put_head(self, key, length):
        url = "http://127.0.0.1:%d/stall/%s" % (self.server.port, key)
        req = AWSRequest(method="PUT", url=url,
                         headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD",
                                  "Content-Length": str(length)})
        SigV4Auth(Credentials(ACCESS, SECRET), "s3", REGION).add_auth(req)
        head = "PUT /stall/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (key, self.server.port)
        for k, v in req.headers.items():
            head += "%s: %s\r\n" % (k, v)
        return (head + "\r\n").encode()

    def tmp_files(self):
        d = os.path.join(self.server.data, "zone0", "tmp")
        return os.listdir(d) if os.path.isdir(d) else []

    def test_stalled_body_gets_request_timeout(self):
        s3 = self.s3()
        s3.create_bucket(Bucket="stall")
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=15)
        s.sendall(self.signed_put_head("slow", 100000) + b"x" * 5000)
        time.sleep(0.5)
        self.assertEqual(len(self.tmp_files()), 1)  # the upload is under way
        t0 = time.time()
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        waited = time.time() - t0
        self.assertTrue(data.startswith(b"HTTP/1.1 400"), data[:200])
        self.assertIn(b"<Code>RequestTimeout</Code>", data)
        self.assertIn(b"x-amz-request-id", data)
        self.assertLess(waited, 12)
        deadline = time.time() + 5
        while self.tmp_files() and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.tmp_files(), [])
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError):
            s3.head_object(Bucket="stall", Key="slow")
        # a slow but steady upload is not cut
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=15)
        s.sendall(self.signed_put_head("steady", 4000))
        for _ in range(4):
            time.sleep(1.2)
            s.sendall(b"y" * 1000)
        resp = s.recv(65536)
        s.close()
        self.assertTrue(resp.startswith(b"HTTP/1.1 200"), resp[:300])
        self.assertEqual(s3.get_object(Bucket="stall", Key="steady")["Body"].read(), b"y" * 4000)
