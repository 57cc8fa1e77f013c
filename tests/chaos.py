#!/usr/bin/env python3
"""Many clients at once against one real paymock, over HTTP.

Workers in separate processes make random sequences on a handful of shared
sessions: refunds on three providers with reused keys, clock moves (huge,
backwards, to the end of time), session deletes and resets, faults that hang,
drip, reset, drop, cut or decline, webhook endpoints and replays, and every
admin listing.  A bystander polls /__admin/health throughout.  It fails if the
server dies, a bystander waits longer than CHAOS_PATIENCE_MS, any transaction
shows more refunded than captured, descriptors or memory run away, or the
server does not exit 0 on SIGTERM.  CHAOS_FLAGS adds server flags, e.g. tight
session limits (--session-ttl 300ms --max-sessions 4 --max-memory 1M) so that
sessions expire and are evicted under the same load.

usage: tests/chaos.py PAYMOCK_BIN [SECONDS] [WORKERS]
"""
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

SESSIONS = ["c%d" % i for i in range(6)]
SP = {"merchantKey": "31928de9-1344-469f-b0eb-8e5d0fef3d21",
      "transactionId": "933a0fab-80a0-42c5-b010-c71174f4ab32"}
FAULTS = [{"type": "hang", "ms": 300}, {"type": "slow", "bytes_per_s": 200},
          {"type": "reset"}, {"type": "drop"}, {"type": "commit_then_drop"},
          {"type": "delay", "ms": 200}, {"type": "truncate", "bytes": 5},
          {"type": "decline"}, {"type": "outcome", "outcome": "failed"}]
LISTINGS = ["/__admin/journal", "/__admin/refunds", "/__admin/sessions",
            "/__admin/transactions", "/__admin/webhooks/deliveries"]


