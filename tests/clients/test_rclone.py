"""rclone (S3 backend, provider Other, path style) syncing a tree."""
import os
import random

from harness import ACCESS, REGION, SECRET, ServerTestCase, client_env

# Names that trip up encoders: spaces, unicode, reserved URL characters,
# percent signs, and characters SigV4 must encode.
ODD_NAMES = ["plain.txt", "with space.txt", "ünïcödé-файл.txt", "plus+sign.txt",
             "percent%20literal.txt", "amp&eq=semi;.txt", "tilde~star*.txt",
             "paren(1)[2]{3}.txt", "hash#at@dollar$.txt", "quote'comma,.txt",
             "-leading-dash", "日本語", "x" * 150]


def make_tree(root, seed):
    rnd = random.Random(seed)
    files = {}
    dirs = ["", "a", "a/b", "a/b/c d", "ëmpty-ish", "deep/er/and/deeper/still"]
    for i, name in enumerate(ODD_NAMES):
        d = dirs[i % len(dirs)]
        files[os.path.join(d, name)] = rnd.randrange(0, 40000)
    files["a/b/big.bin"] = 3 * 1024 * 1024 + 17          # single PUT
    files["deep/er/multi.bin"] = 11 * 1024 * 1024 + 5     # multipart (cutoff 5M)
    files["zero"] = 0
    for rel, size in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(rnd.randbytes(size))
    return files


class Rclone(ServerTestCase):
    def env(self):
        e = client_env(self.server)
        # The AWS SDK inside rclone refuses to start with a custom CA bundle
        # it cannot load into its transport; this is plain HTTP anyway.
        e.pop("AWS_CA_BUNDLE", None)
        e.update({"RCLONE_CONFIG": os.path.join(self.server.tmp, "rclone.conf"),
                  "RCLONE_CONFIG_LB_TYPE": "s3",
                  "RCLONE_CONFIG_LB_PROVIDER": "Other",
                  "RCLONE_CONFIG_LB_ENDPOINT": self.server.endpoint,
                  "RCLONE_CONFIG_LB_ACCESS_KEY_ID": ACCESS,
                  "RCLONE_CONFIG_LB_SECRET_ACCESS_KEY": SECRET,
                  "RCLONE_CONFIG_LB_REGION": REGION,
                  "RCLONE_CONFIG_LB_FORCE_PATH_STYLE": "true",
                  "RCLONE_CONFIG_LB_UPLOAD_CUTOFF": "5M",
                  "RCLONE_CONFIG_LB_CHUNK_SIZE": "5M"})
        return e

    def rclone(self, *args, check=True):
        return self.run_cmd(["rclone", "--low-level-retries", "1", "--retries", "1"]
                            + list(args), env=self.env(), check=check, timeout=180)

    def lsf(self, remote):
        out = self.rclone("lsf", "-R", "--files-only", remote).stdout.decode()
        return sorted(l for l in out.splitlines() if l)

    def test_sync_check_modify_resync(self):
        src = os.path.join(self.server.tmp, "tree")
        files = make_tree(src, 1)
        self.rclone("mkdir", "lb:rclone-sync")
        self.rclone("sync", src, "lb:rclone-sync/t")
        # check compares sizes and MD5s both ways: every file, no extras.
        self.rclone("check", src, "lb:rclone-sync/t")
        self.assertEqual(self.lsf("lb:rclone-sync/t"), sorted(files))

        # Modify, delete, add, then sync again.
        rnd = random.Random(2)
        spaced = [k for k in files if k.endswith("with space.txt")][0]
        plain = [k for k in files if k.endswith("plain.txt")][0]
        with open(os.path.join(src, "a/b/big.bin"), "r+b") as f:
            f.seek(1000)
            f.write(b"changed in place")  # same size: only the hash tells
        with open(os.path.join(src, plain), "wb") as f:
            f.write(rnd.randbytes(1234))
        os.remove(os.path.join(src, spaced))
        os.remove(os.path.join(src, "deep/er/multi.bin"))
        with open(os.path.join(src, "a/new file ✓.txt"), "wb") as f:
            f.write(b"new\n")
        self.rclone("sync", src, "lb:rclone-sync/t")
        self.rclone("check", src, "lb:rclone-sync/t")
        want = sorted((set(files) - {spaced, "deep/er/multi.bin"})
                      | {"a/new file ✓.txt"})
        self.assertEqual(self.lsf("lb:rclone-sync/t"), want)

        # The check must be able to fail: a changed remote object is caught.
        self.rclone("copyto", os.path.join(src, "zero"), "lb:rclone-sync/t/" + plain)
        p = self.rclone("check", src, "lb:rclone-sync/t", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.rclone("sync", src, "lb:rclone-sync/t")
        self.rclone("check", "--download", src, "lb:rclone-sync/t")

        self.rclone("purge", "lb:rclone-sync")
        out = self.rclone("lsd", "lb:").stdout.decode()
        self.assertNotIn("rclone-sync", out)
