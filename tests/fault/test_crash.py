"""kill -9 under concurrent load: the crash contract of DESIGN.md section 4.

  An acknowledged write survives kill -9; an unacknowledged one is either
  absent or complete, never partial; restart needs no manual repair.

Each cycle runs several threads (each with its own boto3 client) doing PUTs of
0 B to 3 MiB (some overwriting the same keys, some concurrently), DeleteObject
and multipart uploads (2-3 parts of 5 MiB, then complete) against one server,
records every operation with its start time, acknowledgement time and content
hash, kills the server with SIGKILL after a random 0.5-2 s, runs `lifeboat
fsck` offline, restarts on the same data directory and checks what it serves.

Which states a key may be in after the crash (a register, linearizable): the
state left by an operation X is allowed unless some acknowledged operation Y
on that key started after X was acknowledged (then Y is certainly later).  An
operation not acknowledged has no end, so its state is always allowed -- but
only as a whole: the bytes must be exactly one of the bodies sent.  The state
found at the previous check "ended" when the cycle's load began.

Cycles share one data directory, so every restart also recovers the damage of
the earlier ones.  Binaries: the sanitizer build (LIFEBOAT_BIN) runs a few
cycles; the bulk runs on the plain build (LIFEBOAT_PLAIN_BIN, else build/) for
speed.  LIFEBOAT_SOAK=1 runs 200 cycles; LIFEBOAT_CRASH_SEED repeats a run.
"""
import hashlib
import http.client
import os
import random
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from harness import ACCESS, REGION, ROOT, SECRET, LifeboatServer, binary, boto3_client  # noqa: E402

from botocore.auth import S3SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

SOAK = os.environ.get("LIFEBOAT_SOAK") == "1"
PLAIN_CYCLES = int(os.environ.get("LIFEBOAT_CRASH_CYCLES") or (200 if SOAK else 20))
SAN_CYCLES = 20 if SOAK else 3
THREADS = 6
# Keys past LMDB's key limit are stored under a truncated key plus a hash.
KEYS = (["k%02d" % i for i in range(20)]
        + ["dir/sub/k-long-%s" % ("x" * 150), "sp ace+plus", "uni-\u00e9\u6f22",
           "long/%s/a" % ("y" * 1000), "long/%s/b" % ("y" * 1000)])
MiB = 1 << 20
PART = 5 * MiB
BUCKET = "crash"


def plain_binary():
    b = os.environ.get("LIFEBOAT_PLAIN_BIN")
    if b:
        return b
    p = os.path.join(ROOT, "build", "lifeboat")
    return p if os.path.exists(p) else binary()


class Server(LifeboatServer):
    """A LifeboatServer running a chosen binary."""

    def __init__(self, path, **kw):
        super().__init__(**kw)
        self.path = path

    def start(self, timeout=30):
        old = os.environ.get("LIFEBOAT_BIN")
        os.environ["LIFEBOAT_BIN"] = self.path
        try:
            return super().start(timeout)
        finally:
            if old is None:
                del os.environ["LIFEBOAT_BIN"]
            else:
                os.environ["LIFEBOAT_BIN"] = old


class Op:
    __slots__ = ("key", "kind", "sha", "etag", "nparts", "size", "start", "end", "thread")

    def __init__(self, key, kind, sha, etag, nparts, size, thread):
        self.key, self.kind, self.sha, self.etag = key, kind, sha, etag
        self.nparts, self.size, self.thread = nparts, size, thread
        self.start = time.monotonic()
        self.end = None  # set when acknowledged

    def state(self):
        return None if self.kind == "delete" else self.sha

    def __repr__(self):
        return "%s(%s, %s, %s B, start=%.4f end=%s, thread %d)" % (
            self.kind, self.key, (self.sha or "-")[:12], self.size, self.start,
            "%.4f" % self.end if self.end else "unacked", self.thread)


def body_size(rng):
    if rng.random() < 0.25:
        return rng.choice([0, 1, 100, 65535, 65536, 65537, 3 * MiB])
    return rng.randrange(0, 3 * MiB + 1)


