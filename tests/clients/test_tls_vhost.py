"""HTTPS with a certificate given at start, and virtual-host style addressing."""
import http.client
import os
import subprocess

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from harness import ACCESS, SECRET, REGION, LifeboatServer, ServerTestCase


def make_cert(d):
    key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


class Tls(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = LifeboatServer()
        cls.cert, cls.key = make_cert(cls.server.tmp)
        cls.server.args = ["--tls-cert", cls.cert, "--tls-key", cls.key]
        cls.server.start()

    def client(self, verify):
        return boto3.client("s3", endpoint_url="https://127.0.0.1:%d" % self.server.port,
                            aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
                            region_name=REGION, verify=verify,
                            config=Config(retries={"max_attempts": 1}))

    def test_https_roundtrip_with_ca(self):
        s3 = self.client(self.cert)
        s3.create_bucket(Bucket="tls-bucket")
        body = os.urandom(3 * 1024 * 1024 + 17)
        s3.put_object(Bucket="tls-bucket", Key="k", Body=body)
        self.assertEqual(s3.get_object(Bucket="tls-bucket", Key="k")["Body"].read(), body)
        r = s3.get_object(Bucket="tls-bucket", Key="k", Range="bytes=100-199")
        self.assertEqual(r["Body"].read(), body[100:200])

    def test_untrusted_certificate_is_refused_by_client(self):
        from botocore.exceptions import SSLError
        s3 = self.client(True)  # system CAs do not include our self-signed cert
        with self.assertRaises(SSLError):
            s3.list_buckets()


class VirtualHost(ServerTestCase):
    def signed(self, method, host, path, body=b""):
        url = "http://%s%s" % (host, path)
        req = AWSRequest(method=method, url=url, data=body,
                         headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
        SigV4Auth(Credentials(ACCESS, SECRET), "s3", REGION).add_auth(req)
        c = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        headers = dict(req.headers.items())
        headers["Host"] = host  # what was signed, not the address dialled
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def test_bucket_in_host_name(self):
        self.s3().create_bucket(Bucket="vhost-bucket")
        host = "vhost-bucket.localhost:%d" % self.server.port
        st, _ = self.signed("PUT", host, "/dir/file.txt", b"virtual host body")
        self.assertEqual(st, 200)
        # the same object through path style
        got = self.s3().get_object(Bucket="vhost-bucket", Key="dir/file.txt")["Body"].read()
        self.assertEqual(got, b"virtual host body")
        st, data = self.signed("GET", host, "/?list-type=2")
        self.assertEqual(st, 200)
        self.assertIn(b"<Key>dir/file.txt</Key>", data)
        st, data = self.signed("GET", "missing-bucket.localhost:%d" % self.server.port, "/x")
        self.assertEqual(st, 404)
        self.assertIn(b"<Code>NoSuchBucket</Code>", data)
