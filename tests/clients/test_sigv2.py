"""Signature Version 2 against a real server: presigned URLs and signed headers.

botocore presigns S3 URLs with V2 by default in us-east-1 (and `aws s3 presign`
of aws CLI v1 with it); s3cmd signs headers with V2 when signature_v2 = True.
Here: boto3 V2 presigned GET and PUT fetched with urllib (response-* overrides,
awkward keys, signed content type and metadata in the query), an `aws s3
presign` URL, expired, tampered, wrong-secret and unknown-key URLs refused with
S3's codes, a boto3 client that signs every call with V2 (multipart, multi-delete,
copy, tagging: the subresources that are signed), s3cmd with V2, and raw
header-signed requests: wrong secret, clock skew, missing date, malformed
header, x-amz-date instead of Date, virtual-host style.
"""
import base64
import email.utils
import hashlib
import hmac
import http.client
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from botocore.config import Config
from botocore.exceptions import ClientError

from harness import ACCESS, SECRET, ServerTestCase, boto3_client, client_env, s3cmd_config

BUCKET = "sigv2"


def v2(server, **kw):
    """A boto3 client that signs (and presigns) with Signature Version 2."""
    return boto3_client(server, config=Config(signature_version="s3",
                                              s3={"addressing_style": "path"},
                                              retries={"max_attempts": 1}), **kw)


