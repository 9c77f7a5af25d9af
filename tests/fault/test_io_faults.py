"""Injected I/O faults and damaged data files against a real server.

Faults come from the store's fault injector (src/store/io.c):
LIFEBOAT_FAULT="kind:call:N" makes the Nth and later calls of `call` fail with
`kind`.  What must hold, every time:
  - the failing request gets a clear S3 error (an XML document with a Code,
    status 5xx), never a 200;
  - nothing is created: the key stays absent (or keeps its earlier value), no
    temp file or data file is left behind, before or after a restart;
  - what was stored before the fault still reads back, and the server keeps
    serving reads; it stops cleanly (exit 0, no sanitizer report);
  - `lifeboat fsck` finds the data directory clean afterwards.
Damaged data files (a flipped byte, a broken trailer or checksum table, a
truncated or missing file) are never served: the GET fails with a status (500)
or, once a stream has started, is cut short; ranged reads of undamaged blocks
still work; `lifeboat fsck` reports the object and exits 1.
"""
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from harness import LifeboatServer, binary, boto3_client  # noqa: E402

from botocore.exceptions import ClientError  # noqa: E402

BUCKET = "faults"
MiB = 1 << 20
BLOCK = 64 * 1024
TRAILER = 32


def data_files(data):
    objs = os.path.join(data, "zone0", "objects")
    return {os.path.join(objs, d, f) for d in os.listdir(objs)
            for f in os.listdir(os.path.join(objs, d))}


def tmp_files(data):
    return os.listdir(os.path.join(data, "zone0", "tmp"))


def fsck(data):
    p = subprocess.run([binary(), "fsck", data], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x5A]))


class StoreTestCase(unittest.TestCase):
    """A data directory that outlives servers: start, stop and restart them on
    it with and without faults."""

    def setUp(self):
        self.servers = []
        self.base = LifeboatServer()
        self.data = self.base.data
        self.addCleanup(self.base.cleanup)

    def tearDown(self):
        for s in self.servers:
            if s.proc and s.proc.poll() is not None:
                # Died on its own: show why.
                sys.stderr.write("\nserver exited with %s:\n%s\n%s\n" % (
                    s.proc.returncode, "\n".join(s.sanitizer_reports())[:8000],
                    s.read_log()[-4000:]))
            if s.proc:
                s.kill()
            s.cleanup()

    def start(self, fault=None):
        s = LifeboatServer(data=self.data, env={"LIFEBOAT_FAULT": fault} if fault else None)
        self.servers.append(s)
        return s.start()

    def stop(self, s):
        rc = s.stop()
        reports = s.sanitizer_reports()
        self.assertEqual((rc, reports), (0, []), "server did not stop cleanly:\n%s\n%s"
                         % ("\n".join(reports)[:8000], s.read_log()[-4000:]))

    def assertS3Error(self, fn, statuses=None, code=None):
        """fn() must fail with an S3 error document; returns the ClientError."""
        with self.assertRaises(ClientError) as cm:
            fn()
        e = cm.exception
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        got = e.response.get("Error", {}).get("Code")
        self.assertTrue(got and got != str(status), "no S3 error Code in the reply: %r"
                        % e.response)
        if statuses:
            self.assertIn(status, statuses, e.response)
        else:
            self.assertTrue(500 <= status <= 599, e.response)
        if code:
            self.assertEqual(got, code, e.response)
        return e

    def assertContent(self, c, key, body):
        got = c.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        self.assertEqual(len(got), len(body), key)
        self.assertTrue(got == body, "%s: bytes differ" % key)

    def assertAbsent(self, c, key):
        self.assertS3Error(lambda: c.get_object(Bucket=BUCKET, Key=key), (404,), "NoSuchKey")


