"""Conditional writes (If-None-Match: *, If-Match), part numbers past the end,
and the overload answer (503 SlowDown) with its recovery."""
import os
import socket
import time

from botocore.exceptions import ClientError

from harness import ServerTestCase


def code(cm):
    return cm.exception.response["Error"]["Code"]


def status(cm):
    return cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]


class ConditionalWrites(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from harness import boto3_client
        boto3_client(cls.server).create_bucket(Bucket="cond")

    def test_if_none_match_creates_once(self):
        s3 = self.s3()
        s3.put_object(Bucket="cond", Key="once", Body=b"first", IfNoneMatch="*")
        with self.assertRaises(ClientError) as cm:
            s3.put_object(Bucket="cond", Key="once", Body=b"second", IfNoneMatch="*")
        self.assertEqual((code(cm), status(cm)), ("PreconditionFailed", 412))
        self.assertEqual(s3.get_object(Bucket="cond", Key="once")["Body"].read(), b"first")

    def test_if_match_compares_current_etag(self):
        s3 = self.s3()
        etag = s3.put_object(Bucket="cond", Key="cas", Body=b"v1")["ETag"]
        etag2 = s3.put_object(Bucket="cond", Key="cas", Body=b"v2", IfMatch=etag)["ETag"]
        with self.assertRaises(ClientError) as cm:  # stale etag: lost update refused
            s3.put_object(Bucket="cond", Key="cas", Body=b"v3", IfMatch=etag)
        self.assertEqual(code(cm), "PreconditionFailed")
        self.assertEqual(s3.get_object(Bucket="cond", Key="cas")["ETag"], etag2)
        with self.assertRaises(ClientError) as cm:
            s3.put_object(Bucket="cond", Key="never-written", Body=b"x", IfMatch=etag)
        self.assertEqual(code(cm), "NoSuchKey")

    def test_complete_multipart_if_none_match(self):
        s3 = self.s3()
        s3.put_object(Bucket="cond", Key="mpu-target", Body=b"already here")
        uid = s3.create_multipart_upload(Bucket="cond", Key="mpu-target")["UploadId"]
        e = s3.upload_part(Bucket="cond", Key="mpu-target", UploadId=uid, PartNumber=1,
                           Body=b"part")["ETag"]
        parts = {"Parts": [{"PartNumber": 1, "ETag": e}]}
        with self.assertRaises(ClientError) as cm:
            s3.complete_multipart_upload(Bucket="cond", Key="mpu-target", UploadId=uid,
                                         MultipartUpload=parts, IfNoneMatch="*")
        self.assertEqual(code(cm), "PreconditionFailed")
        # the upload survives the refusal and completes without the condition
        s3.complete_multipart_upload(Bucket="cond", Key="mpu-target", UploadId=uid,
                                     MultipartUpload=parts)
        self.assertEqual(s3.get_object(Bucket="cond", Key="mpu-target")["Body"].read(), b"part")

    def test_part_number_past_the_end(self):
        s3 = self.s3()
        s3.put_object(Bucket="cond", Key="single", Body=b"abc")
        self.assertEqual(s3.get_object(Bucket="cond", Key="single", PartNumber=1)["Body"].read(),
                         b"abc")
        with self.assertRaises(ClientError) as cm:
            s3.get_object(Bucket="cond", Key="single", PartNumber=2)
        self.assertEqual((code(cm), status(cm)), ("InvalidPartNumber", 416))


class Overload(ServerTestCase):
    server_args = ("--max-requests", "2")

    def stalled_upload(self):
        s = socket.create_connection(("127.0.0.1", self.server.port))
        s.sendall(b"PUT /ovl/stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
                  + b"x" * 1000)
        return s

    def test_slow_down_then_recover(self):
        s3 = self.s3()
        s3.create_bucket(Bucket="ovl")
        held = [self.stalled_upload(), self.stalled_upload()]
        time.sleep(0.3)  # both are in flight now
        with self.assertRaises(ClientError) as cm:
            s3.list_objects_v2(Bucket="ovl")
        self.assertEqual((code(cm), status(cm)), ("SlowDown", 503))
        for s in held:
            s.close()
        deadline = time.time() + 10
        while True:
            try:
                s3.put_object(Bucket="ovl", Key="after", Body=os.urandom(100))
                break
            except ClientError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.assertEqual(s3.list_objects_v2(Bucket="ovl")["KeyCount"], 1)


class DeleteObjectsIntegrity(ServerTestCase):
    def test_batch_delete_needs_an_integrity_header(self):
        import http.client
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        from harness import ACCESS, SECRET, REGION
        s3 = self.s3()
        s3.create_bucket(Bucket="batch")
        s3.put_object(Bucket="batch", Key="keep", Body=b"x")
        body = b"<Delete><Object><Key>keep</Key></Object></Delete>"
        url = "http://127.0.0.1:%d/batch?delete" % self.server.port
        req = AWSRequest(method="POST", url=url, data=body,
                         headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
        SigV4Auth(Credentials(ACCESS, SECRET), "s3", REGION).add_auth(req)
        c = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        headers = dict(req.headers.items())
        headers["Host"] = "127.0.0.1:%d" % self.server.port
        c.request("POST", "/batch?delete", body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        self.assertEqual(r.status, 400, data)
        self.assertIn(b"<Code>InvalidRequest</Code>", data)
        self.assertIn(b"Content-MD5", data)
        self.assertEqual(s3.get_object(Bucket="batch", Key="keep")["Body"].read(), b"x")
        # boto3 adds its checksum, and the same batch goes through
        out = s3.delete_objects(Bucket="batch", Delete={"Objects": [{"Key": "keep"}]})
        self.assertEqual([d["Key"] for d in out["Deleted"]], ["keep"])
