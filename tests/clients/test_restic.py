"""restic: a backup repository kept in a lifeboat bucket."""
import filecmp
import json
import os
import random

from harness import ServerTestCase, client_env


def make_tree(root):
    rnd = random.Random(7)
    files = {"docs/readme.txt": 900, "docs/notes with space.md": 20000,
             "photos/2024/ïmg 001.raw": 6 * 1024 * 1024 + 3,   # several MiB, many chunks
             "photos/2024/thumb.jpg": 70000, "empty.dat": 0,
             "deep/a/b/c/d/e/leaf": 12345}
    for rel, size in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(rnd.randbytes(size))
    os.makedirs(os.path.join(root, "empty-dir"))
    return files


def compare_trees(test, a, b):
    """Byte-compare every file and the directory shape of two trees."""
    def walk(root):
        out = {}
        for d, dirs, fs in os.walk(root):
            rel = os.path.relpath(d, root)
            out[rel] = "dir"
            for f in fs:
                out[os.path.normpath(os.path.join(rel, f))] = "file"
        return out
    wa, wb = walk(a), walk(b)
    test.assertEqual(wa, wb)
    for rel, kind in wa.items():
        if kind == "file":
            test.assertTrue(filecmp.cmp(os.path.join(a, rel), os.path.join(b, rel),
                                        shallow=False), rel)


class Restic(ServerTestCase):
    def env(self):
        e = client_env(self.server)
        e.pop("AWS_CA_BUNDLE", None)
        e.update({"RESTIC_REPOSITORY": "s3:%s/restic-repo" % self.server.endpoint,
                  "RESTIC_PASSWORD": "correct horse battery staple",
                  "RESTIC_CACHE_DIR": os.path.join(self.server.tmp, "restic-cache"),
                  "XDG_CACHE_HOME": os.path.join(self.server.tmp, "cache")})
        return e

    def restic(self, *args, check=True):
        return self.run_cmd(["restic", "--quiet"] + list(args),
                            env=self.env(), check=check, timeout=180)

    def snapshots(self):
        return json.loads(self.restic("snapshots", "--json").stdout.decode())

    def test_backup_check_restore_forget_prune(self):
        t = self.server.tmp
        src = os.path.join(t, "src")
        make_tree(src)
        self.s3().create_bucket(Bucket="restic-repo")
        self.restic("init")
        self.restic("backup", src)
        self.restic("check", "--read-data")
        snaps = self.snapshots()
        self.assertEqual(len(snaps), 1)

        dst = os.path.join(t, "restore1")
        self.restic("restore", "latest", "--target", dst)
        compare_trees(self, src, os.path.join(dst, src.lstrip("/")))

        # Second backup after changes, keep only it, prune the rest.
        with open(os.path.join(src, "docs/readme.txt"), "ab") as f:
            f.write(b"second generation\n")
        os.remove(os.path.join(src, "photos/2024/thumb.jpg"))
        with open(os.path.join(src, "new.bin"), "wb") as f:
            f.write(random.Random(8).randbytes(2 * 1024 * 1024))
        self.restic("backup", src)
        self.assertEqual(len(self.snapshots()), 2)
        self.restic("forget", "--keep-last", "1", "--prune")
        snaps = self.snapshots()
        self.assertEqual(len(snaps), 1)
        self.restic("check", "--read-data")

        dst2 = os.path.join(t, "restore2")
        self.restic("restore", "latest", "--target", dst2)
        compare_trees(self, src, os.path.join(dst2, src.lstrip("/")))

        # The check can fail: a damaged pack file is found by --read-data.
        s3 = self.s3()
        packs = [o["Key"] for o in s3.list_objects_v2(Bucket="restic-repo",
                                                      Prefix="data/")["Contents"]]
        self.assertTrue(packs)
        victim = packs[0]
        body = bytearray(s3.get_object(Bucket="restic-repo", Key=victim)["Body"].read())
        body[len(body) // 2] ^= 0xFF
        s3.put_object(Bucket="restic-repo", Key=victim, Body=bytes(body))
        p = self.restic("check", "--read-data", check=False)
        self.assertNotEqual(p.returncode, 0)
