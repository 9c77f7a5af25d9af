"""The aws CLI against a real server: s3 mb/cp/sync/ls/rm with a directory
tree synced both ways and compared byte for byte, and the s3api commands for
tagging, multipart uploads and copies."""
import filecmp
import hashlib
import json
import os
import shutil

from harness import ServerTestCase, boto3_client

MiB = 1024 * 1024

TREE = {
    "top.txt": b"top level\n",
    "empty": b"",
    "dir a/file one.txt": b"one\n" * 1000,
    "dir a/sub/deep/\u00e9t\u00e9.bin": os.urandom(70000),
    "dir a/sub/plus+sign": b"plus",
    "b/100%.txt": b"percent",
    "b/big.bin": os.urandom(9 * MiB + 123),  # above the CLI's 8 MiB multipart threshold
    "c/d/e/f/g.txt": b"deep",
}


def write_tree(root, tree):
    for rel, data in tree.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)


def read_tree(root):
    out = {}
    for d, _, files in os.walk(root):
        for name in files:
            p = os.path.join(d, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


class AwsCli(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.c = boto3_client(cls.server)

    def api(self, *args):
        out = self.aws("s3api", *args).stdout.decode()
        return json.loads(out) if out.strip() else {}

    def remote_keys(self, bucket, prefix=""):
        keys = []
        for page in self.c.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                      Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return sorted(keys)

    def test_sync_both_ways(self):
        self.aws("s3", "mb", "s3://cli-sync")
        src = os.path.join(self.server.tmp, "sync-src")
        write_tree(src, TREE)
        self.aws("s3", "sync", src, "s3://cli-sync/tree")
        self.assertEqual(self.remote_keys("cli-sync"), sorted("tree/" + k for k in TREE))
        for rel, data in TREE.items():
            got = self.c.get_object(Bucket="cli-sync", Key="tree/" + rel)["Body"].read()
            self.assertEqual(hashlib.md5(got).digest(), hashlib.md5(data).digest(), rel)
        big = self.c.head_object(Bucket="cli-sync", Key="tree/b/big.bin")
        self.assertRegex(big["ETag"], r'^"[0-9a-f]{32}-2"$')  # the CLI went multipart
        # ls, recursive and by directory
        out = self.aws("s3", "ls", "--recursive", "s3://cli-sync/tree/").stdout.decode()
        for rel, data in TREE.items():
            self.assertRegex(out, r"\s%d tree/%s\n" % (len(data), rel.replace("+", r"\+")
                                                        .replace(".", r"\.")))
        out = self.aws("s3", "ls", "s3://cli-sync/tree/").stdout.decode()
        names = [l.strip()[4:] if l.strip().startswith("PRE ") else l.split(None, 3)[3]
                 for l in out.splitlines()]
        self.assertEqual(sorted(names), ["b/", "c/", "dir a/", "empty", "top.txt"])
        # a second sync has nothing to do
        out = self.aws("s3", "sync", src, "s3://cli-sync/tree").stdout.decode()
        self.assertNotIn("upload:", out)
        # down into a fresh directory: the same tree
        dst = os.path.join(self.server.tmp, "sync-dst")
        self.aws("s3", "sync", "s3://cli-sync/tree", dst)
        self.assertEqual(read_tree(dst), TREE)
        # change, add and delete locally; sync --delete carries all three
        with open(os.path.join(src, "top.txt"), "wb") as f:
            f.write(b"changed top, longer than before\n")
        with open(os.path.join(src, "new file.txt"), "wb") as f:
            f.write(b"new")
        os.unlink(os.path.join(src, "c/d/e/f/g.txt"))
        out = self.aws("s3", "sync", "--delete", src, "s3://cli-sync/tree").stdout.decode()
        self.assertIn("delete: s3://cli-sync/tree/c/d/e/f/g.txt", out)
        self.assertNotIn("big.bin", out)
        want = read_tree(src)
        self.assertEqual(self.remote_keys("cli-sync"), sorted("tree/" + k for k in want))
        self.aws("s3", "sync", "--delete", "s3://cli-sync/tree", dst)
        self.assertEqual(read_tree(dst), want)
        # remote to remote
        self.aws("s3", "sync", "s3://cli-sync/tree", "s3://cli-sync/copy")
        self.assertEqual(self.remote_keys("cli-sync", "copy/"), sorted("copy/" + k for k in want))
        self.assertEqual(self.c.get_object(Bucket="cli-sync", Key="copy/b/big.bin")["Body"]
                         .read(), TREE["b/big.bin"])
        self.aws("s3", "rm", "--recursive", "s3://cli-sync/")
        self.assertEqual(self.remote_keys("cli-sync"), [])
        self.aws("s3", "rb", "s3://cli-sync")
        self.assertNotIn("cli-sync", [b["Name"] for b in self.c.list_buckets()["Buckets"]])
        shutil.rmtree(src)
        shutil.rmtree(dst)

    def test_cp_single_files(self):
        self.aws("s3", "mb", "s3://cli-cp")
        src = os.path.join(self.server.tmp, "cp src \u00e9.bin")
        data = os.urandom(300000)
        with open(src, "wb") as f:
            f.write(data)
        self.aws("s3", "cp", src, "s3://cli-cp/k e y+1.bin", "--content-type", "application/x-t",
                 "--metadata", "a=1,b=two", "--cache-control", "max-age=60")
        h = self.c.head_object(Bucket="cli-cp", Key="k e y+1.bin")
        self.assertEqual(h["ContentType"], "application/x-t")
        self.assertEqual(h["Metadata"], {"a": "1", "b": "two"})
        self.assertEqual(h["CacheControl"], "max-age=60")
        self.assertEqual(h["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        dst = os.path.join(self.server.tmp, "cp-back.bin")
        self.aws("s3", "cp", "s3://cli-cp/k e y+1.bin", dst)
        self.assertTrue(filecmp.cmp(src, dst, shallow=False))
        # stdin and stdout
        p = self.run_cmd(["aws", "--endpoint-url", self.server.endpoint, "s3", "cp", "-",
                          "s3://cli-cp/stdin.txt"], input=b"from stdin\n")
        self.assertEqual(p.returncode, 0)
        out = self.aws("s3", "cp", "s3://cli-cp/stdin.txt", "-").stdout
        self.assertEqual(out, b"from stdin\n")
        # s3 to s3 and mv
        self.aws("s3", "cp", "s3://cli-cp/k e y+1.bin", "s3://cli-cp/copied.bin")
        self.aws("s3", "mv", "s3://cli-cp/copied.bin", "s3://cli-cp/moved.bin")
        self.assertEqual(self.remote_keys("cli-cp"), ["k e y+1.bin", "moved.bin", "stdin.txt"])
        self.assertEqual(self.c.get_object(Bucket="cli-cp", Key="moved.bin")["Body"].read(), data)
        # errors come back as failures
        p = self.aws("s3", "cp", "s3://cli-cp/missing", dst + ".x", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertFalse(os.path.exists(dst + ".x"))
        p = self.aws("s3", "ls", "s3://no-such-bucket-cli/", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"NoSuchBucket", p.stderr)
        p = self.aws("s3", "rb", "s3://cli-cp", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"BucketNotEmpty", p.stderr)
        self.aws("s3", "rb", "--force", "s3://cli-cp")
        self.assertNotIn("cli-cp", [b["Name"] for b in self.c.list_buckets()["Buckets"]])

    def test_s3api_tagging_multipart_copy(self):
        self.api("create-bucket", "--bucket", "cli-api")
        body = os.path.join(self.server.tmp, "api-body")
        with open(body, "wb") as f:
            f.write(b"api body")
        r = self.api("put-object", "--bucket", "cli-api", "--key", "obj", "--body", body,
                     "--tagging", "x=1")
        self.assertEqual(r["ETag"], '"%s"' % hashlib.md5(b"api body").hexdigest())
        self.api("put-object-tagging", "--bucket", "cli-api", "--key", "obj", "--tagging",
                 '{"TagSet":[{"Key":"env","Value":"prod"},{"Key":"team","Value":"dr ops"}]}')
        tags = self.api("get-object-tagging", "--bucket", "cli-api", "--key", "obj")["TagSet"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("env", "prod"), ("team", "dr ops")])
        # copy-object keeps the tags and the bytes
        r = self.api("copy-object", "--bucket", "cli-api", "--key", "obj copy",
                     "--copy-source", "cli-api/obj")
        self.assertEqual(r["CopyObjectResult"]["ETag"],
                         '"%s"' % hashlib.md5(b"api body").hexdigest())
        self.assertEqual(self.c.get_object(Bucket="cli-api", Key="obj copy")["Body"].read(),
                         b"api body")
        tags = self.api("get-object-tagging", "--bucket", "cli-api", "--key", "obj copy")
        self.assertEqual(len(tags["TagSet"]), 2)
        r = self.api("copy-object", "--bucket", "cli-api", "--key", "obj replaced",
                     "--copy-source", "cli-api/obj", "--metadata-directive", "REPLACE",
                     "--content-type", "text/x-new", "--metadata", "m=v")
        h = self.c.head_object(Bucket="cli-api", Key="obj replaced")
        self.assertEqual((h["ContentType"], h["Metadata"]), ("text/x-new", {"m": "v"}))
        self.api("delete-object-tagging", "--bucket", "cli-api", "--key", "obj")
        self.assertEqual(self.api("get-object-tagging", "--bucket", "cli-api",
                                  "--key", "obj")["TagSet"], [])
        # multipart: list and abort
        u1 = self.api("create-multipart-upload", "--bucket", "cli-api", "--key", "mp/one")
        u2 = self.api("create-multipart-upload", "--bucket", "cli-api", "--key", "mp/two")
        self.api("upload-part", "--bucket", "cli-api", "--key", "mp/one", "--part-number", "1",
                 "--upload-id", u1["UploadId"], "--body", body)
        ups = self.api("list-multipart-uploads", "--bucket", "cli-api")["Uploads"]
        self.assertEqual(sorted((u["Key"], u["UploadId"]) for u in ups),
                         [("mp/one", u1["UploadId"]), ("mp/two", u2["UploadId"])])
        parts = self.api("list-parts", "--bucket", "cli-api", "--key", "mp/one",
                         "--upload-id", u1["UploadId"])["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts], [(1, 8)])
        for u in (u1, u2):
            self.api("abort-multipart-upload", "--bucket", "cli-api", "--key", u["Key"],
                     "--upload-id", u["UploadId"])
        self.assertNotIn("Uploads", self.api("list-multipart-uploads", "--bucket", "cli-api"))
        p = self.aws("s3api", "abort-multipart-upload", "--bucket", "cli-api", "--key", "mp/one",
                     "--upload-id", u1["UploadId"], check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"NoSuchUpload", p.stderr)
        self.assertEqual(self.remote_keys("cli-api"), ["obj", "obj copy", "obj replaced"])
