#!/usr/bin/python3
"""make check-openapi: the worked examples of the docs, through Prism's validating proxy.

usage: check-openapi.py --paymock BIN --bin NODE_BIN_DIR [--root DIR]

Starts paymock (port 0, frozen clock), and for each provider with both
docs/openapi/<p>.yaml and docs/providers/<p>.md a `prism proxy --errors` in front
of it, then runs the doc's examples in file order in one fresh session
(X-Paymock-Session: check-openapi-<p>, reset first).  docs/interface.md runs the
same way through a proxy for docs/openapi/admin.yaml when that file exists.

An example is a fenced block with the info string `sh` holding one curl command
against http://127.0.0.1:8080/...  The line before the fence may say
  <!-- check: skip -->             not run (counted)
  <!-- check: request-invalid -->  sent through a proxy without --errors; passes
                                   when Prism reports request violations only.
  <!-- check: keep TOKEN=a.b -->    run; later blocks get the reply's a.b (a string,
                                   an id of this run) wherever the doc wrote TOKEN
An `http` block right after an example shows its reply: its status line must be
the status paymock gives (through Prism for a request-invalid one: Prism's).
Calls outside the file's spec (/__admin from a provider's doc) go to paymock
directly.  The curl command runs as written but for its URL, the session header
and the options that capture the reply; it is never given to a shell.

Exits 1 on any violation, unreadable example or connection error.
"""
import argparse
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

