"""curl: presigned URLs, curl's own SigV4 signing, and keep-alive."""
import hashlib
import os
import re
import time

from harness import ACCESS, REGION, SECRET, ServerTestCase

SIGV4 = ["--aws-sigv4", "aws:amz:%s:s3" % REGION, "--user", "%s:%s" % (ACCESS, SECRET)]


def parse_dump(text):
    """Splits a curl -D dump into responses: [(status, {header: value})]."""
    out = []
    for block in re.split(r"\r?\n\r?\n", text):
        lines = [l for l in block.splitlines() if l.strip()]
        if not lines or not lines[0].startswith("HTTP/"):
            continue
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        out.append((int(lines[0].split()[1]), hdrs))
    return out


class Curl(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from harness import boto3_client
        boto3_client(cls.server).create_bucket(Bucket="curl-b")

    def curl(self, *args, check=True):
        return self.run_cmd(["curl", "-sS", "--max-time", "60"] + list(args), check=check,
                            timeout=90)

    def url(self, key=""):
        return "%s/curl-b/%s" % (self.server.endpoint, key)

    def test_presigned_get(self):
        body = os.urandom(300000)
        from botocore.config import Config
        s3 = self.s3(config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        s3.put_object(Bucket="curl-b", Key="pre/signed obj.bin", Body=body)
        url = s3.generate_presigned_url("get_object", Params={"Bucket": "curl-b",
                                                              "Key": "pre/signed obj.bin"},
                                        ExpiresIn=300)
        self.assertIn("X-Amz-Signature=", url)
        p = self.curl("-f", url)
        self.assertEqual(p.stdout, body)
        # A tampered signature is refused, and so is the same URL for another key.
        bad = re.sub(r"X-Amz-Signature=([0-9a-f])", lambda m: "X-Amz-Signature=" +
                     ("0" if m.group(1) != "0" else "1"), url)
        p = self.curl("-o", "/dev/null", "-w", "%{http_code}", bad)
        self.assertEqual(p.stdout.decode(), "403")
        other = url.replace("signed%20obj.bin", "other.bin")
        self.assertNotEqual(other, url)
        p = self.curl("-w", "\n%{http_code}", other)
        self.assertTrue(p.stdout.decode().endswith("403"), p.stdout)
        self.assertIn(b"SignatureDoesNotMatch", p.stdout)
        # Expired URL.
        old = s3.generate_presigned_url("get_object", Params={"Bucket": "curl-b",
                                                              "Key": "pre/signed obj.bin"},
                                        ExpiresIn=1)
        time.sleep(2.1)
        p = self.curl("-w", "\n%{http_code}", old)
        self.assertTrue(p.stdout.decode().endswith("403"), p.stdout)
        self.assertIn(b"expired", p.stdout)

    def test_sigv4_put_get_head_delete(self):
        t = self.server.tmp
        src = os.path.join(t, "curl-up.bin")
        data = os.urandom(1024 * 1024 + 7)
        with open(src, "wb") as f:
            f.write(data)
        # curl 7.x signs an upload it streams from a file as if it had no
        # body unless told the payload is unsigned.
        p = self.curl("-f", *SIGV4, "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", src,
                      self.url("via-curl/one.bin"))
        p = self.curl("-f", *SIGV4, self.url("via-curl/one.bin"))
        self.assertEqual(p.stdout, data)
        p = self.curl("-f", *SIGV4, "-I", self.url("via-curl/one.bin"))
        hdr = p.stdout.decode()
        self.assertRegex(hdr, r"(?i)content-length: %d\r?\n" % len(data))
        self.assertRegex(hdr, r'(?i)etag: "[0-9a-f]{32}"')
        # Range GET through curl's signer.
        p = self.curl("-f", *SIGV4, "-r", "100-199", self.url("via-curl/one.bin"))
        self.assertEqual(p.stdout, data[100:200])
        # Small PUT with a signed payload hash, then one whose hash is wrong.
        sha = hashlib.sha256(b"tiny body").hexdigest()
        p = self.curl("-f", *SIGV4, "-X", "PUT", "-H", "x-amz-content-sha256: " + sha,
                      "--data-binary", "tiny body", self.url("via-curl/tiny.txt"))
        p = self.curl(*SIGV4, "-X", "PUT", "-H", "x-amz-content-sha256: " + sha,
                      "--data-binary", "tiny bodY", "-w", "\n%{http_code}",
                      self.url("via-curl/tiny.txt"))
        self.assertTrue(p.stdout.decode().endswith("400"), p.stdout)
        self.assertIn(b"<Code>XAmzContentSHA256Mismatch</Code>", p.stdout)
        p = self.curl("-f", *SIGV4, self.url("via-curl/tiny.txt"))
        self.assertEqual(p.stdout, b"tiny body")
        # A listing through curl (curl 7.x signs the query as written, so
        # write it canonically encoded).
        p = self.curl("-f", *SIGV4, self.url("?list-type=2&prefix=via-curl%2F"))
        self.assertIn(b"<Key>via-curl/one.bin</Key>", p.stdout)
        self.assertIn(b"<Key>via-curl/tiny.txt</Key>", p.stdout)
        for k in ("via-curl/one.bin", "via-curl/tiny.txt"):
            p = self.curl("-f", *SIGV4, "-X", "DELETE", "-w", "%{http_code}", self.url(k))
            self.assertEqual(p.stdout.decode(), "204")
        p = self.curl(*SIGV4, "-o", "/dev/null", "-w", "%{http_code}",
                      self.url("via-curl/one.bin"))
        self.assertEqual(p.stdout.decode(), "404")
        # Wrong secret: curl's signature is refused.
        p = self.curl("--aws-sigv4", "aws:amz:%s:s3" % REGION, "--user",
                      "%s:wrong-secret" % ACCESS, "-w", "\n%{http_code}",
                      self.url("via-curl/tiny.txt"))
        self.assertTrue(p.stdout.decode().endswith("403"), p.stdout)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", p.stdout)

    def test_keepalive_and_request_ids(self):
        self.s3().put_object(Bucket="curl-b", Key="ka.txt", Body=b"keep me alive")
        dump = os.path.join(self.server.tmp, "ka-headers.txt")
        # One curl run, several transfers: curl reuses the connection when the
        # server keeps it open, and reports new connections per transfer.
        urls = [self.url("ka.txt"), self.url("ka.txt"), self.url("missing-key"),
                self.url("ka.txt"), self.url("?list-type=2"), self.url("ka.txt")]
        args = []
        for u in urls:
            args += [u, "-o", "/dev/null"]
        p = self.curl(*SIGV4, "-D", dump, "-w", "%{http_code} %{num_connects}\n", *args)
        lines = p.stdout.decode().split("\n")[:-1]
        self.assertEqual(len(lines), len(urls), p.stdout)
        codes = [l.split()[0] for l in lines]
        conns = [int(l.split()[1]) for l in lines]
        self.assertEqual(codes, ["200", "200", "404", "200", "200", "200"])
        self.assertEqual(conns[0], 1)
        self.assertEqual(sum(conns), 1, "connection not reused: %s" % lines)
        self.assertIn("Re-using existing connection", self.curl(
            *SIGV4, "-v", self.url("ka.txt"), "-o", "/dev/null", self.url("ka.txt"),
            "-o", "/dev/null").stderr.decode())
        with open(dump) as f:
            responses = parse_dump(f.read())
        self.assertEqual(len(responses), len(urls))
        ids = [h.get("x-amz-request-id") for _, h in responses]
        for (status, h), rid in zip(responses, ids):
            self.assertTrue(rid, "status %d without x-amz-request-id" % status)
        self.assertEqual(len(set(ids)), len(ids), "request ids not unique")

    def test_request_id_on_every_kind_of_response(self):
        """Errors, anonymous refusals, HEAD and bucket-level answers all carry one."""
        dump = os.path.join(self.server.tmp, "rid.txt")
        cases = [
            ["-X", "GET", self.server.endpoint + "/"],                     # anonymous
            [*SIGV4, self.server.endpoint + "/"],                         # list buckets
            [*SIGV4, "-I", self.url("")],                                  # head bucket
            [*SIGV4, "-I", self.url("nope")],                              # head 404
            [*SIGV4, self.server.endpoint + "/no-such-bucket-x/"],         # 404 bucket
            [*SIGV4, "-X", "PATCH", self.url("k")],                        # 405
            [*SIGV4, self.url("?lifecycle")],                              # 501
            ["-H", "Authorization: AWS4-HMAC-SHA256 garbage", self.url("k")],  # 400
        ]
        self.s3().put_object(Bucket="curl-b", Key="short", Body=b"0123456789")
        cases.append([*SIGV4, "-r", "500-600", self.url("short")])         # 416
        for c in cases:
            if os.path.exists(dump):
                os.remove(dump)
            p = self.curl("-D", dump, "-o", "/dev/null", "-w", "%{http_code}", *c)
            with open(dump) as f:
                resp = parse_dump(f.read())
            self.assertEqual(len(resp), 1, c)
            status, h = resp[0]
            self.assertEqual(status, int(p.stdout.decode()))
            self.assertRegex(h.get("x-amz-request-id", ""), r"^[0-9A-Za-z]{8,}$",
                             "%s -> %d without x-amz-request-id" % (c, status))
        self.assertEqual(int(p.stdout.decode()), 416)