def count_files(zone):
    objs = os.path.join(zone, "objects")
    return sum(len(os.listdir(os.path.join(objs, d))) for d in os.listdir(objs))


def mpu_etag(parts):
    d = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return "%s-%d" % (d, len(parts))


class Load:
    """The threads of one cycle and everything they record."""

    def __init__(self, server, seed):
        self.server = server
        self.seed = seed
        self.lock = threading.Lock()
        self.ops = []           # every put/mpu/delete whose request was (about to be) sent
        self.uploads = {}       # upload id -> {"key", "parts": {n: (etag, size)}, "completing"}
        self.creating = {}      # key -> CreateMultipartUpload requests not yet answered
        self.errors = []        # failures before the kill: these fail the test
        self.killed = threading.Event()
        self.clients = [boto3_client(server) for _ in range(THREADS)]
        self.threads = [threading.Thread(target=self.worker, args=(i,), daemon=True)
                        for i in range(THREADS)]

    def record(self, op):
        with self.lock:
            self.ops.append(op)
        return op

    def failed(self, tid, what, e):
        if isinstance(e, ClientError) or not self.killed.is_set():
            with self.lock:
                self.errors.append("thread %d: %s: %r" % (tid, what, e))
            return True
        return False

    def worker(self, tid):
        rng = random.Random("%s-%d" % (self.seed, tid))
        c = self.clients[tid]
        while not self.killed.is_set():
            # A few keys are shared by every thread (concurrent overwrites),
            # the rest are mostly this thread's.
            key = rng.choice(KEYS[:4]) if rng.random() < 0.3 else rng.choice(KEYS)
            r = rng.random()
            try:
                if r < 0.62:
                    body = os.urandom(body_size(rng))
                    op = self.record(Op(key, "put", hashlib.sha256(body).hexdigest(),
                                        hashlib.md5(body).hexdigest(), 1, len(body), tid))
                    resp = c.put_object(Bucket=BUCKET, Key=key, Body=body)
                    op.end = time.monotonic()
                    if resp["ETag"].strip('"') != op.etag:
                        self.failed(tid, "put", "ETag %s, want %s" % (resp["ETag"], op.etag))
                elif r < 0.85:
                    op = self.record(Op(key, "delete", None, None, 0, 0, tid))
                    c.delete_object(Bucket=BUCKET, Key=key)
                    op.end = time.monotonic()
                else:
                    self.multipart(c, rng, tid, key)
            except Exception as e:  # noqa: BLE001 -- classified in failed()
                self.failed(tid, "operation on %r" % key, e)
                return

    def multipart(self, c, rng, tid, key):
        with self.lock:
            self.creating[key] = self.creating.get(key, 0) + 1
        uid = c.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        up = {"key": key, "parts": {}, "completing": False}
        with self.lock:
            self.creating[key] -= 1
            self.uploads[uid] = up
        parts = []
        n = rng.choice([2, 3])
        for i in range(n):
            size = PART if i + 1 < n else rng.randrange(1, PART + 1)
            data = os.urandom(size)
            parts.append(data)
            r = c.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=i + 1, Body=data)
            with self.lock:
                up["parts"][i + 1] = (r["ETag"].strip('"'), size)
            if r["ETag"].strip('"') != hashlib.md5(data).hexdigest():
                self.failed(tid, "upload_part", "ETag %s" % r["ETag"])
        whole = b"".join(parts)
        up["completing"] = True
        op = self.record(Op(key, "mpu", hashlib.sha256(whole).hexdigest(), mpu_etag(parts), n,
                            len(whole), tid))
        resp = c.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": up["parts"][i + 1][0]}
                                       for i in range(n)]})
        op.end = time.monotonic()
        if resp["ETag"].strip('"') != op.etag:
            self.failed(tid, "complete", "ETag %s, want %s" % (resp["ETag"], op.etag))
        with self.lock:
            del self.uploads[uid]


