#!/usr/bin/env python3
"""soak.py - a month of CI against one paymock, in minutes (make soak).

usage: bench/soak.py [PAYMOCK]      (default build-bench/paymock)

SOAK_SESSIONS (20,000) CI jobs, each in a session of its own, run by
SOAK_WORKERS (3) client processes with one keep-alive connection each.  A job
makes refunds on three of the five providers (a few jobs make 40 Accelebit
refunds), replays an idempotency key, polls statuses, advances its clock so
refunds settle and webhooks fall due, and counts its refund calls in the
journal; some jobs first arm a shipped scenario or a fault, some set webhook
endpoints to a receiver (paymock --webhook-sink).  Most jobs then abandon their
session; SOAK_DELETE_PCT (15) of them DELETE it.  A session idle for
SOAK_TTL (1s: about a day, the month taking half a minute to a minute)
expires; the server's memory is capped with SOAK_MAX_MEMORY (16M: below
what the ~1,000 sessions the TTL alone leaves alive at ~1,000 jobs a second
hold, so that least recently used idle sessions are evicted for memory too) and its
sessions with SOAK_MAX_SESSIONS (10000, the server's default).  Each of these
flags is passed only when `paymock --help` lists it.

Every second: the server's VmRSS and the metrics of /__admin/metrics (the
names in METRICS; a column stays empty when the server has no such metric),
and the session count of /__admin/health, into OUT/soak.csv (the last metrics
under load whole in OUT/soak-metrics.txt); at the end a plot (OUT/soak.png,
gnuplot), a summary (also OUT/soak-summary.txt) and a verdict.  PASS needs: the
peak of malloc's heap in use under the budget, the peak RSS under the budget
plus SOAK_OVERHEAD_MB (16: binary, libraries, fixtures, allocator slack), the
last third of the load flat (its fitted growth at most
SOAK_FLAT_PCT (10) % of its median, or 2 MiB), no connection error and no
unexpected answer (an injected fault's answer and a 503 past the budget are
counted apart), /__admin/health still answering and exit 0 on SIGTERM.

The load stops after SOAK_SESSIONS jobs or SOAK_SECONDS (420) s, whichever is
first; sampling goes on for SOAK_TAIL (2 * TTL + 3) s so expiry shows.
"""
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

# The server's metrics sampled, one CSV column each: (column, Prometheus name).
# Samples of one name with different labels are summed.
METRICS = [
    ("sessions_alive", "paymock_sessions"),
    ("sessions_created", "paymock_sessions_created_total"),
    ("sessions_expired", "paymock_sessions_expired_total"),
    ("sessions_evicted", "paymock_sessions_evicted_total"),
    ("tracked_bytes", "paymock_memory_tracked_bytes"),
    ("budget_bytes", "paymock_memory_budget_bytes"),
    ("process_rss_bytes", "process_resident_memory_bytes"),
    ("heap_in_use_bytes", "paymock_heap_in_use_bytes"),
    ("server_requests", "paymock_requests_total"),
]

# soak.csv's columns: seconds, the server's VmRSS, sessions per /__admin/health, jobs done,
# then METRICS.
COLUMNS = ["t_s", "rss_kb", "sessions", "jobs_done"] + [c for c, _ in METRICS]

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENV = os.environ.get


def env_int(name, default):
    return int(ENV(name, str(default)))


SESSIONS = env_int("SOAK_SESSIONS", 20000)
WORKERS = env_int("SOAK_WORKERS", 3)
SECONDS = env_int("SOAK_SECONDS", 420)
TTL = ENV("SOAK_TTL", "1s")
MAX_MEMORY = ENV("SOAK_MAX_MEMORY", "16M")
MAX_SESSIONS = ENV("SOAK_MAX_SESSIONS", "10000")
OVERHEAD_MB = env_int("SOAK_OVERHEAD_MB", 16)
FLAT_PCT = env_int("SOAK_FLAT_PCT", 10)
DELETE_PCT = env_int("SOAK_DELETE_PCT", 15)
OUT = ENV("OUT", os.path.join(HERE, "out"))
# The server's flags for the soak: each is passed only when --help lists it.
SERVER_FLAGS = [("--session-ttl", TTL), ("--max-sessions", MAX_SESSIONS),
                ("--max-memory", MAX_MEMORY)]


