"""lifeboat fsck: objects and the parts of open uploads are checked block by
block; orphan files are reported without counting as damage."""
import os
import subprocess

from harness import LifeboatServer, binary, boto3_client
import unittest


class Fsck(unittest.TestCase):
    def fsck(self, data):
        p = subprocess.run([binary(), "fsck", data], capture_output=True, text=True)
        return p.returncode, p.stdout

    def test_parts_and_orphans(self):
        srv = LifeboatServer().start()
        try:
            s3 = boto3_client(srv)
            s3.create_bucket(Bucket="fsck")
            s3.put_object(Bucket="fsck", Key="whole", Body=b"w" * 100000)
            uid = s3.create_multipart_upload(Bucket="fsck", Key="open")["UploadId"]
            s3.upload_part(Bucket="fsck", Key="open", UploadId=uid, PartNumber=1,
                           Body=b"p" * 70000)
            self.assertEqual(srv.stop(), 0)
            rc, out = self.fsck(srv.data)
            self.assertEqual(rc, 0, out)
            self.assertIn("1 objects", out)
            self.assertIn("1 upload parts", out)
            objects = os.path.join(srv.data, "zone0", "objects")
            files = sorted(os.path.join(objects, d, f) for d in os.listdir(objects)
                           for f in os.listdir(os.path.join(objects, d)))
            self.assertEqual(len(files), 2)
            # an orphan is reported, not counted as damage
            with open(os.path.join(objects, "00", "leftover"), "wb") as f:
                f.write(b"x")
            rc, out = self.fsck(srv.data)
            self.assertEqual(rc, 0, out)
            self.assertIn("1 orphan data file", out)
            # a damaged upload part is damage
            part = [f for f in files if os.path.getsize(f) < 90000][0]
            with open(part, "r+b") as f:
                f.seek(500)
                b = f.read(1)
                f.seek(500)
                f.write(bytes([b[0] ^ 0x40]))
            rc, out = self.fsck(srv.data)
            self.assertEqual(rc, 1, out)
            self.assertIn("upload part 1", out)
            self.assertIn("1 problem", out)
        finally:
            srv.cleanup()