def request(port, method, path, body=None, headers=None, timeout=3):
    """The reply's status, or None when the connection was cut or timed out."""
    h = {"Host": "x", "Connection": "close"}
    h.update(headers or {})
    data = b"" if body is None else json.dumps(body).encode()
    if body is not None:
        h["Content-Type"] = "application/json"
        h["Content-Length"] = str(len(data))
    head = "%s %s HTTP/1.1\r\n%s\r\n" % (
        method, path, "".join("%s: %s\r\n" % kv for kv in h.items()))
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    got = b""
    try:
        s.sendall(head.encode() + data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except OSError:
        return None
    finally:
        s.close()
    parts = got.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def worker(port, sink, seed, seconds, out):
    rnd = random.Random(seed)
    ops = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        s = rnd.choice(SESSIONS)
        h = {"X-Paymock-Session": s}
        k = rnd.randrange(14)
        if k < 4:
            b = dict(SP, modificationId="%08x-0000-4000-8000-%012x" % (
                rnd.randrange(1 << 32), rnd.randrange(50)),
                modifiedAmount={"amount": rnd.choice([1, 5, 25, 100, 1000]),
                                "currencyCode": "EUR"})
            request(port, "POST", "/smartpay/payment/refund", b, h)
        elif k == 4:
            request(port, "POST", "/accelebit/v1/refunds",
                    {"transactionId": "f47ac10b-58cc-4372-a567-0e02b2c3d479",
                     "amount": rnd.choice(["1.00", "55.00", "0.01"]), "currency": "EUR"},
                    dict(h, **{"X-API-Key": "smtgw_sk_test_x",
                               "Idempotency-Key": "k%d" % rnd.randrange(20)}))
        elif k == 5:
            request(port, "POST", "/utgl/v1/partner-connect/transactions/refund",
                    {"transactionId": "3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93",
                     "amount": rnd.choice([0.01, 1.0, 50.0]), "currency": "USD",
                     "reason": "r", "description": "d"},
                    dict(h, Authorization="Basic cGFydG5lcjpzZWNyZXQ="))
        elif k == 6:
            request(port, "POST", "/__admin/clock/advance",
                    {"seconds": rnd.choice([1, 30, 3600, 86400 * 400])}, h)
        elif k == 7:
            request(port, "POST", "/__admin/clock/set", {"now": rnd.choice(
                ["2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z",
                 "9999-12-31T23:59:59Z"])}, h)
        elif k == 8:
            if rnd.random() < 0.5:
                request(port, "DELETE", "/__admin/sessions/" + s, None, h)
            else:
                request(port, "POST", "/__admin/reset", {}, h)
        elif k == 9:
            request(port, "POST", "/__admin/faults", {
                "match": {"provider": rnd.choice(["smartpay", "accelebit", "utgl"]),
                          "times": 2},
                "action": rnd.choice(FAULTS)}, h)
        elif k == 10:
            request(port, "POST", "/__admin/webhooks", {
                "provider": rnd.choice(["accelebit", "smartretry"]),
                "url": "http://127.0.0.1:%d/h" % sink}, h)
        elif k == 11:
            request(port, "GET", rnd.choice(LISTINGS), None, h)
        elif k == 12:
            request(port, "POST", "/__admin/webhooks/deliveries/%d/replay" %
                    rnd.randrange(1, 5), {}, h)
        else:
            request(port, "GET", "/accelebit/v1/refunds?transactionId="
                    "f47ac10b-58cc-4372-a567-0e02b2c3d479", None,
                    dict(h, **{"X-API-Key": "smtgw_sk_test_x"}))
        ops += 1
    out.put(ops)


def bystander(port, seconds, out):
    worst, n, failed = 0.0, 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.monotonic()
        if request(port, "GET", "/__admin/health", timeout=5) != 200:
            failed += 1
        worst = max(worst, time.monotonic() - t)
        n += 1
        time.sleep(0.002)
    out.put((n, failed, worst * 1000))


def started(proc):
    """The port from the first line; what follows (the sink's deliveries) is read and dropped."""
    line = proc.stdout.readline().decode()
    if "listening on http://" not in line:
        sys.exit("chaos: the server did not start: %r" % line)
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return int(line.rsplit(":", 1)[1])


def proc_status(pid, key):
    for line in open("/proc/%d/status" % pid):
        if line.startswith(key):
            return int(line.split()[1])
    return -1


def main():
    binary = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60
    nworkers = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    patience = float(os.environ.get("CHAOS_PATIENCE_MS", "250"))
    sink = subprocess.Popen([binary, "--webhook-sink", "0"], stdout=subprocess.PIPE)
    srv = subprocess.Popen([binary, "--port", "0", "--quiet", "--idle-timeout", "2"] +
                           os.environ.get("CHAOS_FLAGS", "").split(), stdout=subprocess.PIPE)
    port, sink_port = started(srv), started(sink)
    q = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker, args=(port, sink_port, i, seconds, q))
             for i in range(nworkers)]
    procs.append(multiprocessing.Process(target=bystander, args=(port, seconds + 1, q)))
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    results = [q.get() for _ in procs]
    ops = sum(r for r in results if isinstance(r, int))
    n, failed, worst = next(r for r in results if isinstance(r, tuple))
    problems = []
    if srv.poll() is not None:
        problems.append("the server died (exit %s)" % srv.returncode)
    else:
        over = 0
        listed = json.load(urllib.request.urlopen(
            "http://127.0.0.1:%d/__admin/sessions" % port))["sessions"]
        for s in listed:
            txns = json.load(urllib.request.urlopen(urllib.request.Request(
                "http://127.0.0.1:%d/__admin/transactions" % port,
                headers={"X-Paymock-Session": s["name"]})))["transactions"]
            over += sum(1 for t in txns if float(t["refunded"]) > float(t["amount"]))
        rss, fds = proc_status(srv.pid, "VmHWM"), len(os.listdir("/proc/%d/fd" % srv.pid))
        print("chaos: %d workers, %.0f s, %d operations; health %d checks, %d failed, "
              "worst %.1f ms; %d sessions, %d over-refunded transactions; peak RSS "
              "%d KiB, %d descriptors" % (nworkers, seconds, ops, n, failed, worst,
                                          len(listed), over, rss, fds))
        if over:
            problems.append("%d transactions show more refunded than captured" % over)
        if failed or worst > patience:
            problems.append("a bystander waited %.1f ms (%d failed)" % (worst, failed))
        if fds > 64:
            problems.append("%d descriptors still open" % fds)
        srv.send_signal(signal.SIGTERM)
        if srv.wait(timeout=10) != 0:
            problems.append("exit %d on SIGTERM" % srv.returncode)
    sink.terminate()
    sink.wait()
    for p in problems:
        print("chaos: FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