class IoFaults(StoreTestCase):
    def setUp(self):
        super().setUp()
        s = self.start()
        c = boto3_client(s)
        c.create_bucket(Bucket=BUCKET)
        self.before = {"before/empty": b"", "before/small": os.urandom(1000),
                       "before/blocks": os.urandom(3 * BLOCK + 17),
                       "before/big": os.urandom(2 * MiB + 1)}
        for k, v in self.before.items():
            c.put_object(Bucket=BUCKET, Key=k, Body=v)
        self.stop(s)
        self.files = data_files(self.data)
        self.assertEqual(len(self.files), len(self.before))

    def check_before(self, c, extra=None):
        want = dict(self.before)
        want.update(extra or {})
        for k, v in want.items():
            self.assertContent(c, k, v)
        listed = [o["Key"] for o in c.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        self.assertEqual(sorted(listed), sorted(want))

    def restart_clean(self, absent, extra=None):
        """Without the fault: nothing the failures touched is there, nothing
        is left behind, everything acknowledged is."""
        s = self.start()
        c = boto3_client(s)
        self.assertEqual(tmp_files(self.data), [])
        self.check_before(c, extra)
        for k in absent:
            self.assertAbsent(c, k)
        self.assertEqual(len(data_files(self.data)), len(self.before) + len(extra or {}),
                         "orphan data files after restart")
        self.stop(s)
        rc, out = fsck(self.data)
        self.assertEqual(rc, 0, out)

    def all_puts_fail(self, fault, statuses, code):
        s = self.start(fault)
        c = boto3_client(s)
        keys = []
        for i, size in enumerate([0, 1, BLOCK, 3 * MiB + 5]):
            key = "new/%d" % i
            keys.append(key)
            self.assertS3Error(lambda: c.put_object(Bucket=BUCKET, Key=key,
                                                    Body=os.urandom(size)), statuses, code)
            self.assertAbsent(c, key)
            # Still serving reads after every failure.
            self.check_before(c)
        # A failed overwrite keeps the earlier version.
        self.assertS3Error(lambda: c.put_object(Bucket=BUCKET, Key="before/blocks",
                                                Body=b"replacement"), statuses, code)
        self.assertContent(c, "before/blocks", self.before["before/blocks"])
        self.assertEqual(tmp_files(self.data), [], "temp files left by failed PUTs")
        self.assertEqual(data_files(self.data), self.files, "data files left by failed PUTs")
        self.check_before(c)
        self.stop(s)
        self.restart_clean(keys)

    def test_enospc_on_pwrite(self):
        self.all_puts_fail("enospc:pwrite:0", (507,), "XLifeboatStorageFull")

    def test_eio_on_pwrite(self):
        self.all_puts_fail("eio:pwrite:0", None, "InternalError")

    def test_eio_on_fsync(self):
        self.all_puts_fail("eio:fsync:0", None, "InternalError")

    def test_eio_on_rename(self):
        self.all_puts_fail("eio:rename:0", None, "InternalError")

    def test_eio_on_open(self):
        self.all_puts_fail("eio:open:0", None, "InternalError")

    def fault_from_n(self, fault):
        """Writes before the Nth call succeed and stay; from it on they fail
        and leave nothing, an overwrite included."""
        s = self.start(fault)
        c = boto3_client(s)
        ok, failed = {}, []
        for i in range(400):
            key, body = "seq/%03d" % i, os.urandom(1000 + 7919 * i)
            try:
                c.put_object(Bucket=BUCKET, Key=key, Body=body)
                self.assertFalse(failed, "a PUT succeeded after the fault began")
                ok[key] = body
            except ClientError as e:
                self.assertTrue(500 <= e.response["ResponseMetadata"]["HTTPStatusCode"] <= 599)
                failed.append(key)
                if len(failed) == 3:
                    break
        self.assertTrue(ok, "%s: no PUT succeeded before the fault" % fault)
        self.assertEqual(len(failed), 3, "%s: the fault never began" % fault)
        victim = sorted(ok)[0]
        self.assertS3Error(lambda: c.put_object(Bucket=BUCKET, Key=victim, Body=b"new"))
        for k in failed:
            self.assertAbsent(c, k)
        self.check_before(c, ok)
        self.assertEqual(tmp_files(self.data), [])
        self.assertEqual(len(data_files(self.data)), len(self.files) + len(ok))
        self.stop(s)
        self.restart_clean(failed, ok)

    def test_eio_on_pwrite_from_call_n(self):
        self.fault_from_n("eio:pwrite:25")

    def test_enospc_on_pwrite_from_call_n(self):
        self.fault_from_n("enospc:pwrite:40")

    def test_eio_on_fsync_from_call_n(self):
        # Two fsyncs per PUT: its file, then its directory in the group
        # commit.  Odd N fails a directory fsync, after the rename.
        self.fault_from_n("eio:fsync:7")

    def test_eio_on_file_fsync_from_call_n(self):
        self.fault_from_n("eio:fsync:6")

    def test_eio_on_rename_from_call_n(self):
        self.fault_from_n("eio:rename:4")

    def test_fsync_fault_under_concurrent_puts(self):
        """Group commit batches many PUTs; when fsyncs start failing, every
        acknowledged PUT survives a restart and every refused one is absent."""
        s = self.start("eio:fsync:60")
        lock = threading.Lock()
        ok, failed, bad = {}, [], []

        def worker(t):
            c = boto3_client(s)
            for i in range(60):
                key, body = "conc/%d/%02d" % (t, i), os.urandom(500 * (i + 1))
                try:
                    c.put_object(Bucket=BUCKET, Key=key, Body=body)
                    with lock:
                        ok[key] = body
                except ClientError as e:
                    with lock:
                        failed.append(key)
                        if e.response["ResponseMetadata"]["HTTPStatusCode"] < 500:
                            bad.append(repr(e.response))
                except Exception as e:  # noqa: BLE001
                    with lock:
                        bad.append(repr(e))

        ts = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(bad, [])
        self.assertTrue(ok and failed, "ok %d failed %d" % (len(ok), len(failed)))
        c = boto3_client(s)
        for k in failed:
            self.assertAbsent(c, k)
        self.check_before(c, ok)
        self.assertEqual(len(data_files(self.data)), len(self.files) + len(ok))
        self.stop(s)
        self.restart_clean(failed, ok)

    def test_directory_fsync_fails_under_concurrent_puts(self):
        """A failed fsync of a data directory fails every PUT whose file was
        renamed into it, however the group commit batched them (PUTs that
        share a batch and a directory share one fsync)."""
        s = self.start("eio:dirfsync:0")
        lock = threading.Lock()
        acked, failed, bad = [], [], []
        clients = [boto3_client(s) for _ in range(32)]
        go = threading.Barrier(len(clients))

        def worker(t):
            c = clients[t]
            go.wait()
            for i in range(15):
                key = "dir/%02d/%02d" % (t, i)
                try:
                    c.put_object(Bucket=BUCKET, Key=key, Body=os.urandom(100 + i))
                    with lock:
                        acked.append(key)
                except ClientError as e:
                    with lock:
                        failed.append(key)
                        if e.response["ResponseMetadata"]["HTTPStatusCode"] < 500:
                            bad.append(repr(e.response))
                except Exception as e:  # noqa: BLE001
                    with lock:
                        bad.append(repr(e))

        # Metadata-only writes keep the committer busy, so PUTs pile up into
        # batches where two of them land in one directory.
        done = threading.Event()

        def tagger():
            c = boto3_client(s)
            n = 0
            while not done.is_set():
                n += 1
                c.put_object_tagging(Bucket=BUCKET, Key="before/small",
                                     Tagging={"TagSet": [{"Key": "n", "Value": str(n)}]})

        taggers = [threading.Thread(target=tagger) for _ in range(8)]
        for t in taggers:
            t.start()
        ts = [threading.Thread(target=worker, args=(t,)) for t in range(len(clients))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        done.set()
        for t in taggers:
            t.join()
        self.assertEqual(bad, [])
        self.assertEqual(acked, [], "PUTs acknowledged although their directory fsync failed")
        self.assertEqual(len(failed), len(clients) * 15)
        self.assertEqual(data_files(self.data), self.files)
        self.stop(s)
        self.restart_clean(failed[:20])

    def multipart_part_fails(self, fault):
        """A failed UploadPart leaves the upload as it was: usable after a
        restart without the fault."""
        s = self.start()
        c = boto3_client(s)
        p1, p2 = os.urandom(5 * MiB), os.urandom(MiB + 3)
        uid = c.create_multipart_upload(Bucket=BUCKET, Key="mpu")["UploadId"]
        e1 = c.upload_part(Bucket=BUCKET, Key="mpu", UploadId=uid, PartNumber=1,
                           Body=p1)["ETag"]
        self.stop(s)

        s = self.start(fault)
        c = boto3_client(s)
        self.assertS3Error(lambda: c.upload_part(Bucket=BUCKET, Key="mpu", UploadId=uid,
                                                 PartNumber=2, Body=p2))
        # Replacing part 1 fails too, and part 1 stays what it was.
        self.assertS3Error(lambda: c.upload_part(Bucket=BUCKET, Key="mpu", UploadId=uid,
                                                 PartNumber=1, Body=os.urandom(5 * MiB)))
        parts = c.list_parts(Bucket=BUCKET, Key="mpu", UploadId=uid)["Parts"]
        self.assertEqual([(p["PartNumber"], p["ETag"], p["Size"]) for p in parts],
                         [(1, e1, len(p1))])
        self.assertEqual(tmp_files(self.data), [])
        self.assertEqual(len(data_files(self.data)), len(self.files) + 1)
        self.check_before(c)
        self.stop(s)

        s = self.start()
        c = boto3_client(s)
        self.assertEqual(tmp_files(self.data), [])
        self.assertEqual(len(data_files(self.data)), len(self.files) + 1)
        e2 = c.upload_part(Bucket=BUCKET, Key="mpu", UploadId=uid, PartNumber=2,
                           Body=p2)["ETag"]
        c.complete_multipart_upload(Bucket=BUCKET, Key="mpu", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        self.assertContent(c, "mpu", p1 + p2)
        self.assertEqual(c.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []), [])
        self.check_before(c, {"mpu": p1 + p2})
        self.assertEqual(len(data_files(self.data)), len(self.files) + 2)
        self.stop(s)
        rc, out = fsck(self.data)
        self.assertEqual(rc, 0, out)

    def test_multipart_part_enospc(self):
        self.multipart_part_fails("enospc:pwrite:0")

    def test_multipart_part_fsync(self):
        self.multipart_part_fails("eio:fsync:1")

    def test_multipart_part_rename(self):
        self.multipart_part_fails("eio:rename:0")


class RealFullDisk(unittest.TestCase):
    """A real full file system (a small tmpfs): data files and the metadata
    commit both meet ENOSPC.  Needs permission to mount; skipped without."""

    def setUp(self):
        self.mnt = tempfile.mkdtemp(prefix="lbfull-")
        self.addCleanup(os.rmdir, self.mnt)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", self.mnt],
                           capture_output=True, text=True)
        if p.returncode != 0:
            self.skipTest("cannot mount a tmpfs: " + p.stderr.strip())
        self.addCleanup(subprocess.run, ["umount", "-l", self.mnt])
        self.srv = LifeboatServer(data=os.path.join(self.mnt, "data"))
        self.addCleanup(self.srv.cleanup)

    def fill(self, fn, limit):
        """Calls fn(i) until it fails; every failure must be a clean 507."""
        for i in range(limit):
            try:
                fn(i)
            except ClientError as e:
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 507,
                                 e.response)
                self.assertEqual(e.response["Error"]["Code"], "XLifeboatStorageFull")
                return i
        self.fail("the file system never filled up")

    def test_disk_full_then_space_freed(self):
        s = self.srv.start()
        c = boto3_client(s)
        c.create_bucket(Bucket=BUCKET)
        zone = os.path.join(s.data, "zone0")
        ok = {}

        def put(i, size):
            key, body = "o/%d/%04d" % (size, i), os.urandom(size)
            c.put_object(Bucket=BUCKET, Key=key, Body=body)
            ok[key] = body

        # Data files run out of room: big PUTs first, then small ones.
        self.assertGreater(self.fill(lambda i: put(i, MiB), 64), 3)
        self.fill(lambda i: put(i, 3000), 5000)
        self.assertEqual(os.listdir(os.path.join(zone, "tmp")), [])
        self.assertEqual(len(data_files(s.data)), len(ok))
        # Full, but every acknowledged write reads back and reads go on.
        for k, v in ok.items():
            self.assertEqual(c.get_object(Bucket=BUCKET, Key=k)["Body"].read(), v, k)
        listed = sum(len(p.get("Contents", [])) for p in
                     c.get_paginator("list_objects_v2").paginate(Bucket=BUCKET))
        self.assertEqual(listed, len(ok))
        # Deletes still commit, and the room they free takes writes again.
        for k in sorted(ok)[:8]:
            c.delete_object(Bucket=BUCKET, Key=k)
            del ok[k]
        put(0, 2 * MiB + 1)

        # Now the metadata commit meets ENOSPC: a filler takes all but a
        # little, and uploads (metadata only) are created until it is full.
        st = os.statvfs(self.mnt)
        filler = os.path.join(self.mnt, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * (st.f_bavail * st.f_frsize - 256 * 1024))
        meta = {"m%d" % i: "v" * 200 for i in range(8)}
        uploads = []

        def create(i):
            uploads.append(c.create_multipart_upload(Bucket=BUCKET, Key="u/%04d" % i,
                                                     Metadata=meta)["UploadId"])

        self.fill(create, 20000)
        os.unlink(filler)
        create(len(uploads))
        for k in sorted(ok)[:2]:
            c.delete_object(Bucket=BUCKET, Key=k)
            del ok[k]
        put(1, 1000)
        n_uploads = sum(len(p.get("Uploads", [])) for p in
                        c.get_paginator("list_multipart_uploads").paginate(Bucket=BUCKET))
        self.assertEqual(n_uploads, len(uploads))
        self.assertEqual(len(data_files(s.data)), len(ok))
        self.assertEqual(s.stop(), 0, s.read_log()[-4000:])
        self.assertEqual(s.sanitizer_reports(), [])

        s.start()
        c = boto3_client(s)
        for k, v in ok.items():
            self.assertEqual(c.get_object(Bucket=BUCKET, Key=k)["Body"].read(), v, k)
        self.assertEqual(len(data_files(s.data)), len(ok))
        self.assertEqual(s.stop(), 0)
        p = subprocess.run([binary(), "fsck", s.data], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


class Corruption(StoreTestCase):
    """Stored bytes that no longer match their checksums are never served."""

    def put(self, c, key, body):
        before = data_files(self.data)
        c.put_object(Bucket=BUCKET, Key=key, Body=body)
        new = data_files(self.data) - before
        self.assertEqual(len(new), 1)
        return new.pop()

    def assertNotServed(self, c, key, body, **kw):
        """A GET of damaged data: an error status, or a body cut short; never
        the wrong bytes."""
        dst = kw.pop("copy_to", None)
        try:
            if dst:
                r = c.copy_object(Bucket=BUCKET, Key=dst, CopySource={"Bucket": BUCKET,
                                                                      "Key": key})
                self.fail("%s: damaged data copied: %r" % (key, r))
            r = c.get_object(Bucket=BUCKET, Key=key, **kw)
        except ClientError as e:
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 500, e.response)
            self.assertEqual(e.response["Error"]["Code"], "InternalError")
            if dst:
                self.assertAbsent(c, dst)
            return "status"
        try:
            got = r["Body"].read()
        except Exception:  # noqa: BLE001 -- a cut stream is the right outcome
            return "cut"
        self.fail("%s: damaged data served as %d bytes (%s)" % (
            key, len(got), "the original?!" if got == body else "wrong bytes"))

    def assertRange(self, c, key, body, first, last):
        r = c.get_object(Bucket=BUCKET, Key=key, Range="bytes=%d-%d" % (first, last))
        self.assertEqual(r["Body"].read(), body[first:last + 1])

    def test_damaged_files(self):
        s = self.start()
        c = boto3_client(s)
        c.create_bucket(Bucket=BUCKET)
        bodies = {k: os.urandom(16 * BLOCK + 1000) for k in
                  ("flip-data", "flip-trailer", "flip-table", "truncated", "missing", "good")}
        files = {k: self.put(c, k, v) for k, v in bodies.items()}
        size = len(bodies["good"])

        # Small objects too (reads of those may take another path).
        for name, n, off in (("small-data", 1000, 500), ("small-trailer", 1000, 1000 + 4 + 9),
                             ("small-blocks", 2 * BLOCK + 10, BLOCK + 1)):
            bodies[name] = os.urandom(n)
            files[name] = self.put(c, name, bodies[name])
            flip(files[name], off)
        flip(files["flip-data"], 5 * BLOCK + 123)
        flip(files["flip-trailer"], size + 17 * 4 + 10)
        flip(files["flip-table"], size + 4 * 9 + 1)
        with open(files["truncated"], "r+b") as f:
            f.truncate(size - 1000)
        os.unlink(files["missing"])

        # Whole GETs fail with a status (one-file objects are verified first).
        damaged = ("flip-data", "flip-trailer", "flip-table", "truncated", "missing",
                   "small-data", "small-trailer", "small-blocks")
        for k in damaged:
            self.assertEqual(self.assertNotServed(c, k, bodies[k]), "status", k)
        # A range over the flipped block fails; ranges elsewhere are served.
        self.assertNotServed(c, "flip-data", bodies["flip-data"], Range="bytes=%d-%d"
                             % (5 * BLOCK + 100, 5 * BLOCK + 200))
        self.assertNotServed(c, "flip-data", bodies["flip-data"], Range="bytes=%d-%d"
                             % (4 * BLOCK, 6 * BLOCK))
        self.assertRange(c, "flip-data", bodies["flip-data"], 0, BLOCK - 1)
        self.assertRange(c, "flip-data", bodies["flip-data"], 6 * BLOCK, 9 * BLOCK + 5)
        self.assertRange(c, "flip-data", bodies["flip-data"], 16 * BLOCK, 16 * BLOCK + 999)
        self.assertRange(c, "flip-data", bodies["flip-data"], 4 * BLOCK, 5 * BLOCK - 1)
        # Copies read through the same checks: nothing is copied.
        for k in ("flip-data", "flip-trailer", "missing"):
            self.assertNotServed(c, k, None, copy_to="copy-of-" + k)
        # Nothing else is affected, and the server keeps going.
        self.assertContent(c, "good", bodies["good"])
        h = c.head_object(Bucket=BUCKET, Key="flip-data")
        self.assertEqual(h["ContentLength"], size)
        self.stop(s)

        rc, out = fsck(self.data)
        self.assertEqual(rc, 1, out)
        for k in damaged:
            self.assertIn(k, out)
        self.assertNotIn("good", out)

    def test_damaged_multipart_object(self):
        s = self.start()
        c = boto3_client(s)
        c.create_bucket(Bucket=BUCKET)
        before = data_files(self.data)
        parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(BLOCK * 3 + 5)]
        uid = c.create_multipart_upload(Bucket=BUCKET, Key="mp")["UploadId"]
        etags, files = [], []
        for i, p in enumerate(parts):
            b = data_files(self.data)
            etags.append(c.upload_part(Bucket=BUCKET, Key="mp", UploadId=uid, PartNumber=i + 1,
                                       Body=p)["ETag"])
            files.append((data_files(self.data) - b).pop())
        c.complete_multipart_upload(Bucket=BUCKET, Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
        self.assertEqual(len(data_files(self.data) - before), 3)
        whole = b"".join(parts)
        flip(files[1], 7 * BLOCK + 3)  # part 2, its 8th block

        self.assertNotServed(c, "mp", whole)
        self.assertNotServed(c, "mp", whole, PartNumber=2)
        off = len(parts[0]) + 7 * BLOCK
        self.assertNotServed(c, "mp", whole, Range="bytes=%d-%d" % (off, off + 10))
        # Untouched parts and blocks are served.
        self.assertEqual(c.get_object(Bucket=BUCKET, Key="mp", PartNumber=1)["Body"].read(),
                         parts[0])
        self.assertEqual(c.get_object(Bucket=BUCKET, Key="mp", PartNumber=3)["Body"].read(),
                         parts[2])
        self.assertRange(c, "mp", whole, len(parts[0]), off - 1)
        self.assertRange(c, "mp", whole, off + BLOCK, len(whole) - 1)
        self.stop(s)
        rc, out = fsck(self.data)
        self.assertEqual(rc, 1, out)
        self.assertIn("mp: part 2", out)


if __name__ == "__main__":
    unittest.main()
