"""The aws CLI's everyday commands against a real server."""
import filecmp
import os

from harness import ServerTestCase


class AwsCliBasics(ServerTestCase):
    def test_mb_cp_ls_rm(self):
        self.aws("s3", "mb", "s3://cli-basic")
        src = os.path.join(self.server.tmp, "small.txt")
        with open(src, "wb") as f:
            f.write(b"hello lifeboat\n" * 100)
        self.aws("s3", "cp", src, "s3://cli-basic/dir/small.txt")
        out = self.aws("s3", "ls", "s3://cli-basic/dir/").stdout.decode()
        self.assertIn("small.txt", out)
        dst = os.path.join(self.server.tmp, "back.txt")
        self.aws("s3", "cp", "s3://cli-basic/dir/small.txt", dst)
        self.assertTrue(filecmp.cmp(src, dst, shallow=False))
        self.aws("s3", "rm", "s3://cli-basic/dir/small.txt")
        out = self.aws("s3", "ls", "s3://cli-basic/", check=False).stdout.decode()
        self.assertNotIn("small.txt", out)
        self.aws("s3", "rb", "s3://cli-basic")
