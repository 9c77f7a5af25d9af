"""A GET that is streaming an object keeps reading the version it started
with while that object is overwritten or deleted (its files are pinned)."""
import hashlib
import os

from harness import ServerTestCase

MiB = 1024 * 1024


class ReadDuringOverwrite(ServerTestCase):
    def multipart(self, s3, key, parts):
        uid = s3.create_multipart_upload(Bucket="race", Key=key)["UploadId"]
        done = []
        for i, p in enumerate(parts, 1):
            e = s3.upload_part(Bucket="race", Key=key, UploadId=uid, PartNumber=i, Body=p)
            done.append({"PartNumber": i, "ETag": e["ETag"]})
        s3.complete_multipart_upload(Bucket="race", Key=key, UploadId=uid,
                                     MultipartUpload={"Parts": done})

    def test_stream_survives_overwrite_and_delete(self):
        s3 = self.s3()
        s3.create_bucket(Bucket="race")
        for action in ("overwrite", "delete"):
            parts = [os.urandom(5 * MiB) for _ in range(3)]
            whole = b"".join(parts)
            self.multipart(s3, "big", parts)
            body = s3.get_object(Bucket="race", Key="big")["Body"]
            first = body.read(1 * MiB)
            if action == "overwrite":
                s3.put_object(Bucket="race", Key="big", Body=b"new small body")
            else:
                s3.delete_object(Bucket="race", Key="big")
            rest = body.read()
            got = first + rest
            self.assertEqual(len(got), len(whole), action)
            self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(whole).hexdigest(),
                             action)
        # once the stream is over, nothing of the old version stays on disk
        objects = os.path.join(self.server.data, "zone0", "objects")
        files = [f for d in os.listdir(objects) for f in os.listdir(os.path.join(objects, d))]
        self.assertEqual(files, [])