def size_bytes(text):
    """'64M' -> bytes (K, M, G are powers of 1024, as the server's flags read them)."""
    m = re.fullmatch(r"(\d+)([KMG]?)i?B?", text.strip(), re.I)
    if not m:
        sys.exit("soak: cannot read the size %r" % text)
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2).upper()]


def seconds_of(text):
    """'2s', '500ms', '1m', '2' -> seconds."""
    m = re.fullmatch(r"([\d.]+)(ms|s|m|h)?", text.strip())
    if not m:
        sys.exit("soak: cannot read the duration %r" % text)
    return float(m.group(1)) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600}[m.group(2)]


TAIL = env_int("SOAK_TAIL", int(2 * seconds_of(TTL) + 3))


class ConnLost(Exception):
    """The connection failed or closed before a whole reply came."""


class Conn:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port: just what the soak sends."""

    def __init__(self, port):
        self.port = port
        self.sock = None
        self.buf = b""
        self.used = False

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock, self.buf, self.used = None, b"", False

    def _read_reply(self):
        while b"\r\n\r\n" not in self.buf:
            self._recv()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            hdrs[k.strip().lower()] = v.strip()
        n = int(hdrs.get(b"content-length", b"0"))
        while len(self.buf) < n:
            self._recv()
        body, self.buf = self.buf[:n], self.buf[n:]
        if hdrs.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, hdrs, body

    def _recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnLost("closed")
        self.buf += chunk

    def request(self, method, path, headers=b"", body=None):
        """(status, headers with lower-case byte names, body); a connection the server
        closed while idle is opened anew once, as HTTP clients do."""
        data = body.encode() if isinstance(body, str) else body
        req = b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: %d\r\n\r\n%s" % (
            method.encode(), path.encode(), headers, len(data or b""), data or b"")
        for attempt in (0, 1):
            reused = self.used
            try:
                if self.sock is None:
                    self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sock.sendall(req)
                self.used = True
                return self._read_reply()
            except (OSError, ConnLost, ValueError, IndexError) as e:
                fresh_start = reused and self.buf == b""
                self.close()
                if attempt == 1 or not fresh_start:
                    raise ConnLost(str(e))
        raise ConnLost("unreachable")


def sh(name):
    return b"X-Paymock-Session: %s\r\n" % name.encode()


JSON = b"Content-Type: application/json\r\n"
SR_KEY = b"x-api-key: YOUR_API_KEY\r\n"
AB_KEY = b"X-API-Key: smtgw_sk_test_your_secret_key\r\n"
SP_BASIC = b"Authorization: Basic MzE5MjhkZTktMTM0NC00NjlmLWIwZWItOGU1ZDBmZWYzZDIxOng=\r\n"
UT_BASIC = b"Authorization: Basic cGFydG5lcjpzZWNyZXQ=\r\n"
PE_KEY = b"Authorization: Basic sk_test_secret\r\n"


def refund_call(provider, sess, n):
    """(headers, path, body, idempotent) of refund n (1.00 of the default transaction)."""
    key = "%s-%d" % (sess, n)
    if provider == "smartretry":
        return (SR_KEY + b"Idempotency-Key: " + key.encode() + b"\r\n",
                "/smartretry/v1/payments/refund/ABC123",
                '{"transaction_reference_id":"TX8A3F2C","order_reference_id":"OR7B9E1D",'
                '"merchant_transaction_id":"%s","amount":1.00}' % key, True)
    if provider == "smartpay":
        return (b"", "/smartpay/payment/refund",
                '{"merchantKey":"31928de9-1344-469f-b0eb-8e5d0fef3d21",'
                '"transactionId":"933a0fab-80a0-42c5-b010-c71174f4ab32","modificationId":"%s",'
                '"modifiedAmount":{"amount":1.00,"currencyCode":"EUR"}}' % key, True)
    if provider == "utgl":
        return (UT_BASIC, "/utgl/v1/partner-connect/transactions/refund",
                '{"transactionId":"3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93","amount":1.00,'
                '"currency":"USD","reason":"soak","description":"%s"}' % key, False)
    if provider == "accelebit":
        return (AB_KEY + b"Idempotency-Key: " + key.encode() + b"\r\n", "/accelebit/v1/refunds",
                '{"transactionId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","amount":"1.00",'
                '"currency":"EUR","reason":"soak %s"}' % key, True)
    return (PE_KEY, "/payengine/api/payment/refund",
            '{"id":"9a0df7ef-b77f-4525-97e1-f41a98ad7f75","amount":1,"reason":"soak",'
            '"internalTransactionID":"%s"}' % key, False)


def status_path(provider, reply):
    """(headers, path) of the status poll for the refund in a create's reply."""
    try:
        o = json.loads(reply)
    except ValueError:
        return None
    if provider == "smartretry":
        return SR_KEY, "/smartretry/v1/payments/status/ABC123/%s" % o.get("transaction_id")
    if provider == "smartpay":
        return SP_BASIC, "/smartpay/payment/status/933a0fab-80a0-42c5-b010-c71174f4ab32"
    if provider == "utgl":
        return UT_BASIC, "/utgl/v1/partner-connect/transactions/%s" % o.get("transactionId")
    if provider == "accelebit":
        return AB_KEY, "/accelebit/v1/refunds/%s" % o.get("data", {}).get("id")
    return PE_KEY, "/payengine/api/payment/refund/%s" % o.get("data", {}).get("ID")


