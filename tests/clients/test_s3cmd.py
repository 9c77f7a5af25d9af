"""s3cmd (SigV4, path style, plain HTTP) against a real server."""
import filecmp
import os

from harness import ACCESS, SECRET, ServerTestCase, client_env, s3cmd_config


def write_random(path, size):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n


class S3cmd(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cfg = s3cmd_config(cls.server, v2=False)

    def s3cmd(self, *args, check=True):
        return self.run_cmd(["s3cmd", "--config", self.cfg] + list(args),
                            env=client_env(self.server), check=check, timeout=120)

    def test_mb_put_get_ls_del(self):
        t = self.server.tmp
        self.s3cmd("mb", "s3://s3cmd-basic")
        out = self.s3cmd("ls").stdout.decode()
        self.assertIn("s3://s3cmd-basic", out)
        src = os.path.join(t, "basic", "hello.txt")
        os.makedirs(os.path.dirname(src), exist_ok=True)
        with open(src, "wb") as f:
            f.write(b"hello from s3cmd\n" * 500)
        self.s3cmd("put", src, "s3://s3cmd-basic/dir/hello world.txt")
        out = self.s3cmd("ls", "s3://s3cmd-basic/dir/").stdout.decode()
        self.assertIn("s3://s3cmd-basic/dir/hello world.txt", out)
        self.assertIn(str(os.path.getsize(src)), out)
        dst = os.path.join(t, "basic", "back.txt")
        self.s3cmd("get", "--force", "s3://s3cmd-basic/dir/hello world.txt", dst)
        self.assertTrue(filecmp.cmp(src, dst, shallow=False))
        info = self.s3cmd("info", "s3://s3cmd-basic/dir/hello world.txt").stdout.decode()
        self.assertIn("File size: %d" % os.path.getsize(src), info)
        self.s3cmd("del", "s3://s3cmd-basic/dir/hello world.txt")
        out = self.s3cmd("ls", "-r", "s3://s3cmd-basic").stdout.decode()
        self.assertNotIn("hello world.txt", out)
        # Getting what was deleted must fail, not hand back stale bytes.
        p = self.s3cmd("get", "--force", "s3://s3cmd-basic/dir/hello world.txt",
                       os.path.join(t, "basic", "gone"), check=False)
        self.assertNotEqual(p.returncode, 0)
        self.s3cmd("rb", "s3://s3cmd-basic")
        out = self.s3cmd("ls").stdout.decode()
        self.assertNotIn("s3://s3cmd-basic", out)

    def test_multipart_put_20mib(self):
        t = self.server.tmp
        self.s3cmd("mb", "s3://s3cmd-mpu")
        src = os.path.join(t, "mpu", "big.bin")
        write_random(src, 20 * 1024 * 1024 + 12345)
        p = self.s3cmd("put", "--progress", "--multipart-chunk-size-mb=5", src,
                       "s3://s3cmd-mpu/big.bin")
        out = p.stdout.decode() + p.stderr.decode()
        self.assertIn("part 5 of 5", out)  # really multipart: 4 x 5 MiB + a tail
        etag = self.s3().head_object(Bucket="s3cmd-mpu", Key="big.bin")["ETag"]
        self.assertTrue(etag.endswith('-5"'), etag)
        ls = self.s3cmd("ls", "s3://s3cmd-mpu/").stdout.decode()
        self.assertIn(str(os.path.getsize(src)), ls)
        dst = os.path.join(t, "mpu", "back.bin")
        self.s3cmd("get", "--force", "s3://s3cmd-mpu/big.bin", dst)
        self.assertTrue(filecmp.cmp(src, dst, shallow=False))
        # No upload left dangling after the complete.
        out = self.s3cmd("multipart", "s3://s3cmd-mpu").stdout.decode()
        self.assertNotIn("big.bin", out)
        self.s3cmd("del", "s3://s3cmd-mpu/big.bin")
        self.s3cmd("rb", "s3://s3cmd-mpu")

    def test_sync_both_ways(self):
        t = self.server.tmp
        self.s3cmd("mb", "s3://s3cmd-sync")
        local = os.path.join(t, "sync-src")
        files = {"a.txt": 10, "sub/b.bin": 200000, "sub/deeper/c d.txt": 3000,
                 "sub/deeper/ünï.txt": 77, "empty": 0}
        for name, size in files.items():
            write_random(os.path.join(local, name), size)
        self.s3cmd("sync", local + "/", "s3://s3cmd-sync/tree/")
        out = self.s3cmd("ls", "-r", "s3://s3cmd-sync/tree/").stdout.decode()
        for name in files:
            self.assertIn("s3://s3cmd-sync/tree/" + name, out)
        # Change one file, delete another, sync with --delete-removed.
        write_random(os.path.join(local, "a.txt"), 4321)
        os.remove(os.path.join(local, "sub/b.bin"))
        self.s3cmd("sync", "--delete-removed", local + "/", "s3://s3cmd-sync/tree/")
        out = self.s3cmd("ls", "-r", "s3://s3cmd-sync/tree/").stdout.decode()
        self.assertNotIn("sub/b.bin", out)
        back = os.path.join(t, "sync-back")
        os.makedirs(back)
        self.s3cmd("sync", "s3://s3cmd-sync/tree/", back + "/")
        for name in files:
            if name == "sub/b.bin":
                self.assertFalse(os.path.exists(os.path.join(back, name)))
                continue
            self.assertTrue(filecmp.cmp(os.path.join(local, name), os.path.join(back, name),
                                        shallow=False), name)
        # A second sync finds nothing to do.
        p = self.s3cmd("sync", "--delete-removed", local + "/", "s3://s3cmd-sync/tree/")
        self.assertNotIn("upload:", p.stdout.decode())
        self.s3cmd("del", "--recursive", "--force", "s3://s3cmd-sync/")
        self.s3cmd("rb", "s3://s3cmd-sync")
