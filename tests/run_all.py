#!/usr/bin/env python3
"""Runs every suite and prints one closing line: "N passed, N failed".

  unit      cmocka tests through meson, in the plain and the sanitizer build
  clients   real clients (aws CLI, boto3, s3cmd, rclone, restic, curl) against
            a real server (the ASan+UBSan build)
  badinput  malformed requests over raw sockets
  fault     kill -9 under load, injected EIO/ENOSPC/fsync failures
"""
import argparse
import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))


def run_unit(build):
    p = subprocess.run(["meson", "test", "-C", build, "--suite", "unit", "--print-errorlogs"],
                       cwd=ROOT, capture_output=True, text=True)
    out = p.stdout + p.stderr
    print(out[-6000:] if p.returncode else "\n".join(l for l in out.splitlines() if "/" in l and ("OK" in l or "FAIL" in l)))
    ok = int((re.search(r"^Ok:\s+(\d+)", out, re.M) or [0, 0])[1])
    fail = int((re.search(r"^Fail:\s+(\d+)", out, re.M) or [0, 0])[1])
    fail += int((re.search(r"^Timeout:\s+(\d+)", out, re.M) or [0, 0])[1])
    if p.returncode and fail == 0:
        fail = 1
    return ok, fail


def run_python(suite):
    d = os.path.join(HERE, suite)
    if not os.path.isdir(d):
        return 0, 0
    loader = unittest.TestLoader()
    tests = loader.discover(d, pattern="test_*.py", top_level_dir=d)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(tests)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    return result.testsRun - failed - len(result.skipped), failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--sanbuild", default="build-san")
    ap.add_argument("--only", action="append")
    a = ap.parse_args()
    os.environ.setdefault("LIFEBOAT_BIN", os.path.join(ROOT, a.sanbuild, "lifeboat"))
    passed = failed = 0
    suites = a.only or ["unit", "clients", "badinput", "fault"]
    for s in suites:
        t0 = time.time()
        print("=== suite %s" % s, flush=True)
        if s == "unit":
            for b in (a.build, a.sanbuild):
                p, f = run_unit(b)
                passed += p
                failed += f
        else:
            p, f = run_python(s)
            passed += p
            failed += f
        print("=== suite %s done in %.0fs" % (s, time.time() - t0), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