class CrashCycles(unittest.TestCase):
    def run_cycles(self, path, cycles, label):
        seed = os.environ.get("LIFEBOAT_CRASH_SEED") or "%x" % random.getrandbits(40)
        print("\n  %s: %d cycles on %s, seed %s" % (label, cycles, path, seed), flush=True)
        rng = random.Random(seed)
        srv = Server(path)
        self.addCleanup(srv.cleanup)
        srv.start()
        c = boto3_client(srv)
        c.create_bucket(Bucket=BUCKET)
        # key -> (sha256, etag, nparts) as last verified; absent keys are missing.
        # It starts with a multipart object under each of the longest keys.
        state = {}
        for key in KEYS[-2:]:
            parts = [os.urandom(PART), os.urandom(1)]
            uid = c.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
            etags = [c.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=i + 1,
                                   Body=p)["ETag"] for i, p in enumerate(parts)]
            c.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
            state[key] = (hashlib.sha256(b"".join(parts)).hexdigest(), mpu_etag(parts), 2)
        t0 = time.time()
        stats = {"acked": 0, "unacked": 0, "present_unacked": 0}
        for cycle in range(cycles):
            where = "%s cycle %d (seed %s)" % (label, cycle, seed)
            load = Load(srv, "%s-%d" % (seed, cycle))
            for t in load.threads:
                t.start()
            time.sleep(rng.uniform(0.5, 2.0))
            if srv.proc.poll() is not None:
                self.fail("%s: server died under load (exit %s)\n%s"
                          % (where, srv.proc.returncode, srv.read_log()[-6000:]))
            load.killed.set()
            srv.kill()
            for t in load.threads:
                t.join(60)
                self.assertFalse(t.is_alive(), "%s: a client thread hangs" % where)
            if load.errors:
                self.fail("%s: errors before the kill:\n  %s\n%s" % (
                    where, "\n  ".join(e[:1500] for e in load.errors), srv.read_log()[-4000:]))
            self.assertEqual(srv.sanitizer_reports(), [], where)
            acked = [o for o in load.ops if o.end is not None]
            self.assertTrue(acked, "%s: no operation was acknowledged before the kill" % where)
            stats["acked"] += len(acked)
            stats["unacked"] += len(load.ops) - len(acked)

            # Offline check of what the crash left, before any recovery ran.
            p = subprocess.run([path, "fsck", srv.data], capture_output=True, text=True,
                               timeout=300)
            self.assertEqual(p.returncode, 0, "%s: fsck after kill -9:\n%s%s"
                             % (where, p.stdout[-4000:], p.stderr[-4000:]))

            srv.start()
            state = self.verify(srv, load, state, where, stats)
        print("  %s: %d cycles in %.0fs; %d acknowledged ops, %d in flight at a kill "
              "(%d of those found complete)" % (label, cycles, time.time() - t0, stats["acked"],
                                                stats["unacked"], stats["present_unacked"]),
              flush=True)
        rc = srv.stop()
        self.assertEqual(rc, 0, "server did not stop cleanly:\n" + srv.read_log()[-4000:])
        self.assertEqual(srv.sanitizer_reports(), [])
        p = subprocess.run([path, "fsck", srv.data], capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def verify(self, srv, load, state, where, stats):
        c = boto3_client(srv)
        zone = os.path.join(srv.data, "zone0")
        left = os.listdir(os.path.join(zone, "tmp"))
        self.assertEqual(left, [], "%s: temp files survived restart" % where)

        by_key = {}
        for o in load.ops:
            by_key.setdefault(o.key, []).append(o)
        new_state = {}
        for key in KEYS:
            ops = by_key.get(key, [])
            acked_starts = [o.start for o in ops if o.end is not None]
            last_acked_start = max(acked_starts) if acked_starts else None
            allowed = {}  # state -> (etag, nparts, op or None)
            if last_acked_start is None:
                prev = state.get(key)
                allowed[prev[0] if prev else None] = (prev[1], prev[2], None) if prev else None
            for o in ops:
                if o.end is None or last_acked_start is None or not last_acked_start > o.end:
                    allowed[o.state()] = (o.etag, o.nparts, o) if o.kind != "delete" else None
            try:
                r = c.get_object(Bucket=BUCKET, Key=key)
                data = r["Body"].read()
                got = hashlib.sha256(data).hexdigest()
                etag = r["ETag"].strip('"')
            except ClientError as e:
                if e.response["Error"]["Code"] != "NoSuchKey":
                    raise AssertionError("%s: GET %s: %r\n%s" % (where, key, e,
                                                                 srv.read_log()[-4000:]))
                got, etag, data = None, None, b""
            if got not in allowed:
                hist = "\n    ".join(repr(o) for o in ops)
                self.fail("%s: key %r holds %s (%d bytes), which is none of the allowed "
                          "states %s.\n  before the cycle: %s\n  operations this cycle:\n    %s"
                          % (where, key, got, len(data), sorted(allowed, key=str),
                             state.get(key), hist))
            if got is not None:
                want_etag, nparts, op = allowed[got]
                self.assertEqual(etag, want_etag, "%s: key %r ETag" % (where, key))
                self.assertEqual(r["ContentLength"], len(data), where)
                new_state[key] = (got, want_etag, nparts)
                if op is not None and op.end is None:
                    stats["present_unacked"] += 1

        # The listing agrees with what GET found, and names nothing else.
        listed = {}
        for page in c.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for o in page.get("Contents", []):
                listed[o["Key"]] = o["ETag"].strip('"')
        self.assertEqual(listed, {k: v[1] for k, v in new_state.items()},
                         "%s: listing disagrees with GET" % where)

        # Uploads still open: every acknowledged part is there, whole.
        open_uploads = []
        for page in c.get_paginator("list_multipart_uploads").paginate(Bucket=BUCKET):
            open_uploads += page.get("Uploads", [])
        seen = set()
        open_parts = 0
        for u in open_uploads:
            uid = u["UploadId"]
            seen.add(uid)
            parts = {p["PartNumber"]: (p["ETag"].strip('"'), p["Size"])
                     for p in c.list_parts(Bucket=BUCKET, Key=u["Key"], UploadId=uid)
                     .get("Parts", [])}
            open_parts += len(parts)
            mine = load.uploads.get(uid)
            if mine is None:
                # Only an upload whose creation was never answered may be unknown.
                self.assertTrue(load.creating.get(u["Key"]), "%s: an upload nobody left "
                                "open: %s %s" % (where, u["Key"], uid))
                continue
            for n, v in mine["parts"].items():
                self.assertEqual(parts.get(n), v, "%s: acknowledged part %d of upload %s"
                                 % (where, n, uid))
            for n in parts:
                self.assertTrue(n in mine["parts"] or n == len(mine["parts"]) + 1,
                                "%s: part %d of %s was never sent" % (where, n, uid))
        for uid, mine in load.uploads.items():
            if not mine["completing"]:
                self.assertIn(uid, seen, "%s: acknowledged upload %s lost" % (where, uid))

        # No file left behind, none lost: exactly the files that the live
        # objects and the parts of open uploads name.
        want = sum(v[2] for v in new_state.values())
        self.assertEqual(count_files(zone), want + open_parts,
                         "%s: data files for %d object files and %d open parts (orphans or "
                         "lost files)" % (where, want, open_parts))
        for u in open_uploads:
            c.abort_multipart_upload(Bucket=BUCKET, Key=u["Key"], UploadId=u["UploadId"])
        self.assertEqual(count_files(zone), want, "%s: abort left files" % where)
        return new_state

    def test_kill9_under_load_sanitizer_build(self):
        self.run_cycles(binary(), SAN_CYCLES, "asan")

    def test_kill9_under_load(self):
        self.run_cycles(plain_binary(), PLAIN_CYCLES, "plain")


class GracefulShutdown(unittest.TestCase):
    """SIGTERM drains: a PUT whose body is still arriving completes and is
    acknowledged, then the server exits 0."""

    def test_sigterm_with_large_put_in_flight(self):
        srv = LifeboatServer().start()
        self.addCleanup(srv.cleanup)
        c = boto3_client(srv)
        c.create_bucket(Bucket="drain")
        data = os.urandom(32 * MiB)
        # Signed by botocore, sent by hand: 1 MiB at a time, slowly.
        req = AWSRequest(method="PUT", url=srv.endpoint + "/drain/big", data=data)
        S3SigV4Auth(Credentials(ACCESS, SECRET), "s3", REGION).add_auth(req)
        res = {}
        started = threading.Event()

        def put():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
                conn.putrequest("PUT", "/drain/big", skip_accept_encoding=True)
                for k, v in req.headers.items():
                    conn.putheader(k, v)
                conn.putheader("Content-Length", str(len(data)))
                conn.endheaders()
                for i in range(0, len(data), MiB):
                    conn.send(data[i:i + MiB])
                    started.set()
                    time.sleep(0.05)
                r = conn.getresponse()
                res.update(status=r.status, etag=r.getheader("ETag"), body=r.read())
                conn.close()
            except Exception as e:  # noqa: BLE001
                res["error"] = e
            finally:
                res["t"] = time.monotonic()
                started.set()

        t = threading.Thread(target=put)
        t.start()
        self.assertTrue(started.wait(30))
        time.sleep(0.3)
        t_sig = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        t.join(120)
        self.assertNotIn("error", res)
        self.assertEqual(res["status"], 200, res)
        self.assertEqual(res["etag"], '"%s"' % hashlib.md5(data).hexdigest())
        self.assertGreater(res["t"], t_sig + 0.5, "the PUT was not in flight at the signal")
        rc = srv.proc.wait(60)
        srv.proc = None
        srv.log.close()
        self.assertEqual(rc, 0, srv.read_log()[-4000:])
        self.assertEqual(srv.sanitizer_reports(), [])
        self.assertIn("draining", srv.read_log())

        srv.start()
        got = boto3_client(srv).get_object(Bucket="drain", Key="big")["Body"].read()
        self.assertTrue(got == data, "the drained PUT did not survive the restart")
        self.assertEqual(srv.stop(), 0)
        p = subprocess.run([binary(), "fsck", srv.data], capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_sigterm_while_traced(self):
        """SIGTERM stops the server even when the kernel hands it to a thread
        other than the main one (as it does when the main thread is stopped
        by a tracer: strace, gdb, a profiler)."""
        strace = strace_or_skip(self)
        for i in range(3):
            srv = LifeboatServer()
            self.addCleanup(srv.cleanup)
            srv = Server(traced(srv, strace, "/dev/null", "trace=all"), data=srv.data)
            self.addCleanup(srv.cleanup)
            srv.start(timeout=60)
            c = boto3_client(srv)
            c.create_bucket(Bucket="traced")
            for j in range(5):
                c.put_object(Bucket="traced", Key="k%d" % j, Body=os.urandom(1000))
            os.kill(traced_child(srv), signal.SIGTERM)
            try:
                rc = srv.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(traced_child(srv), signal.SIGKILL)
                srv.proc.wait()
                rc = "still running 20 s after SIGTERM"
            srv.proc = None
            srv.log.close()
            self.assertEqual(rc, 0, "run %d: %s" % (i, srv.read_log()[-2000:]))


def strace_or_skip(test):
    import shutil
    strace = shutil.which("strace")
    if not strace:
        test.skipTest("strace is not installed")
    probe = subprocess.run([strace, "-o", "/dev/null", "true"], capture_output=True)
    if probe.returncode != 0:
        test.skipTest("strace cannot trace here: %s" % probe.stderr.decode()[-200:])
    return strace


def traced(srv, strace, out, expr):
    """A wrapper script running the plain build under strace -f."""
    wrapper = os.path.join(srv.tmp, "traced-lifeboat")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec %s -f -qq -s 512 -o %s -e %s %s \"$@\"\n"
                % (strace, out, expr, plain_binary()))
    os.chmod(wrapper, 0o755)
    return wrapper


def traced_child(srv):
    """The lifeboat process under strace (signals go to it: strace would only
    detach)."""
    with open("/proc/%d/task/%d/children" % (srv.proc.pid, srv.proc.pid)) as f:
        return int(f.read().split()[0])


class AbandonedUploads(unittest.TestCase):
    """A client that goes away mid-body leaves nothing: no object, no temp
    file, no data file; the server carries on."""

    def test_client_disconnects_mid_body(self):
        srv = LifeboatServer().start()
        self.addCleanup(srv.cleanup)
        c = boto3_client(srv)
        c.create_bucket(Bucket="gone")
        c.put_object(Bucket="gone", Key="kept", Body=b"kept")
        zone = os.path.join(srv.data, "zone0")
        files = count_files(zone)
        uid = c.create_multipart_upload(Bucket="gone", Key="mp")["UploadId"]
        for path in ("/gone/half", "/gone/mp?partNumber=1&uploadId=" + uid):
            data = os.urandom(4 * MiB)
            req = AWSRequest(method="PUT", url=srv.endpoint + path, data=data)
            S3SigV4Auth(Credentials(ACCESS, SECRET), "s3", REGION).add_auth(req)
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
            conn.putrequest("PUT", path, skip_accept_encoding=True)
            for k, v in req.headers.items():
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(data)))
            conn.endheaders()
            conn.send(data[:MiB + 12345])
            time.sleep(0.3)
            conn.close()
        deadline = time.time() + 10
        while os.listdir(os.path.join(zone, "tmp")) and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(os.listdir(os.path.join(zone, "tmp")), [], "abandoned temp files")
        self.assertEqual(count_files(zone), files)
        with self.assertRaises(ClientError):
            c.head_object(Bucket="gone", Key="half")
        self.assertEqual(c.list_parts(Bucket="gone", Key="mp", UploadId=uid).get("Parts", []),
                         [])
        self.assertEqual(c.get_object(Bucket="gone", Key="kept")["Body"].read(), b"kept")
        self.assertEqual(srv.stop(), 0, srv.read_log()[-4000:])
        self.assertEqual(srv.sanitizer_reports(), [])