DOC_ORIGIN = "http://127.0.0.1:8080"
CLOCK = "frozen:2026-04-09T14:00:00.000Z"
PORT_DEADLINE_S = 60        # Prism takes seconds to start on a loaded machine
CURL_TIMEOUT_S = "30"
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([^`\s]*)")
STATUS_LINE = re.compile(r"^HTTP/\d(?:\.\d)? (\d{3})\b")
MARK = re.compile(r"^\s*<!--\s*check:\s*([a-z-]+)(?:\s+(\S+))?\s*-->\s*$")
PRISM_ERRORS = "stoplight.io/prism/errors"


class Failure(Exception):
    """An example that could not be run as the doc says."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what):
    """Polls until 'port' accepts, the process dies or the deadline passes."""
    deadline = time.monotonic() + PORT_DEADLINE_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failure("%s exited (%d) before listening" % (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            # The only wait: a port that is not open yet, polled against the deadline.
            time.sleep(0.05)
    raise Failure("%s did not listen on port %d within %d s" % (what, port, PORT_DEADLINE_S))


class Processes:
    """What this run started; each is stopped (its process group) at the end."""

    def __init__(self):
        self.procs = []

    def start(self, argv, log):
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self, proc):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.remove(proc)

    def stop_all(self):
        for proc in list(self.procs):
            self.stop(proc)


def examples(path):
    """[[line, mark, arg, text, status]] of the file's `sh` blocks; mark is None,
    'skip', ...; arg is what follows the mark (keep's TOKEN=path); status is the one
    the doc shows in an `http` block right after, or None."""
    out, lines = [], open(path, encoding="utf-8").read().split("\n")
    i, prev, last = 0, "", None
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                prev = lines[i]
            i += 1
            continue
        fence, info, start = m.group(2), m.group(3), i + 1
        i += 1
        body = []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1
        mark = MARK.match(prev)
        shown = STATUS_LINE.match(body[0]) if info == "http" and body else None
        if last is not None and shown:
            last[4] = int(shown.group(1))
        last = None
        if info == "sh":
            last = [start, mark.group(1) if mark else None,
                    mark.group(2) if mark else None, "\n".join(body), None]
            out.append(last)
        prev = ""
    return out


def unquoted_lines(text):
    """The text cut at its newlines outside quotes: a quoted body may span lines."""
    lines, cur, quote, i = [], [], None, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and quote != "'" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if quote is None and c in "'\"":
            quote = c
        elif c == quote:
            quote = None
        if c == "\n" and quote is None:
            lines.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    return lines + ["".join(cur)]


def json_field(body, path):
    """The string at 'path' (dotted keys) of the reply's JSON: `keep`'s value."""
    try:
        v = json.loads(body)
        for key in path.split("."):
            v = v[key]
    except (ValueError, KeyError, TypeError) as e:
        raise Failure("keep: the reply has no %s (%s)" % (path, e))
    if not isinstance(v, str):
        raise Failure("keep: %s is not a string" % path)
    return v


def curl_argv(text):
    """The example's curl words: one command, continuations joined, no shell."""
    joined = re.sub(r"\\\n", " ", text).strip()
    lines = [l for l in unquoted_lines(joined) if l.strip() and not l.strip().startswith("#")]
    if len(lines) != 1:
        raise Failure("the block must hold exactly one command (%d found)" % len(lines))
    try:
        words = shlex.split(lines[0])
    except ValueError as e:
        raise Failure("cannot split the command: %s" % e)
    if not words or words[0] != "curl":
        raise Failure("the command does not start with curl")
    for w in words:
        if w in ("|", "||", "&&", ";", ">", "<") or "$(" in w or "`" in w:
            raise Failure("shell syntax (%s) in the command: one plain curl only" % w)
        if re.match(r"^\$\{?[A-Za-z_]", w):
            raise Failure("a shell variable (%s) in the command: write the value" % w)
    urls = [(n, w) for n, w in enumerate(words) if w.startswith(DOC_ORIGIN + "/")]
    if len(urls) != 1:
        raise Failure("the command needs exactly one URL under %s/" % DOC_ORIGIN)
    return words, urls[0]


def sets_session(words):
    return any(w.lower().replace(" ", "").startswith("x-paymock-session:") for w in words)


def run_curl(words, url_at, url, session, out_dir):
    """Runs the curl; (status, headers {lower: value}, body text)."""
    argv = list(words)
    argv[url_at] = url
    head, body = os.path.join(out_dir, "head"), os.path.join(out_dir, "body")
    extra = ["-sS", "--max-time", CURL_TIMEOUT_S, "-D", head, "-o", body,
             "-w", "%{http_code}"]
    if not sets_session(words):
        extra += ["-H", "X-Paymock-Session: " + session]
    r = subprocess.run(argv[:1] + extra + argv[1:], capture_output=True, text=True)
    if r.returncode != 0:
        raise Failure("curl exited %d: %s" % (r.returncode, r.stderr.strip()))
    headers = {}
    with open(head, encoding="latin-1", newline="") as f:
        block = f.read().strip().split("\r\n\r\n")[-1]     # the last of 100-continue
    for line in block.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    with open(body, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return int(r.stdout.strip() or 0), headers, text


def violations(headers):
    raw = headers.get("sl-violations")
    if raw is None:
        return []
    try:
        return json.loads(raw)
    except ValueError:
        return [{"location": ["?"], "message": raw}]


def describe(vs):
    return "; ".join("%s: %s" % (".".join(str(x) for x in v.get("location", [])),
                                 v.get("message", v)) for v in vs)


class Spec:
    """One spec's proxies: with --errors, and without (started when needed)."""

    def __init__(self, name, yaml, upstream, prism, procs, logs):
        self.name, self.yaml, self.upstream = name, yaml, upstream
        self.prism, self.procs, self.logs = prism, procs, logs
        self.ports, self.started = {}, []

    def port(self, errors):
        if errors not in self.ports:
            port = free_port()
            argv = [self.prism, "proxy", self.yaml, self.upstream, "--port", str(port),
                    "--host", "127.0.0.1"] + (["--errors"] if errors else [])
            log = open(os.path.join(self.logs, "prism-%s%s.log" %
                                    (self.name, "" if errors else "-lenient")), "w")
            proc = self.procs.start(argv, log)
            self.started.append(proc)
            wait_port(port, proc, "prism proxy for %s" % self.yaml)
            self.ports[errors] = port
        return self.ports[errors]

    def stop(self):
        for proc in self.started:
            self.procs.stop(proc)


def check_file(doc, spec, scope, prefix, paymock, session, out_dir):
    """Runs one doc's examples; (counts, failures)."""
    counts = {"requests": 0, "responses": 0, "skipped": 0, "direct": 0, "invalid": 0}
    failures = []
    try:
        admin(paymock, "/reset", session)
    except OSError as e:
        return counts, ["%s: reset of session %s: %s" % (doc, session, e)]
    kept = {}  # a token of the doc (an id from its own run) -> the same id in this run
    for line, mark, arg, text, shown in examples(doc):
        where = "%s:%d" % (doc, line)
        if mark == "skip":
            counts["skipped"] += 1
            continue
        if mark not in (None, "request-invalid", "keep") or (mark == "keep") != (arg is not None):
            failures.append("%s: unknown mark `check: %s`" % (where, mark))
            continue
        for token, value in kept.items():
            text = text.replace(token, value)
        try:
            words, (at, url) = curl_argv(text)
            path = url[len(DOC_ORIGIN):]
            # The spec's own calls go through Prism; the rest (admin moves) straight on.
            if spec is not None and path.startswith(scope + "/") and path.startswith(prefix):
                via = spec.port(mark != "request-invalid")
                target = "http://127.0.0.1:%d%s" % (via, path[len(prefix):])
            else:
                if mark == "request-invalid":
                    raise Failure("request-invalid, but %s is outside the spec" % path)
                via, target = None, "http://127.0.0.1:%d%s" % (paymock, path)
            status, headers, body = run_curl(words, at, target, session, out_dir)
            if mark == "keep":
                token, _, field = arg.partition("=")
                kept[token] = json_field(body, field)
        except Failure as e:
            failures.append("%s: %s" % (where, e))
            continue
        if shown is not None and status != shown:
            failures.append("%s: the doc shows %d, paymock answered %d" % (where, shown, status))
            continue
        if via is None:
            counts["direct"] += 1
            if status >= 500 or status == 0:
                failures.append("%s: paymock answered %d" % (where, status))
            continue
        counts["requests"] += 1
        vs = violations(headers)
        if PRISM_ERRORS in body and not vs:
            failures.append("%s: Prism refused the exchange (%d): %s" %
                            (where, status, body.strip()[:400]))
            continue
        if mark == "request-invalid":
            counts["invalid"] += 1
            outside = [v for v in vs if (v.get("location") or [""])[0] != "request"]
            if not vs:
                failures.append("%s: marked request-invalid, but Prism found the "
                                "request valid" % where)
            elif outside:
                failures.append("%s: %s" % (where, describe(outside)))
            counts["responses"] += 1
            continue
        if vs or PRISM_ERRORS in body:
            failures.append("%s: %d %s" % (where, status, describe(vs) or body.strip()[:400]))
            continue
        counts["responses"] += 1
    return counts, failures


def admin(port, path, session):
    req = urllib.request.Request("http://127.0.0.1:%d/__admin%s" % (port, path),
                                 data=b"" if path == "/reset" else None,
                                 headers={"X-Paymock-Session": session})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def server_prefix(yaml_path):
    """The path of the spec's first servers url ("/payengine"), read from the YAML text."""
    text = open(yaml_path, encoding="utf-8").read()
    m = re.search(r"^servers:\s*\n(?:.*\n)*?\s*-?\s*url:\s*['\"]?([^'\"\s]+)", text, re.M)
    return urllib.parse.urlparse(m.group(1) if m else DOC_ORIGIN).path.rstrip("/")


def start_paymock(argv, procs, logs):
    log = open(os.path.join(logs, "paymock.log"), "w")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    procs.procs.append(proc)
    line = proc.stdout.readline()
    m = re.search(r"listening on http://[^:]+:(\d+)", line)
    if not m:
        raise Failure("paymock did not start: %r (log: %s)" % (line, log.name))
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paymock", required=True)
    ap.add_argument("--bin", required=True, help="node_modules/.bin with prism")
    ap.add_argument("--root", default=".", help="the tree with fixtures/ and scenarios/")
    ap.add_argument("--docs", default=None, help="openapi/, providers/, interface.md "
                    "(default ROOT/docs; tests/check-openapi is this script's sample)")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    docs_dir = os.path.abspath(args.docs or os.path.join(root, "docs"))
    specs = {os.path.splitext(os.path.basename(p))[0]: p
             for p in sorted(glob.glob(os.path.join(docs_dir, "openapi/*.yaml")))}
    docs = {os.path.splitext(os.path.basename(p))[0]: p
            for p in sorted(glob.glob(os.path.join(docs_dir, "providers/*.md")))}
    if os.path.exists(os.path.join(docs_dir, "interface.md")):
        docs["admin"] = os.path.join(docs_dir, "interface.md")
    procs, bad, out = Processes(), 0, tempfile.mkdtemp(prefix="check-openapi-")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        port = start_paymock([args.paymock, "--port", "0", "--quiet", "--clock", CLOCK,
                              "--fixtures", os.path.join(root, "fixtures"),
                              "--scenario-dir", os.path.join(root, "scenarios")], procs, out)
        for name in sorted(set(specs) | set(docs)):
            if name not in docs:
                print("%-11s %s has no worked examples (providers/%s.md or interface.md)"
                      % (name, os.path.relpath(specs[name], root), name))
                bad += 1
                continue
            spec = prefix = None
            scope = "/__admin" if name == "admin" else "/" + name
            if name in specs:
                prefix = server_prefix(specs[name])
                spec = Spec(name, specs[name], "http://127.0.0.1:%d%s" % (port, prefix),
                            os.path.join(args.bin, "prism"), procs, out)
            counts, failures = check_file(docs[name], spec, scope, prefix, port,
                                          "check-openapi-" + name, out)
            if spec is not None:
                spec.stop()
            print("%-11s %s: %d requests and %d responses validated by Prism "
                  "(%d deliberately invalid), %d direct to paymock, %d skipped%s"
                  % (name, os.path.relpath(docs[name], root), counts["requests"],
                     counts["responses"], counts["invalid"], counts["direct"],
                     counts["skipped"], "" if spec else "; NO SPEC: nothing validated"))
            for f in failures:
                print("  FAIL " + f.replace(root + "/", "").replace(docs_dir + "/", ""))
            if spec is None and name != "admin":
                bad += 1
            bad += len(failures)
    except Failure as e:
        print("check-openapi: %s" % e)
        bad += 1
    finally:
        procs.stop_all()
    if bad:
        print("check-openapi: %d problem(s); Prism's and paymock's logs in %s" % (bad, out))
        return 1
    shutil.rmtree(out)
    print("check-openapi: every example valid against its spec")
    return 0


if __name__ == "__main__":
    sys.exit(main())