PROVIDERS = ["smartretry", "smartpay", "utgl", "accelebit", "payengine"]
# Faults a job may arm: shipped scenarios (loaded by name) and single rules.
# None holds a connection or malforms a reply, so a lost connection is always a fault of the server.
SCENARIOS = ["provider-503-burst", "flaky-20-percent", "rate-limited", "declines",
             "refund-stuck-pending", "pending-then-failed"]
FAULTS = [
    '{"match":{"operation":"refund.create","nth":1},"action":{"type":"respond","error":"internal_error"}}',
    '{"match":{"operation":"refund.create","times":2},"action":{"type":"respond","error":"bad_gateway"}}',
    '{"match":{"operation":"refund.status","nth":1},"action":{"type":"respond","error":"gateway_timeout"}}',
]
RETRIED = {429, 500, 502, 503, 504}


class Job:
    """One CI job's requests and what it counted."""

    def __init__(self, conn, stats, sink_port, i):
        self.c, self.st, self.sink_port, self.i = conn, stats, sink_port, i
        self.name = "soak-%d" % i
        self.h = sh(self.name)
        self.armed = False

    def call(self, method, path, headers=b"", body=None, ok=(200, 201, 202, 204)):
        """One request; counts its status; returns (status, body) or None when the
        connection failed or the answer was not one the job can expect."""
        st = self.st
        st["requests"] += 1
        try:
            status, hdrs, reply = self.c.request(method, path, self.h + headers, body)
        except ConnLost:
            st["conn_errors"] += 1
            return None
        st["status"][status] = st["status"].get(status, 0) + 1
        if status in ok:
            return status, reply
        if status == 503 and b"retry-after" in hdrs:
            st["budget_503"] += 1
        elif self.armed and (status in RETRIED or status == 402):
            st["injected"] += 1
        else:
            st["unexpected"] += 1
            if len(st["samples"]) < 5:
                st["samples"].append("%s %s -> %d %s" % (method, path, status, reply[:160]))
        return status, reply

    def admin(self, method, path, body=None, ok=(200, 201, 202, 204)):
        return self.call(method, "/__admin/" + path, JSON if body else b"", body, ok)

    def refund(self, provider, n, creates):
        """Refund n of the job on provider, retried on injected failures; its reply or None."""
        hdrs, path, body, idempotent = refund_call(provider, self.name, n)
        for _ in range(5):
            creates[0] += 1
            r = self.call("POST", path, JSON + hdrs, body)
            if r is None:
                return None
            if r[0] in (200, 201):
                if idempotent and n % 4 == 0:  # a retry after a lost reply: a replay
                    creates[0] += 1
                    self.call("POST", path, JSON + hdrs, body)
                return r[1]
            if r[0] not in RETRIED or not self.armed:
                return None
        return None

    def run(self, rnd):
        i = self.i
        if rnd % 4 == 0:
            self.armed = True
            if rnd % 8 == 0:
                self.admin("POST", "scenarios/" + SCENARIOS[(i // 8) % len(SCENARIOS)])
            else:
                self.admin("POST", "faults", FAULTS[(i // 4) % len(FAULTS)])
        if rnd % 10 < 3:
            for p in ("accelebit", "smartretry"):
                self.admin("POST", "webhooks", '{"provider":"%s","url":"http://127.0.0.1:%d/%s",'
                           '"secret":"whsec_soak"}' % (p, self.sink_port, self.name))
        creates = [0]
        if rnd % 33 == 0:  # a big job: 40 refunds of one provider
            polls = [("accelebit", self.refund("accelebit", n, creates)) for n in range(1, 41)]
        else:
            picked = [PROVIDERS[(i + k) % 5] for k in range(3)]
            polls = [(p, self.refund(p, n, creates)) for n, p in enumerate(picked, 1)]
        polls = [status_path(p, r) for p, r in polls if r is not None]
        polls = [p for p in polls if p is not None][:5]
        for hdrs, path in polls:
            self.call("GET", path, hdrs, ok=(200,))
        self.admin("POST", "clock/advance", '{"seconds":%d}' % (30 + rnd % 600))
        for hdrs, path in polls:
            self.call("GET", path, hdrs, ok=(200,))
        r = self.admin("POST", "journal/count", '{"match":{"operation":"refund.create"}}')
        if r and r[0] == 200 and json.loads(r[1]).get("count") != creates[0]:
            self.st["journal_mismatch"] += 1
        if rnd % 100 < DELETE_PCT:
            self.admin("DELETE", "sessions/" + self.name)
            self.st["deleted"] += 1


def worker(w, port, sink_port, deadline, done, results):
    """Jobs w, w + WORKERS, ... until SESSIONS or the deadline; its counts go to results."""
    st = {"requests": 0, "conn_errors": 0, "budget_503": 0, "injected": 0, "unexpected": 0,
          "journal_mismatch": 0, "deleted": 0, "jobs": 0, "status": {}, "samples": []}
    conn = Conn(port)
    for i in range(w, SESSIONS, WORKERS):
        if time.monotonic() > deadline:
            break
        Job(conn, st, sink_port, i).run((i * 2654435761 >> 7) % 1000)
        st["jobs"] += 1
        with done.get_lock():
            done.value += 1
    results.put(st)


def start(argv, log):
    """Starts argv, its stdout to the file log; returns (process, port) once it prints
    its 'listening on http://ADDR:PORT' line."""
    with open(log, "w") as out:
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and p.poll() is None:
        with open(log) as f:
            m = re.search(r"listening on http://[^ ]*:(\d+)\n", f.readline())
        if m:
            return p, int(m.group(1))
        time.sleep(0.02)
    p.kill()
    sys.exit("soak: %s did not start (see %s)" % (argv[0], log))


def rss_kb(pid):
    """VmRSS of pid, or None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def metrics(conn):
    """{name: summed value} of /__admin/metrics, and its text; ({}, "") when the server
    has none."""
    try:
        status, _, body = conn.request("GET", "/__admin/metrics")
    except ConnLost:
        return {}, ""
    if status != 200:
        return {}, ""
    out, text = {}, body.decode(errors="replace")
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        name = re.split(r"[{\s]", line, 1)[0]
        try:
            out[name] = out.get(name, 0) + float(line.rsplit(None, 1)[1])
        except (IndexError, ValueError):
            continue
    return out, text


def health_sessions(conn):
    try:
        status, _, body = conn.request("GET", "/__admin/health")
        return json.loads(body).get("sessions") if status == 200 else None
    except (ConnLost, ValueError):
        return None


def fit_growth(ts, ys):
    """Least-squares slope of ys over ts, times the span: the growth the fit says."""
    n = len(ts)
    if n < 3:
        return 0.0
    mt, my = sum(ts) / n, sum(ys) / n
    var = sum((t - mt) ** 2 for t in ts)
    slope = sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / var if var else 0.0
    return slope * (ts[-1] - ts[0])


def plot(csv, png, rows, budget_mib):
    """The curves of csv that have data: RSS and tracked bytes in MiB, the budget,
    sessions alive on the second axis.  None, or why there is no plot."""
    curves = []
    for col, scale, style, title in (
            ("rss_kb", 1024, "lw 2", "RSS"), ("tracked_bytes", 1048576, "", "tracked bytes"),
            ("heap_in_use_bytes", 1048576, "dt 3", "heap in use (malloc)"),
            ("sessions", 0, "axes x1y2 lc rgb 'gray'", "sessions alive (right axis)")):
        k = COLUMNS.index(col)
        if any(r[k] is not None for r in rows):
            y = "($%d/%d)" % (k + 1, scale) if scale else "%d" % (k + 1)
            curves.append("'%s' using 1:%s with lines %s title '%s'" % (csv, y, style, title))
    curves.append("%f with lines dt 2 lc rgb 'red' title 'budget (--max-memory)'" % budget_mib)
    # Headroom above the highest curve, so that a capped one is not drawn on the frame.
    top = max([budget_mib] + [(r[1] or 0) / 1024 for r in rows])
    alive = max([1] + [r[2] or 0 for r in rows])
    gp = "\n".join([
        "set datafile separator ','", "set datafile missing ''",
        "set terminal pngcairo size 960,540 noenhanced", "set output '%s'" % png,
        "set title 'paymock soak: memory and live sessions'", "set xlabel 'seconds'",
        "set ylabel 'MiB'", "set y2label 'sessions alive'", "set ytics nomirror", "set y2tics",
        "set key outside bottom center horizontal", "set yrange [0:%f]" % (top * 1.15),
        "set y2range [0:%d]" % (alive * 1.15 + 1),
        "set key autotitle columnhead",
        "plot " + ", ".join(curves), ""])
    try:
        r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
    except FileNotFoundError:
        return "gnuplot not installed"
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["failed"])[-1]


def run_load(server, port, sink_port):
    """The workers' load, sampled every second into OUT/soak.csv until SOAK_TAIL s after
    it ends (or the server is gone).  Returns (rows, seconds of load, the last metrics,
    the workers' counts)."""
    done = multiprocessing.Value("i", 0)
    results = multiprocessing.Queue()
    probe = Conn(port)
    rows, load_end = [], None
    csv = open(os.path.join(OUT, "soak.csv"), "w")
    csv.write(",".join(COLUMNS) + "\n")

    def sample(t):
        m, text = metrics(probe)
        if load_end is None and text:
            # The last sample under load: OUT/soak-metrics.txt shows the server at work.
            with open(os.path.join(OUT, "soak-metrics.txt"), "w") as f:
                f.write(text)
        row = [round(t, 1), rss_kb(server.pid), health_sessions(probe), done.value] + [
            m.get(name) for _, name in METRICS]
        rows.append(row)
        csv.write(",".join("" if v is None else str(int(v) if isinstance(v, float)
                                                      and v.is_integer() else v)
                           for v in row) + "\n")
        csv.flush()
        return m

    sample(0)
    t0 = time.monotonic()
    procs = [multiprocessing.Process(target=worker, args=(w, port, sink_port, t0 + SECONDS,
                                                           done, results))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    tick = t0
    while True:
        tick += 1
        time.sleep(max(0.0, tick - time.monotonic()))
        t = time.monotonic() - t0
        m = sample(t)
        if load_end is None and not any(p.is_alive() for p in procs):
            load_end = t
        if server.poll() is not None or (load_end is not None and t - load_end >= TAIL):
            break
        if int(t) % 30 == 0:
            print("  %4d s: %6d jobs, RSS %6.1f MiB, %s sessions" % (
                t, done.value, (rows[-1][1] or 0) / 1024, rows[-1][2]))
            sys.stdout.flush()
    csv.close()
    probe.close()
    stats = [results.get() for _ in procs]
    for p in procs:
        p.join()
    return rows, load_end or t, m, stats


def stop(server, sink, hooks):
    """SIGTERM to both; (the server's exit status or why none, webhooks the sink printed)."""
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        code = "none in 10 s (killed)"
    sink.send_signal(signal.SIGTERM)
    sink.wait()
    with open(hooks) as f:
        return code, sum(1 for line in f if " event=" in line)


def report(binary, flags, missing, rows, load_end, last, stats, healthy, code, webhooks):
    """The summary's lines, the checks' last; and the verdict."""
    budget = size_bytes(MAX_MEMORY)
    total = {k: sum(s[k] for s in stats) for k in stats[0] if k not in ("status", "samples")}
    by_status = {}
    for s in stats:
        for k, v in s["status"].items():
            by_status[k] = by_status.get(k, 0) + v
    load_rows = [r for r in rows if r[0] <= load_end and r[1] is not None]
    third = load_rows[len(load_rows) * 2 // 3:]
    rss = [r[1] for r in rows if r[1] is not None]
    plateau = statistics.median(r[1] for r in third) / 1024
    growth = fit_growth([r[0] for r in third], [r[1] / 1024 for r in third])
    peak = max(rss) / 1024
    flat_limit = max(plateau * FLAT_PCT / 100, 2.0)
    err = plot(os.path.join(OUT, "soak.csv"), os.path.join(OUT, "soak.png"), rows,
               budget / 1048576)
    k = COLUMNS.index("tracked_bytes")
    tracked = [r[k] / 1048576 for r in third if r[k] is not None]

    def metric(name):
        v = last.get(name)
        return "-" if v is None else "%d" % v

    heap = [r[COLUMNS.index("heap_in_use_bytes")] for r in rows]
    heap_peak = max([h for h in heap if h is not None] or [0]) / 1048576
    checks = [
        ("peak RSS %.1f MiB < budget %.0f MiB + %d MiB" % (peak, budget / 1048576, OVERHEAD_MB),
         peak < budget / 1048576 + OVERHEAD_MB),
        ("peak heap in use %.1f MiB < budget %.0f MiB" % (
            heap_peak, budget / 1048576), heap_peak < budget / 1048576),
        ("last third flat: grew %.1f MiB (at most %.1f)" % (round(growth, 1) + 0.0, flat_limit),
         growth <= flat_limit),
        ("no connection error (%d)" % total["conn_errors"], total["conn_errors"] == 0),
        ("no unexpected answer (%d) or lost journal (%d)" % (
            total["unexpected"], total["journal_mismatch"]),
         total["unexpected"] == 0 and total["journal_mismatch"] == 0),
        ("/__admin/health answers after the load", healthy),
        ("exit 0 on SIGTERM (%s)" % code, code == 0),
    ]
    lines = [
        "soak summary (%s, %d s of load, %d s sampled)" % (binary, load_end, rows[-1][0]),
        "  RSS: start %.1f MiB, plateau (median of the last third of the load) %.1f MiB, "
        "peak %.1f MiB, end %.1f MiB; budget %s" % (
            rss[0] / 1024, plateau, peak, rss[-1] / 1024, MAX_MEMORY),
        "  tracked bytes (MiB): %s; heap in use peak %.1f MiB; budget reported: %s" % (
            "plateau %.1f, peak %.1f, end %.1f" % (
                statistics.median(tracked), max(r[k] or 0 for r in rows) / 1048576,
                (rows[-1][k] or 0) / 1048576) if tracked else "-",
            heap_peak,
            metric("paymock_memory_budget_bytes")),
        "  sessions: %d jobs run, %d deleted, alive at most %d, alive at the end %s; "
        "created %s, expired %s, evicted %s (server metrics)" % (
            total["jobs"], total["deleted"], max((r[2] or 0) for r in rows), rows[-1][2],
            metric("paymock_sessions_created_total"), metric("paymock_sessions_expired_total"),
            metric("paymock_sessions_evicted_total")),
        "  requests: %d (%.0f/s); by status: %s" % (
            total["requests"], total["requests"] / max(load_end, 1),
            ", ".join("%d: %d" % kv for kv in sorted(by_status.items()))),
        "  expected failures (injected faults' 4xx/5xx): %d; 503 past the budget: %d; "
        "connection errors: %d; unexpected answers: %d; journal counts off: %d" % (
            total["injected"], total["budget_503"], total["conn_errors"], total["unexpected"],
            total["journal_mismatch"]),
        "  webhooks received by the sink: %d" % webhooks,
        "  flags: %s%s" % (" ".join(a for f in flags for a in f) or "none",
                           "; skipped (not in --help): " + " ".join(missing) if missing else ""),
        "  output: %s, %s" % (os.path.join(OUT, "soak.csv"),
                              os.path.join(OUT, "soak.png") if err is None
                              else "no plot (%s)" % err),
    ]
    lines += ["  unexpected: " + x for x in sorted({x for s in stats for x in s["samples"]})[:5]]
    lines += ["  %s %s" % ("ok  " if ok else "FAIL", what) for what, ok in checks]
    return lines, all(ok for _, ok in checks)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-bench", "paymock")
    os.makedirs(OUT, exist_ok=True)
    helptext = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    flags = [[f, v] for f, v in SERVER_FLAGS if re.search(r"\s%s\b" % re.escape(f), helptext)]
    missing = [f for f, _ in SERVER_FLAGS if f not in {g for g, _ in flags}]
    argv = [binary, "--port", "0", "--quiet", "--fixtures", os.path.join(ROOT, "fixtures"),
            "--scenario-dir", os.path.join(ROOT, "scenarios")] + [a for f in flags for a in f]
    hooks = os.path.join(OUT, "soak-webhooks.txt")
    sink, sink_port = start([binary, "--webhook-sink", "0", "--webhook-secret", "whsec_soak"],
                            hooks)
    server = None
    try:
        server, port = start(argv, os.path.join(OUT, "soak-server.out"))
        print("soak: %s, %d sessions by %d workers (at most %d s), flags: %s%s" % (
            binary, SESSIONS, WORKERS, SECONDS, " ".join(a for f in flags for a in f) or "none",
            "; not supported, skipped: " + " ".join(missing) if missing else ""))
        sys.stdout.flush()
        rows, load_end, last, stats = run_load(server, port, sink_port)
        probe = Conn(port)
        healthy = health_sessions(probe) is not None
        probe.close()
        code, webhooks = stop(server, sink, hooks)
    finally:
        for p in (server, sink):
            if p is not None and p.poll() is None:
                p.kill()
    lines, verdict = report(binary, flags, missing, rows, load_end, last, stats, healthy, code,
                            webhooks)
    lines.append("soak: %s" % ("PASS" if verdict else "FAIL"))
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(OUT, "soak-summary.txt"), "w") as f:
        f.write(text + "\n")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
