#!/usr/bin/env python3
"""lifeboat bench: lifeboat against nginx (DAV) and s3rver, in one run, on loopback.

    python3 bench/run.py [--build DIR | --lifeboat PATH] [--quick] [--only W,...]

Starts the three servers in a temporary directory, drives them with the same
load (wrk with bench/wrk/reqs.lua over presigned URLs for the S3 servers and
plain URLs for nginx), measures server CPU and peak RSS from /proc, repeats
every figure, and writes bench/results/bench-<time>.{json,md} plus
latest.{json,md}. See bench/README.md for what each figure means.
"""

import argparse
import datetime
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LUA = os.path.join(HERE, "wrk", "reqs.lua")
RESULTS = os.path.join(HERE, "results")
S3RVER_JS = os.path.join(HERE, "node_modules", "s3rver", "bin", "s3rver.js")

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
TICK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

ACCESS, SECRET = "benchroot", "benchroot-secret-0123456789"
REGION = "us-east-1"

# --------------------------------------------------------------------------
# profiles

FULL = {
    "reps": 3,
    "conc": [1, 16, 64],
    "get_sizes": [1 * KiB, 1 * MiB, 64 * MiB],
    "put_sizes": [1 * KiB, 4 * KiB, 1 * MiB, 64 * MiB],
    # seconds per wrk run: by size, and for the largest size by concurrency
    "dur_small": 3,
    "dur_1m": 4,
    "dur_big": {1: 4, 16: 6, 64: 8},  # GET only: PUT of the largest size is by count
    "big_put_requests": {1: 8, 16: 32, 64: 64},
    "list_keys": 100_000,
    "s3rver_populate_budget_s": 30,  # s3rver gets fewer keys if it is slower
    "s3rver_list_conc_max": 16,  # one s3rver listing takes ~1 s: 64 of them queue for a minute
    "list_conc": [1, 16, 64],
    "list_dur": 2,
    "delete_dur": 3,
    "mpu_size": 1 * GiB,
    "mpu_part": 64 * MiB,
    "mpu_conc": 4,
    "stream_size": 10 * GiB,
    "stream_part": 1 * GiB,
    "idle_conns": 1000,
    "fsync_secs": 3,
}

QUICK = dict(FULL)
QUICK.update({
    "reps": 1,
    "get_sizes": [1 * KiB, 1 * MiB, 8 * MiB],
    "put_sizes": [1 * KiB, 4 * KiB, 1 * MiB, 8 * MiB],
    "dur_small": 2,
    "dur_1m": 2,
    "dur_big": {1: 2, 16: 3, 64: 4},
    "list_keys": 5_000,
    "s3rver_populate_budget_s": 20,
    "list_dur": 2,
    "delete_dur": 2,
    "mpu_size": 128 * MiB,
    "mpu_part": 16 * MiB,
    "stream_size": 1 * GiB,
    "stream_part": 256 * MiB,
    "fsync_secs": 1,
})

WORKLOADS = ["machine", "fsync", "get", "put", "list", "delete", "multipart", "stream", "idle"]