class Syscall:
    __slots__ = ("tid", "name", "args", "ret", "start", "end")

    def __init__(self, tid, name, args, ret, start, end):
        self.tid, self.name, self.args, self.ret = tid, name, args, ret
        self.start, self.end = start, end

    def __repr__(self):
        return "[%d-%d] %d %s(%s) = %s" % (self.start, self.end, self.tid, self.name,
                                          self.args[:120], self.ret)


def parse_strace(path):
    """strace -f output as Syscalls, with the line numbers where each began
    and ended (calls interrupted by other threads come in two lines)."""
    import re
    line_re = re.compile(r"^(\d+) +(.*)$")
    call_re = re.compile(r"^(\w+)\((.*)\) += (-?\d+|\?)")
    out, pending = [], {}
    with open(path, errors="replace") as f:
        for n, line in enumerate(f):
            m = line_re.match(line.rstrip("\n"))
            if not m:
                continue
            tid, rest = int(m.group(1)), m.group(2)
            if rest.endswith("<unfinished ...>"):
                pending[tid] = (rest[:-len("<unfinished ...>")].rstrip(), n)
                continue
            start = n
            r = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", rest)
            if r:
                head, start = pending.pop(tid, ("%s(" % r.group(1), n))
                rest = head + r.group(2)
            c = call_re.match(rest)
            if c:
                ret = c.group(3)
                out.append(Syscall(tid, c.group(1), c.group(2), int(ret) if ret != "?" else None,
                                   start, n))
    return out


