"""Starts real lifeboat servers for the client, fault and bad-input suites.

Each LifeboatServer is a real `lifeboat serve` process on a free loopback port
with its own data directory.  Nothing here imitates the server: tests talk to
it over sockets with real clients.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCESS = "lbtestroot"
SECRET = "lbtestsecret-0123456789"
REGION = "us-east-1"


def binary():
    """The server under test: LIFEBOAT_BIN, else the sanitizer build."""
    b = os.environ.get("LIFEBOAT_BIN")
    if b:
        return b
    for d in ("build-san", "build"):
        p = os.path.join(ROOT, d, "lifeboat")
        if os.path.exists(p):
            return p
    raise RuntimeError("no lifeboat binary: run make build")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class LifeboatServer:
    def __init__(self, data=None, env=None, args=(), port=None):
        self.tmp = tempfile.mkdtemp(prefix="lbtest-")
        self.data = data or os.path.join(self.tmp, "data")
        self.port = port or free_port()
        self.extra_env = env or {}
        self.args = list(args)
        self.proc = None
        self.log_path = os.path.join(self.tmp, "server.log")
        self.owns_data = data is None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def env(self):
        e = dict(os.environ)
        e.update({"LIFEBOAT_ROOT_USER": ACCESS, "LIFEBOAT_ROOT_PASSWORD": SECRET,
                  "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:log_path=%s/asan" % self.tmp,
                  "UBSAN_OPTIONS": "print_stacktrace=1:log_path=%s/ubsan" % self.tmp})
        e.update(self.extra_env)
        return e

    def start(self, timeout=20):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [binary(), "serve", "--address", "127.0.0.1:%d" % self.port, "--data", self.data]
            + self.args, stdout=self.log, stderr=self.log, env=self.env())
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("lifeboat exited at start:\n" + self.read_log())
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("lifeboat did not start listening:\n" + self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-20000:]
        except OSError:
            return ""

    def sanitizer_reports(self):
        out = []
        # UBSan and some ASan reports land in the server's own stderr log.
        for line in self.read_log().splitlines():
            if ("runtime error:" in line or "AddressSanitizer" in line
                    or "LeakSanitizer" in line):
                out.append(line)
        for name in os.listdir(self.tmp):
            if name.startswith("asan") or name.startswith("ubsan"):
                with open(os.path.join(self.tmp, name), errors="replace") as f:
                    out.append(f.read())
        return out

    def stop(self, timeout=60):
        """SIGTERM and wait: a clean stop must exit 0 without sanitizer reports."""
        if not self.proc:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.log.close()
        return rc

    def kill(self):
        """kill -9: the crash the store must survive."""
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.log.close()

    def cleanup(self):
        if self.proc:
            self.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def boto3_client(server, **kw):
    import boto3
    from botocore.config import Config
    cfg = kw.pop("config", None) or Config(s3={"addressing_style": "path"},
                                           retries={"max_attempts": 1})
    return boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=kw.pop("key", ACCESS),
                        aws_secret_access_key=kw.pop("secret", SECRET), region_name=REGION,
                        config=cfg, **kw)


def s3cmd_config(server, v2=False):
    """An s3cmd config file in the server's temp dir (never the user's home)."""
    host = "127.0.0.1:%d" % server.port
    path = os.path.join(server.tmp, "s3cmd-v2.cfg" if v2 else "s3cmd.cfg")
    with open(path, "w") as f:
        f.write("[default]\n"
                "access_key = %s\nsecret_key = %s\n"
                "host_base = %s\nhost_bucket = %s\n"
                "use_https = False\nsignature_v2 = %s\n"
                "bucket_location = us-east-1\n"
                "check_ssl_certificate = False\n"
                "progress_meter = False\n" % (ACCESS, SECRET, host, host, v2))
    return path


def client_env(server, key=ACCESS, secret=SECRET):
    e = dict(os.environ)
    e.update({"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
              "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
              "HOME": server.tmp})
    return e


class ServerTestCase(unittest.TestCase):
    """One server per test class; it must stop cleanly (exit 0, no sanitizer
    report) when the class is done."""
    server_args = ()
    server_env = None

    @classmethod
    def setUpClass(cls):
        cls.server = LifeboatServer(env=cls.server_env, args=cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        reports = cls.server.sanitizer_reports()
        log = cls.server.read_log()
        cls.server.cleanup()
        if rc != 0 or reports:
            raise AssertionError("server did not stop cleanly (exit %s)\n%s\n%s"
                                 % (rc, "\n".join(reports)[:20000], log[-5000:]))

    def s3(self, **kw):
        return boto3_client(self.server, **kw)

    def run_cmd(self, args, env=None, check=True, timeout=300, input=None):
        p = subprocess.run(args, env=env or client_env(self.server), capture_output=True,
                           timeout=timeout, input=input)
        if check and p.returncode != 0:
            self.fail("%s failed (%d):\n%s\n%s" % (" ".join(args), p.returncode,
                                                  p.stdout.decode(errors="replace")[-4000:],
                                                  p.stderr.decode(errors="replace")[-4000:]))
        return p

    def aws(self, *args, check=True):
        return self.run_cmd(["aws", "--endpoint-url", self.server.endpoint]
                            + list(args), check=check)