def human_size(n):
    for unit, div in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= div and n % div == 0:
            return "%d %s" % (n // div, unit)
    return "%d B" % n


def log(msg):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


# --------------------------------------------------------------------------
# /proc measurements

def proc_children(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total / TICK


def status_kib(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_hwm(pids):
    for pid in pids:
        try:
            with open("/proc/%d/clear_refs" % pid, "w") as f:
                f.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        except OSError:
            pass


def system_busy_seconds():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle + iowait
    return (sum(v[:8]) - idle) / TICK


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Probe:
    """CPU and peak RSS of a server around one measurement, plus the CPU of
    our own waited-for children (the client) and of everything else on the
    machine (other people's tests: the noise)."""

    def __init__(self, server):
        self.server = server

    def __enter__(self):
        self.pids = self.server.pids()
        reset_hwm(self.pids)
        self.cpu0 = cpu_seconds(self.pids)
        self.busy0 = system_busy_seconds()
        self.child0 = children_cpu()
        self.self0 = self_cpu()
        self.t0 = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.t0
        pids = self.server.pids()
        self.server_cpu = cpu_seconds(pids) - self.cpu0
        self.hwm_kib = sum(status_kib(p, "VmHWM") for p in pids)
        self.client_cpu = children_cpu() - self.child0
        busy = system_busy_seconds() - self.busy0
        mine = self_cpu() - self.self0
        self.other_cpu = max(0.0, busy - self.server_cpu - self.client_cpu - mine)
        return False

    def figures(self, wall=None):
        wall = wall or self.wall
        return {
            "server_cpu_cores": round(self.server_cpu / wall, 3),
            "client_cpu_cores": round(self.client_cpu / wall, 3),
            "other_cpu_cores": round(self.other_cpu / wall, 3),
            "peak_rss_mib": round(self.hwm_kib / 1024, 1),
        }


# --------------------------------------------------------------------------
# servers

def settle(server, timeout=120):
    """Wait until the server is idle: a slow server still works through the
    requests of connections wrk has closed, and that must not be charged to
    the next run."""
    pids = server.pids()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c0 = cpu_seconds(pids)
        time.sleep(0.2)
        if cpu_seconds(pids) - c0 < 0.02:
            return


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited at start (status %s)" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("%s did not listen on %d" % (what, port))


class Server:
    s3 = True

    def __init__(self, name, tmp):
        self.name = name
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.host = "127.0.0.1:%d" % self.port
        self.endpoint = "http://" + self.host
        self.proc = None

    def pids(self):
        return [self.proc.pid]

    def log_offset(self):
        return None

    def server_times(self, offset):
        return None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # S3 servers: presigned targets (path and query) signed with botocore
    def signer(self):
        from botocore.auth import S3SigV4QueryAuth
        from botocore.credentials import Credentials
        return S3SigV4QueryAuth(Credentials(self.access, self.secret), "s3", REGION, expires=6 * 3600)

    def targets(self, method, bucket, keys=(None,), params=None):
        from botocore.awsrequest import AWSRequest
        auth = self.signer()
        out = []
        for key in keys:
            url = "%s/%s" % (self.endpoint, bucket)
            if key is not None:
                url += "/" + urllib.parse.quote(key, safe="/-_.~")
            req = AWSRequest(method=method, url=url, params=dict(params or {}))
            auth.add_auth(req)
            u = urllib.parse.urlsplit(req.url)
            out.append(u.path + ("?" + u.query if u.query else ""))
        return out

    def client(self):
        import botocore.session
        from botocore.config import Config
        sess = botocore.session.get_session()
        cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                     retries={"max_attempts": 1}, read_timeout=600,
                     request_checksum_calculation="when_required",
                     response_checksum_validation="when_required")
        return sess.create_client("s3", endpoint_url=self.endpoint, region_name=REGION,
                                  aws_access_key_id=self.access,
                                  aws_secret_access_key=self.secret, config=cfg)

    def make_bucket(self, bucket):
        self.client().create_bucket(Bucket=bucket)


ACCESS_US = re.compile(rb" in=\d+ out=\d+ (\d+)us")


class Lifeboat(Server):
    def __init__(self, tmp, binary):
        super().__init__("lifeboat", tmp)
        self.access, self.secret = ACCESS, SECRET
        env = dict(os.environ, LIFEBOAT_ROOT_USER=ACCESS, LIFEBOAT_ROOT_PASSWORD=SECRET)
        self.logf = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--address", self.host, "--data", os.path.join(self.dir, "data")],
            env=env, stdout=self.logf, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, "lifeboat")

    # lifeboat logs one line per request with the time it spent on it:
    # "... GET /bucket/key 200 in=0 out=1024 87us"
    def log_offset(self):
        self.logf.flush()
        return os.path.getsize(self.logf.name)

    def server_times(self, offset):
        out = []
        with open(self.logf.name, "rb") as f:
            f.seek(offset)
            for line in f:
                m = ACCESS_US.search(line)
                if m:
                    out.append(int(m.group(1)))
        out.sort()
        return out


class S3rver(Server):
    def __init__(self, tmp):
        super().__init__("s3rver", tmp)
        self.access, self.secret = "S3RVER", "S3RVER"  # s3rver's fixed credentials
        self.logf = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(
            # s3rver's ListObjectsV2 continuation tokens use DES, which
            # OpenSSL 3 keeps in its legacy provider
            ["node", "--openssl-legacy-provider", S3RVER_JS, "-d", os.path.join(self.dir, "data"), "-a", "127.0.0.1",
             "-p", str(self.port), "--silent"],
            stdout=self.logf, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, "s3rver")


NGINX_CONF = """\
# written by bench/run.py for one run; everything lives under {dir}
{user}
worker_processes auto;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
load_module {dav_ext};
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    types {{ }}
    default_type application/octet-stream;
    server {{
        listen {host};
        root {dir}/root;
        client_max_body_size 0;
        client_body_buffer_size 1m;
        location / {{
            dav_methods PUT DELETE MKCOL;
            dav_ext_methods PROPFIND OPTIONS;
            create_full_put_path on;
            dav_access user:rw;
        }}
    }}
}}
"""


class Nginx(Server):
    s3 = False

    def __init__(self, tmp):
        super().__init__("nginx", tmp)
        os.makedirs(os.path.join(self.dir, "root"))
        dav_ext = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so"
        user = "user root;" if os.geteuid() == 0 else ""  # workers must write root/
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=self.dir, host=self.host, dav_ext=dav_ext, user=user))
        self.logf = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.dir, "-e", os.path.join(self.dir, "error.log")],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, "nginx")

    def pids(self):
        return [self.proc.pid] + proc_children(self.proc.pid)

    def targets(self, method, bucket, keys=(None,), params=None):
        return ["/%s/%s" % (bucket, urllib.parse.quote(k or "", safe="/-_.~")) for k in keys]

    def make_bucket(self, bucket):
        os.makedirs(os.path.join(self.dir, "root", bucket), exist_ok=True)


# --------------------------------------------------------------------------
# plain HTTP helpers (setup, multipart parts, the streaming upload)