class PowerLossOrdering(unittest.TestCase):
    """What kill -9 cannot show: that every acknowledged write would also
    survive a power cut.  The server runs under strace, and the order of its
    syscalls is checked against commit.c's invariants:
      1. a data file is fsynced after its last write and before its rename;
         the directory it was renamed into is fsynced before the metadata
         commit that names it;
      3. the metadata commit is durable (LMDB's meta page written through its
         O_DSYNC descriptor, or followed by an fdatasync) before the reply;
      4. data files are unlinked only after a durable commit (by the thread
         of the request whose commit forgot them, as the code does today);
    and what start-up creates (directories, LMDB's file, the generated root
    credentials) has its directory fsynced before anything is served."""

    def test_syscall_order(self):
        strace = strace_or_skip(self)
        srv = LifeboatServer()
        self.addCleanup(srv.cleanup)
        trace = os.path.join(srv.tmp, "trace")
        srv = Server(traced(srv, strace, trace,
                            "trace=openat,close,pwrite64,pwritev,pwritev2,writev,write,fsync,"
                            "fdatasync,msync,sync_file_range,rename,renameat,renameat2,unlink,"
                            "unlinkat,sendto,sendmsg,mkdir,mkdirat"), data=srv.data)
        # Root credentials generated and kept in the data directory.
        srv.env = lambda base=srv.env: {k: v for k, v in base().items()
                                        if k not in ("LIFEBOAT_ROOT_USER",
                                                     "LIFEBOAT_ROOT_PASSWORD")}
        self.addCleanup(srv.cleanup)
        srv.start(timeout=60)
        with open(os.path.join(srv.data, "root-credentials")) as f:
            cred = dict(line.strip().split("=", 1) for line in f if "=" in line)
        key = {"key": cred["access_key"], "secret": cred["secret_key"]}
        c = boto3_client(srv, **key)
        c.create_bucket(Bucket="order")
        clients = [boto3_client(srv, **key) for _ in range(4)]
        errors = []

        def work(t):
            try:
                ops(clients[t], t)
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        def ops(cc, t):
            for i in range(4):
                cc.put_object(Bucket="order", Key="k%d-%d" % (t, i),
                              Body=os.urandom(3 * MiB // (i + 1)))
            cc.put_object(Bucket="order", Key="k%d-0" % t, Body=b"overwrite")
            cc.delete_object(Bucket="order", Key="k%d-1" % t)
            cc.copy_object(Bucket="order", Key="c%d" % t, CopySource={"Bucket": "order",
                                                                     "Key": "k%d-2" % t})
            uid = cc.create_multipart_upload(Bucket="order", Key="m%d" % t)["UploadId"]
            e = [cc.upload_part(Bucket="order", Key="m%d" % t, UploadId=uid, PartNumber=n,
                                Body=os.urandom(PART if n == 1 else 1000))["ETag"] for n in (1, 2)]
            cc.complete_multipart_upload(Bucket="order", Key="m%d" % t, UploadId=uid,
                                         MultipartUpload={"Parts": [
                                             {"PartNumber": 1, "ETag": e[0]},
                                             {"PartNumber": 2, "ETag": e[1]}]})
            cc.put_object(Bucket="order", Key="m%d" % t, Body=b"replaces a multipart object")

        ts = [threading.Thread(target=work, args=(t,)) for t in range(len(clients))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(errors, [])
        os.kill(traced_child(srv), signal.SIGTERM)
        self.assertEqual(srv.proc.wait(60), 0)
        srv.proc = None
        srv.log.close()
        self.check_order(parse_strace(trace), srv.data)

    def check_order(self, calls, data):
        zone = os.path.join(data, "zone0")
        fds = {}              # fd -> (path, flags) as the process's table stands
        created = []          # (call, directory whose new entry must become durable)
        all_syncs = []        # (call, path) of every fsync and fdatasync
        last_write = {}       # data file path -> index of its last write's end
        synced = {}           # data file path -> end of an fsync after the last write
        renamed = []          # (call, destination path)
        dir_syncs = []        # (call, directory path)
        commits = []          # (meta page write's start, end of its being durable)
        meta_dirty = None     # start of a meta page write through a non-sync fd
        unlinks = []
        replies = []          # sendto/sendmsg of a 2xx reply
        problems = []
        for c in calls:
            a = c.args
            if c.name == "openat" and c.ret is not None and c.ret >= 0:
                path = a.split('"')[1]
                fds[c.ret] = (path, a.split('"')[2])
                if "O_CREAT" in a and path.endswith("/meta/data.mdb"):
                    created.append((c, os.path.dirname(path)))
            elif c.name in ("mkdir", "mkdirat") and c.ret == 0:
                path = a.split('"')[1]
                created.append((c, os.path.dirname(path.rstrip("/"))))
            elif c.name == "close" and c.ret == 0:
                fds.pop(int(a.split(",")[0]), None)
            elif c.name in ("pwrite64", "pwritev", "pwritev2", "writev", "write") and \
                    c.ret is not None and c.ret > 0:
                fd = int(a.split(",")[0])
                path, flags = fds.get(fd, ("", ""))
                if path.startswith(zone + "/tmp/"):
                    last_write[path] = c.end
                    synced.pop(path, None)
                elif path.endswith("/data.mdb"):
                    off = int(a.rsplit(",", 1)[1]) if c.name == "pwrite64" else None
                    if off is not None and off < 8192 and c.ret <= 256:  # a meta page
                        if "O_DSYNC" in flags or "O_SYNC" in flags:
                            commits.append((c.start, c.end))
                        else:
                            meta_dirty = c.start
            elif c.name in ("fsync", "fdatasync") and c.ret == 0:
                path, _ = fds.get(int(a.split(",")[0]), ("", ""))
                all_syncs.append((c, path.rstrip("/")))
                if path.startswith(zone + "/tmp/"):
                    synced[path] = c.end
                elif path.endswith("/data.mdb") and meta_dirty is not None:
                    commits.append((meta_dirty, c.end))
                    meta_dirty = None
                elif path.startswith(zone + "/objects/"):
                    dir_syncs.append((c, path))
            elif c.name in ("rename", "renameat", "renameat2") and c.ret == 0:
                parts = a.split('"')
                src, dst = parts[1], parts[3]
                if src.startswith(zone + "/tmp/"):
                    if src not in synced or synced[src] >= c.start:
                        problems.append("renamed before its data was fsynced: %r" % c)
                    renamed.append((c, dst))
                else:
                    created.append((c, os.path.dirname(dst)))
            elif c.name in ("unlink", "unlinkat") and c.ret == 0:
                path = a.split('"')[1]
                if path.startswith(zone + "/objects/"):
                    unlinks.append(c)
            elif c.name in ("sendto", "sendmsg") and ("HTTP/1.1 200" in a or "HTTP/1.1 204" in a):
                replies.append(c)

        for r, dst in renamed:
            # Its reply needs, in this order: the rename, an fsync of the
            # directory, a durable commit (which then includes the op).
            d = os.path.dirname(dst)
            reply = next((x for x in replies if x.tid == r.tid and x.start > r.end), None)
            if reply is None:
                problems.append("no reply after %r" % r)
                continue
            ds = next((s for s, p in dir_syncs if p == d and r.end < s.start), None)
            if ds is None or not any(ds.end < m and e < reply.start for m, e in commits):
                problems.append("reply without the directory fsync and durable commit "
                                "that must follow %r" % r)
        # What start-up creates (directories, LMDB's file, the credentials)
        # is durable before anything is served: its directory is fsynced.
        first_reply = min((x.start for x in replies), default=0)
        for cr, parent in created:
            if not any(p == parent and cr.end < f.start and f.end < first_reply
                       for f, p in all_syncs):
                problems.append("%s not fsynced after %r" % (parent, cr))
        # Unlinks come from request threads, after their request's commit
        # (or from start-up recovery, before anything is served).
        repliers = {x.tid for x in replies}
        for u in unlinks:
            if u.tid not in repliers:
                if u.start > first_reply:
                    problems.append("unlinked outside a request (inside the commit?): %r" % u)
                continue
            prev = max((x.end for x in replies if x.tid == u.tid and x.end < u.start),
                       default=-1)
            if not any(prev < m and e < u.start for m, e in commits):
                problems.append("unlinked before a durable commit: %r" % u)
        self.assertGreater(len(renamed), 30, "the trace shows too few data files")
        self.assertGreater(len(unlinks), 8, "the trace shows too few unlinks")
        self.assertTrue(commits, "no durable metadata commit recognised in the trace")
        self.assertGreater(len(created), 256, "the trace shows too few created directories")
        self.assertEqual(problems, [])


if __name__ == "__main__":
    unittest.main()