def fetch(url, method="GET", data=None, headers=None):
    """(status, body, headers) of a plain HTTP request, errors included."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def xml_field(body, name):
    return ET.fromstring(body).findtext(name)


def is_v2_url(url):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return "AWSAccessKeyId" in q and "Signature" in q and "Expires" in q \
        and not any(k.startswith("X-Amz-") for k in q)


def with_param(url, name, value):
    """url with one query parameter replaced (value already decoded)."""
    parts = urllib.parse.urlsplit(url)
    q = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    q = [(k, value if k == name else v) for k, v in q]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(q)))


def sign_v2(secret, string_to_sign):
    mac = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


class SigV2Presigned(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.c = boto3_client(cls.server)
        cls.c.create_bucket(Bucket=BUCKET)
        cls.v2 = v2(cls.server)

    def presign(self, op="get_object", client=None, expires=300, **params):
        params.setdefault("Bucket", BUCKET)
        url = (client or self.v2).generate_presigned_url(op, Params=params, ExpiresIn=expires)
        self.assertTrue(is_v2_url(url), url)
        return url

    def test_presigned_get(self):
        # keys whose path encoding matters: V2 signs the path as sent
        for key in ("plain.txt", "dir/with space+plus.txt", "ünïcödé/ключ", "a~b!c*d(e)f'g"):
            with self.subTest(key=key):
                body = os.urandom(1000) + key.encode()
                self.c.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="text/plain")
                st, got, _ = fetch(self.presign(Key=key))
                self.assertEqual((st, got), (200, body))
        # response-* overrides are signed subresources
        url = self.presign(Key="plain.txt", ResponseContentType="text/x-v2",
                           ResponseContentDisposition='attachment; filename="a b.txt"')
        st, _, h = fetch(url)
        self.assertEqual(st, 200)
        self.assertEqual(h["Content-Type"], "text/x-v2")
        self.assertEqual(h["Content-Disposition"], 'attachment; filename="a b.txt"')
        # HEAD with a URL presigned for HEAD
        st, _, h = fetch(self.presign("head_object", Key="plain.txt"), method="HEAD")
        self.assertEqual(st, 200)
        self.assertEqual(int(h["Content-Length"]), 1000 + len(b"plain.txt"))
        # a URL for the bucket (botocore signs "/bucket/" for "/bucket"); it
        # asks for encoding-type=url
        st, body, _ = fetch(self.presign("list_objects", Prefix="dir/"))
        self.assertEqual(st, 200)
        self.assertIn(b"<Key>dir/with%20space%2Bplus.txt</Key>", body)

    def test_presigned_put(self):
        url = self.presign("put_object", Key="put/typed.txt", ContentType="text/plain",
                           Metadata={"origin": "v2"})
        # the signed content type and metadata ride in the query
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        self.assertEqual(q["content-type"], ["text/plain"])
        self.assertEqual(q["x-amz-meta-origin"], ["v2"])
        body = b"put through a V2 presigned URL\n" * 100
        st, resp, _ = fetch(url, "PUT", body, {"Content-Type": "text/plain"})
        self.assertEqual(st, 200, resp)
        got = self.c.get_object(Bucket=BUCKET, Key="put/typed.txt")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ContentType"], "text/plain")
        # a content type the URL was not signed for is refused (the Content-Type
        # header is signed): urllib's own default here
        st, resp, _ = fetch(url, "PUT", body, {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(st, 403)
        self.assertEqual(xml_field(resp, "Code"), "SignatureDoesNotMatch")
        # Content-MD5 is signed too, and still checked against the body
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        url = self.presign("put_object", Key="put/md5.txt", ContentMD5=md5)
        st, resp, _ = fetch(url, "PUT", body, {"Content-MD5": md5, "Content-Type": ""})
        self.assertEqual(st, 200, resp)
        wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        url = self.presign("put_object", Key="put/md5-bad.txt", ContentMD5=wrong)
        st, resp, _ = fetch(url, "PUT", body, {"Content-MD5": wrong, "Content-Type": ""})
        self.assertEqual(st, 400)
        self.assertEqual(xml_field(resp, "Code"), "BadDigest")
        with self.assertRaises(ClientError):
            self.c.head_object(Bucket=BUCKET, Key="put/md5-bad.txt")

    def test_aws_cli_presign(self):
        self.c.put_object(Bucket=BUCKET, Key="cli/file name.bin", Body=b"from the cli")
        p = self.aws("s3", "presign", "s3://%s/cli/file name.bin" % BUCKET, "--expires-in", "300")
        url = p.stdout.decode().strip()
        self.assertTrue(is_v2_url(url), url)
        st, body, _ = fetch(url)
        self.assertEqual((st, body), (200, b"from the cli"))

    def test_expired(self):
        self.c.put_object(Bucket=BUCKET, Key="exp", Body=b"x")
        st, body, _ = fetch(self.presign(Key="exp", expires=-30))
        self.assertEqual(st, 403)
        self.assertEqual(xml_field(body, "Code"), "AccessDenied")
        self.assertEqual(xml_field(body, "Message"), "Request has expired")

    def test_tampered(self):
        self.c.put_object(Bucket=BUCKET, Key="tamper", Body=b"secret")
        self.c.put_object(Bucket=BUCKET, Key="tamper2", Body=b"other")
        good = self.presign(Key="tamper")
        self.assertEqual(fetch(good)[0], 200)
        sig = urllib.parse.parse_qs(urllib.parse.urlsplit(good).query)["Signature"][0]
        flipped = ("B" if sig[0] == "A" else "A") + sig[1:]
        later = str(int(time.time()) + 99999)
        for name, url in (("signature", with_param(good, "Signature", flipped)),
                          ("expiry pushed back", with_param(good, "Expires", later)),
                          ("other key", good.replace("/tamper?", "/tamper2?"))):
            with self.subTest(name):
                st, body, _ = fetch(url)
                self.assertEqual(st, 403)
                self.assertEqual(xml_field(body, "Code"), "SignatureDoesNotMatch")
                sts = xml_field(body, "StringToSign")
                self.assertTrue(sts.startswith("GET\n\n\n"), sts)
                hex_bytes = xml_field(body, "StringToSignBytes")
                self.assertEqual(bytes.fromhex(hex_bytes.replace(" ", "")), sts.encode())
                self.assertEqual(xml_field(body, "AWSAccessKeyId"), ACCESS)
        # the string to sign names what was asked for
        st, body, _ = fetch(good.replace("/tamper?", "/tamper2?"))
        self.assertTrue(xml_field(body, "StringToSign").endswith("/%s/tamper2" % BUCKET))

    def test_wrong_secret_and_unknown_key(self):
        self.c.put_object(Bucket=BUCKET, Key="creds", Body=b"x")
        bad = self.presign(Key="creds", client=v2(self.server, secret="wrong-secret-000"))
        st, body, _ = fetch(bad)
        self.assertEqual((st, xml_field(body, "Code")), (403, "SignatureDoesNotMatch"))
        unknown = self.presign(Key="creds", client=v2(self.server, key="NOSUCHKEY0000"))
        st, body, _ = fetch(unknown)
        self.assertEqual((st, xml_field(body, "Code")), (403, "InvalidAccessKeyId"))

    def test_incomplete_query(self):
        good = self.presign(Key="creds")
        for drop in ("Expires", "AWSAccessKeyId"):
            with self.subTest(drop=drop):
                parts = urllib.parse.urlsplit(good)
                q = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != drop]
                url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(q)))
                st, body, _ = fetch(url)
                self.assertEqual((st, xml_field(body, "Code")), (403, "AccessDenied"))
        st, body, _ = fetch(with_param(good, "Expires", "soon"))
        self.assertEqual((st, xml_field(body, "Code")), (403, "AccessDenied"))


class SigV2Boto3Client(ServerTestCase):
    """Every call of a boto3 client signed with V2 in the Authorization header."""

    def test_operations(self):
        c = v2(self.server)
        c.create_bucket(Bucket="v2-ops")
        self.assertIsNone(c.get_bucket_location(Bucket="v2-ops")["LocationConstraint"])
        c.put_object(Bucket="v2-ops", Key="a b/ü.txt", Body=b"hello v2", ContentType="text/x",
                     Metadata={"k": "v"})
        got = c.get_object(Bucket="v2-ops", Key="a b/ü.txt")
        self.assertEqual(got["Body"].read(), b"hello v2")
        self.assertEqual(got["Metadata"], {"k": "v"})
        self.assertEqual(c.get_object(Bucket="v2-ops", Key="a b/ü.txt",
                                      Range="bytes=0-4")["Body"].read(), b"hello")
        c.copy_object(Bucket="v2-ops", Key="copy", CopySource={"Bucket": "v2-ops",
                                                               "Key": "a b/ü.txt"})
        c.put_object_tagging(Bucket="v2-ops", Key="copy",
                             Tagging={"TagSet": [{"Key": "t", "Value": "1"}]})
        self.assertEqual(c.get_object_tagging(Bucket="v2-ops", Key="copy")["TagSet"],
                         [{"Key": "t", "Value": "1"}])
        keys = [o["Key"] for o in c.list_objects_v2(Bucket="v2-ops")["Contents"]]
        self.assertEqual(keys, ["a b/ü.txt", "copy"])
        # multipart: ?uploads, ?uploadId, ?partNumber are signed subresources
        part = os.urandom(5 * 1024 * 1024)
        uid = c.create_multipart_upload(Bucket="v2-ops", Key="mp")["UploadId"]
        e1 = c.upload_part(Bucket="v2-ops", Key="mp", UploadId=uid, PartNumber=1,
                           Body=part)["ETag"]
        e2 = c.upload_part(Bucket="v2-ops", Key="mp", UploadId=uid, PartNumber=2,
                           Body=b"tail")["ETag"]
        self.assertEqual(len(c.list_parts(Bucket="v2-ops", Key="mp", UploadId=uid)["Parts"]), 2)
        c.complete_multipart_upload(Bucket="v2-ops", Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        self.assertEqual(c.get_object(Bucket="v2-ops", Key="mp")["Body"].read(), part + b"tail")
        uid = c.create_multipart_upload(Bucket="v2-ops", Key="mp2")["UploadId"]
        self.assertEqual([u["UploadId"] for u in
                          c.list_multipart_uploads(Bucket="v2-ops")["Uploads"]], [uid])
        c.abort_multipart_upload(Bucket="v2-ops", Key="mp2", UploadId=uid)
        # ?delete is a signed subresource
        r = c.delete_objects(Bucket="v2-ops", Delete={"Objects": [
            {"Key": "a b/ü.txt"}, {"Key": "copy"}, {"Key": "mp"}]})
        self.assertEqual(len(r["Deleted"]), 3)
        c.delete_bucket(Bucket="v2-ops")
        self.assertNotIn("v2-ops", [b["Name"] for b in c.list_buckets()["Buckets"]])

    def test_wrong_secret(self):
        with self.assertRaises(ClientError) as cm:
            v2(self.server, secret="wrong-secret-000").list_buckets()
        self.assertEqual(cm.exception.response["Error"]["Code"], "SignatureDoesNotMatch")


class SigV2RawHeaders(ServerTestCase):
    """Header-signed V2 requests built by hand, so every part can be wrong."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = boto3_client(cls.server)
        c.create_bucket(Bucket="raw-v2")
        c.put_object(Bucket="raw-v2", Key="obj", Body=b"raw body")

    def send(self, method, path, headers, body=b"", host=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        headers = dict(headers)
        headers["Host"] = host or "127.0.0.1:%d" % self.server.port
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data

    def signed(self, method, path, resource=None, secret=SECRET, date=None, amz=None,
               content_type="", body=b"", host=None):
        date = date or email.utils.formatdate(usegmt=True)
        headers = {"Date": date}
        if content_type:
            headers["Content-Type"] = content_type
        amz_lines = ""
        date_line = date
        for k, v in sorted((amz or {}).items()):
            headers[k] = v
            amz_lines += "%s:%s\n" % (k.lower(), v)
            if k.lower() == "x-amz-date":
                date_line = ""
        sts = "%s\n\n%s\n%s\n%s%s" % (method, content_type, date_line, amz_lines,
                                      resource or path)
        headers["Authorization"] = "AWS %s:%s" % (ACCESS, sign_v2(secret, sts))
        return self.send(method, path, headers, body, host)

    def test_right_and_wrong_secret(self):
        self.assertEqual(self.signed("GET", "/raw-v2/obj"), (200, b"raw body"))
        st, body = self.signed("GET", "/raw-v2/obj", secret="not-the-secret")
        self.assertEqual(st, 403)
        self.assertEqual(xml_field(body, "Code"), "SignatureDoesNotMatch")
        self.assertTrue(xml_field(body, "StringToSign").endswith("\n/raw-v2/obj"))

    def test_amz_headers_and_x_amz_date(self):
        # x-amz-date replaces Date (which is then not signed at all)
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        st, _ = self.signed("PUT", "/raw-v2/meta", content_type="text/plain", body=b"m",
                            date="Mon, 01 Jan 2001 00:00:00 GMT",
                            amz={"x-amz-date": now, "x-amz-meta-who": "raw"})
        self.assertEqual(st, 200)
        h = boto3_client(self.server).head_object(Bucket="raw-v2", Key="meta")
        self.assertEqual(h["Metadata"], {"who": "raw"})
        self.assertEqual(h["ContentType"], "text/plain")

    def test_clock_skew_and_missing_date(self):
        old = email.utils.formatdate(time.time() - 3600, usegmt=True)
        st, body = self.signed("GET", "/raw-v2/obj", date=old)
        self.assertEqual((st, xml_field(body, "Code")), (403, "RequestTimeTooSkewed"))
        ahead = email.utils.formatdate(time.time() + 3600, usegmt=True)
        st, body = self.signed("GET", "/raw-v2/obj", date=ahead)
        self.assertEqual((st, xml_field(body, "Code")), (403, "RequestTimeTooSkewed"))
        sig = sign_v2(SECRET, "GET\n\n\n\n/raw-v2/obj")
        st, body = self.send("GET", "/raw-v2/obj", {"Authorization": "AWS %s:%s" % (ACCESS, sig)})
        self.assertEqual((st, xml_field(body, "Code")), (403, "AccessDenied"))

    def test_malformed_header(self):
        date = email.utils.formatdate(usegmt=True)
        for authz in ("AWS %s" % ACCESS, "AWS %s:short" % ACCESS, "AWS :%s" % ("A" * 27 + "=")):
            with self.subTest(authz=authz):
                st, body = self.send("GET", "/raw-v2/obj", {"Authorization": authz, "Date": date})
                self.assertEqual((st, xml_field(body, "Code")), (400, "InvalidArgument"))

    def test_bucket_resource_with_or_without_slash(self):
        # botocore signs "/bucket/" for a path of "/bucket", minio-go "/bucket"
        for path, resource in (("/raw-v2", "/raw-v2/"), ("/raw-v2", "/raw-v2"),
                               ("/raw-v2/", "/raw-v2/"), ("/raw-v2/", "/raw-v2")):
            with self.subTest(path=path, resource=resource):
                st, body = self.signed("GET", path, resource=resource)
                self.assertEqual(st, 200, body)
                self.assertIn(b"<Key>obj</Key>", body)
        # an object's resource is its own: no slash games there
        st, body = self.signed("GET", "/raw-v2/obj", resource="/raw-v2/obj/")
        self.assertEqual((st, xml_field(body, "Code")), (403, "SignatureDoesNotMatch"))

    def test_virtual_host(self):
        # the bucket named by Host is signed in front of the path
        host = "raw-v2.localhost:%d" % self.server.port
        st, body = self.signed("GET", "/obj", resource="/raw-v2/obj", host=host)
        self.assertEqual((st, body), (200, b"raw body"))
        st, body = self.signed("GET", "/", resource="/raw-v2/", host=host)
        self.assertEqual(st, 200)
        self.assertIn(b"<Key>obj</Key>", body)
        st, body = self.signed("GET", "/obj", resource="/obj", host=host)
        self.assertEqual((st, xml_field(body, "Code")), (403, "SignatureDoesNotMatch"))


class SigV2S3cmd(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cfg = s3cmd_config(cls.server, v2=True)

    def s3cmd(self, *args, check=True):
        return self.run_cmd(["s3cmd", "--config", self.cfg] + list(args),
                            env=client_env(self.server), check=check, timeout=120)

    def test_put_get_ls_del(self):
        t = self.server.tmp
        self.s3cmd("mb", "s3://s3cmd-v2")
        # really V2: s3cmd says so in its debug output
        p = self.s3cmd("--debug", "ls")
        self.assertIn("Using signature v2", p.stderr.decode(errors="replace"))
        self.assertIn("s3://s3cmd-v2", p.stdout.decode())
        src = os.path.join(t, "v2", "hello.txt")
        os.makedirs(os.path.dirname(src), exist_ok=True)
        with open(src, "wb") as f:
            f.write(b"hello from s3cmd v2\n" * 300)
        self.s3cmd("put", src, "s3://s3cmd-v2/dir/hello wörld.txt")
        out = self.s3cmd("ls", "s3://s3cmd-v2/dir/").stdout.decode()
        self.assertIn("s3://s3cmd-v2/dir/hello wörld.txt", out)
        dst = os.path.join(t, "v2", "back.txt")
        self.s3cmd("get", "--force", "s3://s3cmd-v2/dir/hello wörld.txt", dst)
        with open(src, "rb") as a, open(dst, "rb") as b:
            self.assertEqual(a.read(), b.read())
        # multipart: uploads, uploadId and partNumber signed by s3cmd's own rules
        big = os.path.join(t, "v2", "big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(11 * 1024 * 1024))
        self.s3cmd("put", "--multipart-chunk-size-mb=5", big, "s3://s3cmd-v2/big.bin")
        self.s3cmd("get", "--force", "s3://s3cmd-v2/big.bin", big + ".back")
        with open(big, "rb") as a, open(big + ".back", "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.s3cmd("del", "s3://s3cmd-v2/dir/hello wörld.txt", "s3://s3cmd-v2/big.bin")
        out = self.s3cmd("ls", "-r", "s3://s3cmd-v2").stdout.decode()
        self.assertNotIn("hello", out)
        self.assertNotIn("big.bin", out)
        self.s3cmd("rb", "s3://s3cmd-v2")

    def test_wrong_secret(self):
        cfg = self.cfg + ".bad"
        with open(self.cfg) as f, open(cfg, "w") as g:
            g.write(f.read().replace(SECRET, "not-the-secret"))
        p = self.run_cmd(["s3cmd", "--config", cfg, "ls"], env=client_env(self.server),
                         check=False, timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("SignatureDoesNotMatch", (p.stdout + p.stderr).decode(errors="replace"))