def http_put(server, target, size=None, gen=None, timeout=600):
    """PUT a body of SIZE bytes ("b" repeated) or from generator GEN (with
    SIZE as Content-Length); returns the response headers."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.putrequest("PUT", target, skip_accept_encoding=True)
        conn.putheader("Content-Length", str(size))
        conn.putheader("Content-Type", "application/octet-stream")
        conn.endheaders()
        if gen is None:
            chunk = memoryview(b"b" * min(size, 8 * MiB))
            left = size
            while left:
                n = min(left, len(chunk))
                conn.send(chunk[:n])
                left -= n
        else:
            for piece in gen:
                conn.send(piece)
        r = conn.getresponse()
        body = r.read()
        if r.status >= 300:
            raise RuntimeError("%s PUT %s: %d %s" % (server.name, target[:60], r.status, body[:300]))
        return dict(r.getheaders())
    finally:
        conn.close()


def http_request(server, method, target):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        conn.request(method, target)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


# --------------------------------------------------------------------------
# wrk

class Runner:
    def __init__(self, args, prof, tmp):
        self.args, self.prof, self.tmp = args, prof, tmp
        self.nfile = 0

    def wrk(self, server, targets, method, body, conc, duration, once=False):
        """One wrk run; returns the figures of that run."""
        self.nfile += 1
        path = os.path.join(self.tmp, "targets-%d.txt" % self.nfile)
        with open(path, "w") as f:
            f.write("\n".join(targets) + "\n")
        threads = 1 if conc == 1 else 2
        # wrk takes whole seconds
        cmd = ["wrk", "-t%d" % threads, "-c%d" % conc, "-d%ds" % max(1, int(duration)),
               "--timeout", "120s", "-s", LUA, server.endpoint + "/", "--",
               path, method, str(body), "once" if once else "cycle", str(threads)]
        env = dict(os.environ)
        if once:
            env["LB_WRK_ONCE"] = "1"
        res = None
        log0 = server.log_offset()
        with Probe(server) as probe:
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            done = 0
            for line in p.stdout:
                if line.startswith("THREAD-DONE"):
                    done += 1
                    if done == threads:
                        p.send_signal(signal.SIGINT)
                elif line.startswith("JSON "):
                    res = json.loads(line[5:])
            err = p.stderr.read()
            p.wait()
        settle(server)
        os.unlink(path)
        if res is None:
            raise RuntimeError("wrk gave no summary: %s %s" % (" ".join(cmd), err[-500:]))
        dur = res["duration_us"] / 1e6
        errors = sum(res["errors"].values())
        good = max(0, res["requests"] - res["errors"]["status"])  # answered 2xx/3xx
        if method == "PUT":
            moved = good * body  # bodies of completed PUTs
        else:
            moved = res["bytes"]  # all bytes read, partial responses included
        out = {
            "requests": res["requests"],
            "seconds": round(dur, 3),
            "ops": round(good / dur, 2),
            "mbps": round(moved / dur / 1e6, 2),
            "p50_ms": res["lat_us"]["p50"] / 1000,
            "p99_ms": res["lat_us"]["p99"] / 1000,
            "errors": res["errors"],
            "error_count": errors,
        }
        out.update(probe.figures(dur))
        out["once"] = once
        st = server.server_times(log0)
        if st:
            out["srv_p50_ms"] = round(st[len(st) // 2] / 1000, 3)
            out["srv_p99_ms"] = round(st[min(len(st) - 1, int(len(st) * 0.99))] / 1000, 3)
        return out


def summarise(runs, key):
    vals = [r[key] for r in runs]
    med = statistics.median(vals)
    spread = (max(vals) - min(vals)) / 2 / med * 100 if med else 0.0
    return med, spread


def aggregate(runs):
    """Median of each figure over the repetitions, spread of ops/s."""
    agg = {"reps": len(runs)}
    for k in ("ops", "mbps", "p50_ms", "p99_ms", "srv_p50_ms", "srv_p99_ms", "server_cpu_cores", "client_cpu_cores",
              "other_cpu_cores", "peak_rss_mib", "requests", "seconds"):
        if all(k in r for r in runs):
            agg[k] = summarise(runs, k)[0]
    agg["ops_spread_pct"] = round(summarise(runs, "ops")[1], 1) if all("ops" in r for r in runs) else None
    agg["errors"] = sum(r.get("error_count", 0) for r in runs)
    agg["min_requests"] = min(r.get("requests", 0) for r in runs)
    agg["once"] = any(r.get("once") for r in runs)
    return agg


# --------------------------------------------------------------------------
# the run

class Bench:
    def __init__(self, args):
        self.args = args
        self.prof = QUICK if args.quick else FULL
        if args.reps:
            self.prof = dict(self.prof, reps=args.reps)
        self.only = set(args.only.split(",")) if args.only else set(WORKLOADS)
        self.results = {"workloads": {}, "targets": [], "notes": []}
        self.servers = []

    # ---- setup
    def start(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # servers inherit it
        base = self.args.tmp or None
        self.tmp = tempfile.mkdtemp(prefix="lifeboat-bench-", dir=base)
        log("temp dir %s" % self.tmp)
        self.runner = Runner(self.args, self.prof, self.tmp)
        self.lb = Lifeboat(self.tmp, self.args.lifeboat)
        self.servers.append(self.lb)
        self.ng = Nginx(self.tmp)
        self.servers.append(self.ng)
        self.s3r = None
        if not self.args.no_s3rver:
            self.s3r = S3rver(self.tmp)
            self.servers.append(self.s3r)
        for s in self.servers:
            s.make_bucket("bench")
        log("servers: " + ", ".join("%s on %s (pid %d)" % (s.name, s.host, s.proc.pid) for s in self.servers))

    def stop(self):
        for s in self.servers:
            s.stop()
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def record(self, wl, key, server, runs, extra=None):
        w = self.results["workloads"].setdefault(wl, {})
        row = w.setdefault(key, {})
        agg = aggregate(runs) if runs else {}
        if extra:
            agg.update(extra)
        row[server.name] = {"median": agg, "runs": runs}

    # ---- machine facts
    def machine(self):
        m = {"nproc": os.cpu_count()}
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    m["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        m["kernel"] = os.uname().release
        with open("/proc/meminfo") as f:
            m["mem_total_mib"] = int(f.readline().split()[1]) // 1024
        with open("/proc/loadavg") as f:
            m["loadavg_at_start"] = f.read().split()[:3]
        try:
            out = subprocess.run(["df", "-h", "--output=source,fstype,size,avail", self.tmp],
                                 capture_output=True, text=True).stdout.splitlines()[-1]
            m["disk"] = " ".join(out.split())
        except Exception:
            pass
        # MD5 on one core (OpenSSL, 16 KiB blocks: what a PUT's stream sees)
        try:
            out = subprocess.run(["openssl", "speed", "-evp", "md5", "-seconds", "1", "-bytes", "16384"],
                                 capture_output=True, text=True, timeout=60).stdout
            for line in out.splitlines():
                if line.lower().startswith("md5"):
                    v = line.split()[-1]
                    m["md5_mb_per_s_one_core"] = round(float(v.rstrip("k")) * 1000 / 1e6, 1)
        except Exception as e:
            m["md5_error"] = str(e)
        m["loopback_gb_per_s"] = self.loopback()
        self.results["machine"] = m
        log("machine: %s" % json.dumps(m))

    def loopback(self):
        """One TCP stream over 127.0.0.1, 1 MiB sends, a receiving thread:
        the wire every server shares here."""
        total = (2 if self.args.quick else 8) * GiB
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        got = [0]

        def recv():
            c, _ = srv.accept()
            buf = bytearray(4 * MiB)
            mv = memoryview(buf)
            while True:
                n = c.recv_into(mv)
                if not n:
                    break
                got[0] += n
            c.close()

        t = threading.Thread(target=recv)
        t.start()
        s = socket.create_connection(srv.getsockname())
        chunk = memoryview(b"x" * MiB)
        t0 = time.monotonic()
        for _ in range(total // MiB):
            s.sendall(chunk)
        s.close()
        t.join()
        srv.close()
        return round(got[0] / (time.monotonic() - t0) / 1e9, 2)

    # ---- durable 4 KiB baseline
    def fsync_loop(self):
        d = os.path.join(self.tmp, "fsync-loop")
        os.makedirs(d)
        block = b"f" * 4096
        out = {}
        for variant in ("file", "file+dir"):
            rates = []
            for _ in range(self.prof["reps"]):
                dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
                n = 0
                t0 = time.monotonic()
                while time.monotonic() - t0 < self.prof["fsync_secs"]:
                    tmp = os.path.join(d, "tmp.%d" % n)
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                    os.write(fd, block)
                    os.fsync(fd)
                    os.close(fd)
                    os.rename(tmp, os.path.join(d, "obj.%d" % n))
                    if variant == "file+dir":
                        os.fsync(dfd)
                    n += 1
                rates.append(n / (time.monotonic() - t0))
                os.close(dfd)
                for name in os.listdir(d):
                    os.unlink(os.path.join(d, name))
            med = statistics.median(rates)
            out[variant] = {"ops": round(med, 1), "ops_spread_pct": round((max(rates) - min(rates)) / 2 / med * 100, 1),
                            "runs": [round(r, 1) for r in rates]}
        self.results["fsync_loop"] = out
        log("fsync loop (create+write 4 KiB+fsync+rename, one by one): %s" % json.dumps(out))

    # ---- GET and PUT
    def duration(self, size, conc):
        if size <= 64 * KiB:
            return self.prof["dur_small"]
        if size <= 1 * MiB:
            return self.prof["dur_1m"]
        return self.prof["dur_big"][conc]

    def get(self):
        for size in self.prof["get_sizes"]:
            targets = {}
            for s in self.servers:
                key = "get/%d" % size
                http_put(s, s.targets("PUT", "bench", [key])[0], size)
                targets[s.name] = s.targets("GET", "bench", [key])
            for conc in self.prof["conc"]:
                runs = {s.name: [] for s in self.servers}
                for rep in range(self.prof["reps"]):
                    for s in self.servers:
                        r = self.runner.wrk(s, targets[s.name], "GET", 0, conc, self.duration(size, conc))
                        runs[s.name].append(r)
                        self.say("GET", size, conc, s, r)
                for s in self.servers:
                    self.record("GET %s" % human_size(size), "c=%d" % conc, s, runs[s.name])

    def put(self):
        big = max(self.prof["put_sizes"])
        for size in self.prof["put_sizes"]:
            # a pool of keys, overwritten round and round; each wrk thread
            # holds its share of formatted requests (body included)
            pool = max(8, min(2000, (512 * MiB) // size))
            keys = ["put/%d/%05d" % (size, i) for i in range(pool)]
            targets = {s.name: s.targets("PUT", "bench", keys) for s in self.servers}
            for conc in self.prof["conc"]:
                runs = {s.name: [] for s in self.servers}
                for rep in range(self.prof["reps"]):
                    for s in self.servers:
                        if size == big:
                            # a fixed number of PUTs, all waited for: with
                            # 64 x 64 MiB in flight, a timed run would count
                            # few completions and miss the bytes in flight
                            n = self.prof["big_put_requests"][conc]
                            t = [targets[s.name][i % pool] for i in range(n)]
                            r = self.runner.wrk(s, t, "PUT", size, conc, 3600, once=True)
                        else:
                            r = self.runner.wrk(s, targets[s.name], "PUT", size, conc, self.duration(size, conc))
                        runs[s.name].append(r)
                        self.say("PUT", size, conc, s, r)
                        if size >= MiB:
                            os.sync()  # write back now, not during the next run
                for s in self.servers:
                    self.record("PUT %s" % human_size(size), "c=%d" % conc, s, runs[s.name])

    def say(self, op, size, conc, s, r):
        log("%-6s %-8s c=%-3d %-8s %9.1f ops/s %8.1f MB/s p50 %7.2f ms p99 %8.2f ms cpu %.2f rss %.0f MiB bg %.2f%s"
            % (op, human_size(size) if size else "", conc, s.name, r["ops"], r["mbps"], r["p50_ms"], r["p99_ms"],
               r["server_cpu_cores"], r["peak_rss_mib"], r["other_cpu_cores"],
               "  ERRORS %s" % r["errors"] if r["error_count"] else ""))

    # ---- populate, list, delete
    def populate(self, s, keys, budget_s=None, chunk=10_000):
        """PUT 16-byte objects, 64 at a time; stops after budget_s if given.
        Returns (keys stored, PUTs per second)."""
        done, t_busy = 0, 0.0
        while done < len(keys):
            part = keys[done:done + chunk]
            r = self.runner.wrk(s, s.targets("PUT", "list", part), "PUT", 16, 64, 3600, once=True)
            if r["error_count"]:
                raise RuntimeError("%s populate: %s" % (s.name, r["errors"]))
            done += len(part)
            t_busy += r["seconds"]
            if budget_s and t_busy > budget_s:
                break
        return done, done / t_busy if t_busy else 0

    def list_and_delete(self):
        nkeys = self.prof["list_keys"]
        keys = ["d%02d/k%06d" % (i % 100, i) for i in range(nkeys)]
        stored = {}
        for s in self.servers:
            s.make_bucket("list")
            budget = self.prof["s3rver_populate_budget_s"] if s is self.s3r else None
            n, rate = self.populate(s, keys, budget)
            stored[s.name] = n
            log("populated %s with %d keys at %.0f PUT/s (16 B, 64 connections)" % (s.name, n, rate))
            self.record("populate (PUT 16 B, c=64)", "keys", s, [], {"keys": n, "ops": round(rate, 1)})
            if n < nkeys:
                self.results["notes"].append(
                    "%s: only %d of %d keys populated within %ds of PUTs; its listings run over %d keys"
                    % (s.name, n, nkeys, self.prof["s3rver_populate_budget_s"], n))
        if "list" in self.only and self.s3r and max(self.prof["list_conc"]) > self.prof["s3rver_list_conc_max"]:
            self.results["notes"].append("s3rver: listings run at concurrency <= %d only (one takes about a second; "
                                         "more would queue for minutes)" % self.prof["s3rver_list_conc_max"])
        if "list" in self.only:
            variants = [
                ("ListObjectsV2 max-keys=1000", {"list-type": "2", "max-keys": "1000"}),
                ("ListObjectsV2 delimiter=/ (100 prefixes)", {"list-type": "2", "max-keys": "1000", "delimiter": "/"}),
                ("ListObjectsV2 prefix=d42/ delimiter=/", {"list-type": "2", "max-keys": "1000", "delimiter": "/", "prefix": "d42/"}),
            ]
            for name, params in variants:
                for conc in self.prof["list_conc"]:
                    runs = {s.name: [] for s in self.servers if s.s3}
                    for rep in range(self.prof["reps"]):
                        for s in self.servers:
                            if not s.s3 or (s is self.s3r and conc > self.prof["s3rver_list_conc_max"]):
                                continue
                            t = s.targets("GET", "list", [None], params)
                            r = self.runner.wrk(s, t, "GET", 0, conc, self.prof["list_dur"])
                            runs[s.name].append(r)
                            self.say("LIST", 0, conc, s, r)
                    for s in self.servers:
                        if s.s3 and runs[s.name]:
                            self.record(name + " (%s keys)" % ("100k" if nkeys == 100_000 else nkeys), "c=%d" % conc, s,
                                        runs[s.name], {"keys": stored[s.name]})
        if "delete" in self.only:
            self.delete(keys, stored)

    def delete(self, keys, stored):
        slots = len(self.prof["conc"]) * self.prof["reps"]
        plans = {}
        for s in self.servers:
            n = stored[s.name]
            per = n // slots
            plans[s.name] = [s.targets("DELETE", "list", keys[i * per:(i + 1) * per]) for i in range(slots)]
        slot = 0
        for conc in self.prof["conc"]:
            runs = {s.name: [] for s in self.servers}
            for rep in range(self.prof["reps"]):
                for s in self.servers:
                    t = plans[s.name][slot]
                    r = self.runner.wrk(s, t, "DELETE", 0, conc, self.prof["delete_dur"], once=True)
                    runs[s.name].append(r)
                    self.say("DELETE", 0, conc, s, r)
                slot += 1
            for s in self.servers:
                self.record("DELETE (existing 16 B objects)", "c=%d" % conc, s, runs[s.name])

    # ---- multipart upload of 1 GiB
    def multipart(self):
        size, part = self.prof["mpu_size"], self.prof["mpu_part"]
        nparts = size // part
        buf = b"m" * part
        for s in self.servers:
            runs = []
            for rep in range(self.prof["reps"]):
                key = "mpu/%d" % rep
                with Probe(s) as probe:
                    t0 = time.monotonic()
                    if s.s3:
                        c = s.client()
                        uid = c.create_multipart_upload(Bucket="bench", Key=key)["UploadId"]
                        targets = [s.targets("PUT", "bench", [key], {"partNumber": str(n), "uploadId": uid})[0]
                                   for n in range(1, nparts + 1)]
                    else:
                        targets = s.targets("PUT", "bench", ["%s.part%d" % (key, n) for n in range(1, nparts + 1)])
                    etags = [None] * nparts
                    nxt = [0]
                    lock = threading.Lock()
                    errs = []

                    def worker():
                        while True:
                            with lock:
                                i = nxt[0]
                                nxt[0] += 1
                            if i >= nparts:
                                return
                            try:
                                h = http_put(s, targets[i], part, gen=[buf])
                                etags[i] = h.get("ETag") or h.get("etag")
                            except Exception as e:  # noqa: BLE001
                                errs.append(e)
                                return

                    ths = [threading.Thread(target=worker) for _ in range(self.prof["mpu_conc"])]
                    for t in ths:
                        t.start()
                    for t in ths:
                        t.join()
                    if errs:
                        raise errs[0]
                    if s.s3:
                        c.complete_multipart_upload(
                            Bucket="bench", Key=key, UploadId=uid,
                            MultipartUpload={"Parts": [{"PartNumber": n + 1, "ETag": etags[n]} for n in range(nparts)]})
                    wall = time.monotonic() - t0
                r = {"seconds": round(wall, 3), "mbps": round(size / wall / 1e6, 1), "ops": round(1 / wall, 4)}
                r.update(probe.figures())
                runs.append(r)
                log("MPU %s %s in %d parts (%d at a time): %.2f s, %.0f MB/s, cpu %.2f, rss %.0f MiB"
                    % (s.name, human_size(size), nparts, self.prof["mpu_conc"], wall, r["mbps"],
                       r["server_cpu_cores"], r["peak_rss_mib"]))
                if s.s3:
                    c.delete_object(Bucket="bench", Key=key)
                else:
                    for n in range(1, nparts + 1):
                        os.unlink(os.path.join(s.dir, "root", "bench", "%s.part%d" % (key, n)))
            self.record("multipart upload %s (%s parts, %d at a time; nginx: plain PUTs of the parts)"
                        % (human_size(size), human_size(part), self.prof["mpu_conc"]), "", s, runs)

    # ---- 10 GiB streaming upload, lifeboat only
    def stream(self):
        s = self.lb
        size, part = self.prof["stream_size"], self.prof["stream_part"]
        nparts = size // part
        chunk = memoryview(b"s" * MiB)

        def gen(n):
            for _ in range(n // MiB):
                yield chunk

        c = s.client()
        key = "stream/big"
        with Probe(s) as probe:
            rss0 = sum(status_kib(p, "VmRSS") for p in s.pids())
            t0 = time.monotonic()
            uid = c.create_multipart_upload(Bucket="bench", Key=key)["UploadId"]
            parts = []
            for n in range(1, nparts + 1):
                t = s.targets("PUT", "bench", [key], {"partNumber": str(n), "uploadId": uid})[0]
                h = http_put(s, t, part, gen=gen(part), timeout=3600)
                parts.append({"PartNumber": n, "ETag": h.get("ETag") or h.get("etag")})
            c.complete_multipart_upload(Bucket="bench", Key=key, UploadId=uid, MultipartUpload={"Parts": parts})
            wall = time.monotonic() - t0
        r = {"seconds": round(wall, 2), "mbps": round(size / wall / 1e6, 1), "rss_before_mib": round(rss0 / 1024, 1)}
        r.update(probe.figures())
        c.delete_object(Bucket="bench", Key=key)
        self.results["stream"] = dict(r, size=size, part=part)
        log("stream %s (%d parts of %s, one connection, body from a generator): %.1f s, %.0f MB/s, "
            "lifeboat peak RSS %.1f MiB (%.1f MiB before)" % (human_size(size), nparts, human_size(part), wall,
                                                              r["mbps"], r["peak_rss_mib"], r["rss_before_mib"]))

    # ---- idle keep-alive connections
    def idle(self):
        n = self.prof["idle_conns"]
        out = {}
        for s in self.servers:
            key = "get/idle"
            http_put(s, s.targets("PUT", "bench", [key])[0], 1024)
            target = s.targets("GET", "bench", [key])[0]
            req = ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n\r\n" % (target, s.host)).encode()
            time.sleep(0.5)
            rss0 = sum(status_kib(p, "VmRSS") for p in s.pids())
            socks = []
            ok = 0
            try:
                for _ in range(n):
                    so = socket.create_connection(("127.0.0.1", s.port), timeout=30)
                    socks.append(so)
                    so.sendall(req)
                    if read_response(so):
                        ok += 1
                time.sleep(2)
                rss1 = sum(status_kib(p, "VmRSS") for p in s.pids())
                threads = sum(status_kib(p, "Threads") for p in s.pids())
            finally:
                for so in socks:
                    so.close()
            out[s.name] = {"connections": n, "answered": ok, "rss_before_mib": round(rss0 / 1024, 1),
                           "rss_after_mib": round(rss1 / 1024, 1), "cost_mib": round((rss1 - rss0) / 1024, 1),
                           "threads": threads}
            log("idle %s: %d keep-alive connections (%d answered) cost %.1f MiB (%.1f -> %.1f MiB), %d threads"
                % (s.name, n, ok, (rss1 - rss0) / 1024, rss0 / 1024, rss1 / 1024, threads))
            time.sleep(1)
        self.results["idle"] = out

    # ---- driver
    def run(self):
        t_start = time.monotonic()
        self.results["meta"] = self.meta()
        self.start()
        try:
            steps = [("machine", self.machine), ("fsync", self.fsync_loop), ("get", self.get), ("put", self.put),
                     ("multipart", self.multipart), ("stream", self.stream), ("idle", self.idle)]
            for name, fn in steps:
                if name in self.only:
                    t0 = time.monotonic()
                    fn()
                    self.results["meta"].setdefault("step_seconds", {})[name] = round(time.monotonic() - t0, 1)
                    self.check_alive()
            if "list" in self.only or "delete" in self.only:
                t0 = time.monotonic()
                self.list_and_delete()
                self.results["meta"].setdefault("step_seconds", {})["list+delete"] = round(time.monotonic() - t0, 1)
        finally:
            self.stop()
        self.results["meta"]["total_seconds"] = round(time.monotonic() - t_start, 1)
        self.write()

    def check_alive(self):
        for s in self.servers:
            if s.proc.poll() is not None:
                raise RuntimeError("%s died (status %s); see %s" % (s.name, s.proc.returncode, s.dir))

    def meta(self):
        def git(*a):
            try:
                return subprocess.run(["git", "-C", ROOT] + list(a), capture_output=True, text=True).stdout.strip()
            except Exception:
                return ""
        m = {
            "when": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "mode": "quick" if self.args.quick else "full",
            "command": " ".join(sys.argv),
            "commit": git("rev-parse", "--short", "HEAD"),
            "src_dirty": bool(git("status", "--porcelain", "--", "src")),
            "lifeboat": os.path.abspath(self.args.lifeboat),
            "profile": {k: v for k, v in self.prof.items()},
            "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].split(" [")[0],
            "nginx": subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip(),
            "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
        }
        bdir = os.path.dirname(os.path.abspath(self.args.lifeboat))
        try:
            with open(os.path.join(bdir, "meson-info", "intro-buildoptions.json")) as f:
                for o in json.load(f):
                    if o["name"] == "buildtype":
                        m["lifeboat_buildtype"] = o["value"]
        except OSError:
            pass
        try:
            with open(os.path.join(HERE, "node_modules", "s3rver", "package.json")) as f:
                m["s3rver"] = json.load(f)["version"]
        except OSError:
            pass
        return m

    def write(self):
        os.makedirs(RESULTS, exist_ok=True)
        self.results["targets"] = targets(self.results, self.prof)
        md = report(self.results)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for name in ("bench-%s" % stamp, "latest"):
            with open(os.path.join(RESULTS, name + ".json"), "w") as f:
                json.dump(self.results, f, indent=1)
            with open(os.path.join(RESULTS, name + ".md"), "w") as f:
                f.write(md)
        print(md)
        log("wrote %s/bench-%s.{json,md} and latest.{json,md}" % (RESULTS, stamp))


def read_response(so):
    """Read one HTTP/1.1 response with a Content-Length body; True on 2xx."""
    data = b""
    while b"\r\n\r\n" not in data:
        d = so.recv(65536)
        if not d:
            return False
        data += d
    head, rest = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(rest) < length:
        d = so.recv(65536)
        if not d:
            return False
        rest += d
    return head.split(b" ")[1].startswith(b"2")


# --------------------------------------------------------------------------
# targets of issue 3 and the report

def primary(wl):
    """The figure a workload is compared on: MB/s where bytes dominate
    (objects of 1 MiB and more, multipart), ops/s otherwise."""
    return "mbps" if ("MiB" in wl.split("(")[0] or "GiB" in wl.split("(")[0]) else "ops"


def med(results, wl, key, server, fig="ops"):
    try:
        return results["workloads"][wl][key][server]["median"][fig]
    except KeyError:
        return None


def targets(res, prof):
    out = []
    conc = prof["conc"]
    gs = [human_size(x) for x in prof["get_sizes"]]
    ps = [human_size(x) for x in prof["put_sizes"]]

    def ratio_target(what, wl, bound, fig):
        vals = {}
        for c in conc:
            lb, ng = med(res, wl, "c=%d" % c, "lifeboat", fig), med(res, wl, "c=%d" % c, "nginx", fig)
            if lb is not None and ng:
                vals["c=%d" % c] = round(lb / ng, 3)
        if not vals:
            return
        met = [k for k, v in vals.items() if v >= bound]
        out.append({"target": what, "bound": bound, "ratios": vals,
                    "verdict": "met" if len(met) == len(vals) else ("met at %s" % ", ".join(met) if met else "missed")})

    ratio_target("GET %s >= 0.6x nginx requests/s" % gs[0], "GET " + gs[0], 0.6, "ops")
    ratio_target("GET %s >= 0.8x nginx throughput" % gs[1], "GET " + gs[1], 0.8, "mbps")
    ratio_target("GET %s >= 0.9x nginx throughput" % gs[2], "GET " + gs[2], 0.9, "mbps")
    ratio_target("PUT %s (fsync, MD5) >= 0.6x nginx DAV" % human_size(MiB), "PUT " + human_size(MiB), 0.6, "mbps")
    loop = res.get("fsync_loop", {}).get("file", {}).get("ops")
    if loop:
        vals = {"c=%d" % c: med(res, "PUT 4 KiB", "c=%d" % c, "lifeboat") for c in conc}
        vals = {k: v for k, v in vals.items() if v is not None}
        best = max(vals.values()) if vals else 0
        out.append({"target": "PUT 4 KiB durable > create+write+fsync+rename loop one by one",
                    "loop_ops": loop, "loop_with_dir_fsync_ops": res["fsync_loop"].get("file+dir", {}).get("ops"),
                    "lifeboat_ops": vals, "verdict": "met" if best > loop else "missed"})
    # >= 10x s3rver on every workload
    worst = []
    for wl, rows in res["workloads"].items():
        for key, row in rows.items():
            if "lifeboat" in row and "s3rver" in row:
                fig = primary(wl)
                a, b = row["lifeboat"]["median"].get(fig), row["s3rver"]["median"].get(fig)
                if a is not None and b:
                    worst.append((round(a / b, 2), wl, key))
                elif a and b == 0:
                    worst.append((float("inf"), wl, key))
    if worst:
        worst.sort()
        below = [w for w in worst if w[0] < 10]
        out.append({"target": ">= 10x s3rver on every workload", "bound": 10,
                    "lowest": [{"ratio": w[0], "workload": w[1], "at": w[2]} for w in worst[:6]],
                    "below": len(below), "of": len(worst),
                    "verdict": "met" if not below else "missed on %d of %d" % (len(below), len(worst))})
    st = res.get("stream")
    if st:
        out.append({"target": "%s upload keeps RSS < 64 MiB" % human_size(st["size"]), "peak_rss_mib": st["peak_rss_mib"],
                    "verdict": "met" if st["peak_rss_mib"] < 64 else "missed"})
    idle = res.get("idle", {}).get("lifeboat")
    if idle:
        out.append({"target": "%d idle keep-alive connections cost < 64 MiB" % idle["connections"],
                    "cost_mib": idle["cost_mib"], "verdict": "met" if idle["cost_mib"] < 64 else "missed"})
    for wl, rows in res["workloads"].items():
        if wl.startswith("ListObjectsV2 max-keys=1000") or wl.startswith("ListObjectsV2 delimiter"):
            a = rows.get("c=1", {}).get("lifeboat", {}).get("median", {})
            p50 = a.get("srv_p50_ms", a.get("p50_ms"))
            if p50 is not None:
                out.append({"target": "%s: < 5 ms server time (c=1, p50 from lifeboat's access log)" % wl,
                            "server_p50_ms": p50, "server_p99_ms": a.get("srv_p99_ms"), "client_p50_ms": a.get("p50_ms"),
                            "verdict": "met" if p50 < 5 else "missed"})
    return out


def fmt(v, nd=1):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return ("%%.%df" % max(nd, 2)) % v


def ratio_str(a, b):
    if a is None or b is None:
        return None
    if b == 0:
        return "inf" if a else None
    r = a / b
    return ("%.2fx" % r) if r < 10 else ("%.0fx" % r)


def report(res):
    m = res.get("meta", {})
    lines = ["# lifeboat bench (%s mode)" % m.get("mode", "?"), ""]
    lines.append("- when: %s; commit %s%s; lifeboat %s (%s)" % (
        m.get("when"), m.get("commit"), " (src/ had uncommitted changes)" if m.get("src_dirty") else "",
        m.get("lifeboat"), m.get("lifeboat_buildtype", "?")))
    lines.append("- command: `%s`" % m.get("command"))
    lines.append("- %s, %s, nginx (%s), s3rver %s on node %s" % (
        m.get("wrk"), "repetitions: %s" % m.get("profile", {}).get("reps"), m.get("nginx"), m.get("s3rver"), m.get("node")))
    mc = res.get("machine")
    if mc:
        lines.append("- machine: %s cores, %s, %s MiB RAM, kernel %s, disk %s; load at start %s" % (
            mc.get("nproc"), mc.get("cpu_model"), mc.get("mem_total_mib"), mc.get("kernel"), mc.get("disk"),
            " ".join(mc.get("loadavg_at_start", []))))
        lines.append("- MD5 one core: %s MB/s; loopback, one TCP stream: %s GB/s" % (
            mc.get("md5_mb_per_s_one_core"), mc.get("loopback_gb_per_s")))
    fl = res.get("fsync_loop")
    if fl:
        lines.append("- create + write 4 KiB + fsync + rename, one by one: %s ops/s (±%s%%); with a directory fsync "
                     "too: %s ops/s" % (fl["file"]["ops"], fl["file"]["ops_spread_pct"], fl.get("file+dir", {}).get("ops")))
    lines.append("- total time: %s s" % m.get("total_seconds"))
    lines.append("")
    lines.append("Figures are medians over the repetitions; ±% is half the range of ops/s over them. "
                 "CPU in cores (2 = the whole machine); `bg` is the CPU that other processes (not the server, "
                 "not wrk) used meanwhile: above ~0.2 the figure is noisy. Ratio: lifeboat's figure over the other "
                 "server's: MB/s for objects of 1 MiB and more and for multipart, ops/s otherwise. GET MB/s counts "
                 "all bytes read (headers, and bodies still in flight at the end); PUT MB/s counts completed bodies.")
    lines.append("")
    for wl, rows in res["workloads"].items():
        lines.append("## " + wl)
        lines.append("")
        lines.append("| load | server | ops/s | MB/s | p50 ms | p99 ms | in-server p50/p99 ms | server CPU | peak RSS MiB "
                     "| bg CPU | lifeboat ratio |")
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for key, row in rows.items():
            for name in ("lifeboat", "nginx", "s3rver"):
                if name not in row:
                    continue
                a = row[name]["median"]
                ops = a.get("ops")
                ops_s = fmt(ops)
                if a.get("ops_spread_pct") is not None and a.get("reps", 1) > 1:
                    ops_s += " ±%.0f%%" % a["ops_spread_pct"]
                if a.get("errors"):
                    ops_s += " (%d errors)" % a["errors"]
                if "keys" in a and "populate" not in wl:
                    ops_s += " [%d keys]" % a["keys"]
                elif "keys" in a:
                    ops_s += " [%d keys]" % a["keys"]
                if a.get("min_requests") is not None and a["min_requests"] < 20 and not a.get("once") \
                        and "seconds" in a and "multipart" not in wl:
                    ops_s += " (few: %d)" % a["min_requests"]
                rs = ""
                if name == "lifeboat":
                    fig = primary(wl)
                    parts = []
                    for other in ("nginx", "s3rver"):
                        if other in row:
                            r = ratio_str(a.get(fig), row[other]["median"].get(fig))
                            if r:
                                parts.append("%s %s" % (r, other))
                    rs = ", ".join(parts)
                srv = "%s / %s" % (fmt(a["srv_p50_ms"], 2), fmt(a.get("srv_p99_ms"), 2)) if "srv_p50_ms" in a else ""
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    key or "-", name, ops_s, fmt(a.get("mbps")), fmt(a.get("p50_ms"), 2), fmt(a.get("p99_ms"), 2), srv,
                    fmt(a.get("server_cpu_cores"), 2), fmt(a.get("peak_rss_mib")), fmt(a.get("other_cpu_cores"), 2), rs))
        lines.append("")
    st = res.get("stream")
    if st:
        lines.append("## Streaming upload, lifeboat")
        lines.append("")
        lines.append("%s as %d parts of %s over one connection, body from a generator: %.1f s, %.0f MB/s, "
                     "peak RSS %.1f MiB (RSS before: %.1f MiB), server CPU %.2f cores."
                     % (human_size(st["size"]), st["size"] // st["part"], human_size(st["part"]), st["seconds"],
                        st["mbps"], st["peak_rss_mib"], st["rss_before_mib"], st["server_cpu_cores"]))
        lines.append("")
    idle = res.get("idle")
    if idle:
        lines.append("## Idle keep-alive connections")
        lines.append("")
        lines.append("| server | connections | answered | RSS before MiB | RSS after MiB | cost MiB | threads |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for name, v in idle.items():
            lines.append("| %s | %d | %d | %.1f | %.1f | %.1f | %d |" % (
                name, v["connections"], v["answered"], v["rss_before_mib"], v["rss_after_mib"], v["cost_mib"], v["threads"]))
        lines.append("")
    if res.get("targets"):
        lines.append("## Targets of issue 3")
        lines.append("")
        for t in res["targets"]:
            detail = {k: v for k, v in t.items() if k not in ("target", "verdict")}
            lines.append("- **%s** — %s: `%s`" % (t["target"], t["verdict"], json.dumps(detail)))
        lines.append("")
    for n in res.get("notes", []):
        lines.append("- note: " + n)
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"), help="meson build dir holding lifeboat")
    ap.add_argument("--lifeboat", help="path of the lifeboat binary (overrides --build)")
    ap.add_argument("--quick", action="store_true", default=bool(os.environ.get("BENCH_QUICK")),
                    help="few repetitions, smaller sizes: checks the harness in a few minutes")
    ap.add_argument("--reps", type=int, help="repetitions of each figure")
    ap.add_argument("--only", help="comma-separated subset of: " + ",".join(WORKLOADS))
    ap.add_argument("--no-s3rver", action="store_true", help="skip s3rver (e.g. without node)")
    ap.add_argument("--tmp", help="parent of the temporary directory (default: $TMPDIR or /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if not args.lifeboat:
        b = args.build if os.path.isabs(args.build) else os.path.join(ROOT, args.build)
        args.lifeboat = os.path.join(b, "lifeboat")
    if not os.access(args.lifeboat, os.X_OK):
        sys.exit("bench: no lifeboat binary at %s (make build first)" % args.lifeboat)
    for tool in ("wrk", "nginx") + (() if args.no_s3rver else ("node",)):
        if not shutil.which(tool):
            sys.exit("bench: %s not found (make bench installs it)" % tool)
    if not args.no_s3rver and not os.path.exists(S3RVER_JS):
        sys.exit("bench: s3rver not installed: cd bench && npm ci")
    Bench(args).run()


if __name__ == "__main__":
    main()
