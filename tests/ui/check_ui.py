#!/usr/bin/python3
"""make check-ui: the QA console in headless Chromium, driven by Selenium.

usage: check_ui.py --paymock BIN [--root DIR] [--shots DIR] [--doc-images DIR]

Starts paymock (port 0, frozen clock), a webhook receiver and a page on another
origin (both tiny http.servers in this process), opens /__admin/ui?session=ui-check
in headless Chromium and checks, each printed as ok or FAIL:

  1. the console opens (and `/` with Accept: text/html redirects to it);
  2. refunds made through the provider APIs appear in #journal without a reload;
     the time from each reply to its row is printed;
  3. a fault armed through #fault-form (its JSON previewed in pre#fault-json) makes
     the next SmartPay refund fail with that rule;
  4. a shipped scenario loads from its button, shows its rules, and is removed;
  5. the clock buttons move a SmartPay refund to REFUNDED on its timeline;
  6. a webhook delivery shows in #deliveries and its replay reaches the receiver;
  7. a cross-origin POST is refused (from a page on another origin, and a direct
     request with Origin or Sec-Fetch-Site), while same-origin and curl-like
     requests pass;
  8. the keyboard: Tab reaches the nav and a journal row; Enter opens its detail;
  9. against a second paymock with an admin token, the console asks for the token
     once (#token-dialog), then streams, and a reload does not ask again.

Screenshots (1280x800 PNG) of each view go to --shots; with --doc-images the
traffic and refunds ones are copied there as console-traffic.png and
console-refunds.png (the README's).  Nothing sleeps for wall time: every wait is
a WebDriverWait or a condition with a deadline (UI_WAIT_S, default 15 s).
Exits 0 when every check passed, 1 otherwise.
"""
import argparse
import http.server
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

from selenium import webdriver
from selenium.common.exceptions import (StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

SESSION = "ui-check"
CLOCK = "frozen:2026-04-09T14:00:00.000Z"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_S = float(os.environ.get("UI_WAIT_S", "15"))
WIDTH, HEIGHT = 1280, 800
VIEWS = ("traffic", "refunds", "faults", "webhooks", "findings", "sessions")
SCENARIO = "provider-503-burst"   # shipped; its one rule is named "outage"
MAX_TABS = 80                     # Tab presses allowed to reach a journal row

SMARTPAY_MERCHANT = "31928de9-1344-469f-b0eb-8e5d0fef3d21"
SMARTPAY_TXN = "933a0fab-80a0-42c5-b010-c71174f4ab32"     # 35.99 EUR
ACCELEBIT_TXN = "f47ac10b-58cc-4372-a567-0e02b2c3d479"    # 100.00 EUR

# A refund's data-state is in its provider's words.
PENDING, REFUNDED = "REFUND_PENDING", "REFUNDED"


class Failure(Exception):
    """A check that did not hold; the message says what was seen."""


# ---------------------------------------------------------------- HTTP, no browser

class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body or b"null")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(method, url, body=None, headers=None):
    """One request; any status is a Reply (urllib's errors are not failures here)."""
    data = None if body is None else json.dumps(body).encode()
    hdrs = {"X-Paymock-Session": SESSION}
    if body is not None:
        hdrs["Content-Type"] = "application/json"
    hdrs.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with OPENER.open(req, timeout=WAIT_S) as r:
            return Reply(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.headers, e.read())


class Paymock:
    """The server under test, started on port 0; the port is read from its first line."""

    def __init__(self, binary, root, log_path, token=""):
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "--port", "0", "--clock", CLOCK,
             "--fixtures", os.path.join(root, "fixtures"),
             "--scenario-dir", os.path.join(root, "scenarios")],
            stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL, text=True,
            start_new_session=True, env=dict(os.environ, PAYMOCK_ADMIN_TOKEN=token))
        line = self.proc.stdout.readline()
        m = re.search(r"listening on http://([^ ]+):(\d+)$", line.strip())
        if not m:
            self.stop()
            raise Failure("paymock did not start: %r (log: %s)" % (line, log_path))
        self.port = int(m.group(2))
        self.base = "http://127.0.0.1:%d" % self.port

    def admin(self, method, path, body=None, headers=None):
        return call(method, self.base + "/__admin" + path, body, headers)

    def admin_ok(self, method, path, body=None):
        r = self.admin(method, path, body)
        if r.status >= 300:
            raise Failure("%s /__admin%s: %d %s" % (method, path, r.status, r.body[:200]))
        return r.json()

    def last_seq(self):
        entries = self.admin_ok("GET", "/journal?limit=1")["entries"]
        return entries[-1]["seq"] if entries else 0

    def smartpay_refund(self, amount):
        """(reply, wall time the reply was read) of a SmartPay refund of the fixture payment;
        SmartPay's amount is a JSON number, Accelebit's a string."""
        r = call("POST", self.base + "/smartpay/payment/refund", {
            "merchantKey": SMARTPAY_MERCHANT, "transactionId": SMARTPAY_TXN,
            "modificationId": str(uuid.uuid4()),
            "modifiedAmount": {"amount": amount, "currencyCode": "EUR"}},
            {"Accept-Language": "en-US", "Origin": "https://shop.example"})
        return r, time.time()

    def accelebit_refund(self, amount):
        r = call("POST", self.base + "/accelebit/v1/refunds", {
            "transactionId": ACCELEBIT_TXN, "amount": amount, "currency": "EUR",
            "reason": "check-ui"},
            {"X-API-Key": "smtgw_sk_test_check_ui", "Idempotency-Key": str(uuid.uuid4())})
        return r, time.time()

    def stop(self):
        """SIGTERM; the exit status (paymock exits 0 when it stops cleanly)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=WAIT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class Receiver(http.server.ThreadingHTTPServer):
    """A webhook endpoint: answers 200 and keeps what came, for waits on a condition."""

    daemon_threads = True

    def __init__(self):
        self.got = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.cond:
                    receiver.got.append(json.loads(body or b"null"))
                    receiver.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "17")
                self.end_headers()
                self.wfile.write(b'{"received":true}')

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hooks" % self.server_address[1]

    def wait_for(self, what, pred):
        with self.cond:
            if not self.cond.wait_for(lambda: pred(self.got), timeout=WAIT_S):
                raise Failure("receiver: no %s within %g s (got %d POSTs)"
                              % (what, WAIT_S, len(self.got)))


class Elsewhere(http.server.ThreadingHTTPServer):
    """Another origin (same host, another port): one page that POSTs to paymock's reset."""

    daemon_threads = True

    def __init__(self, target):
        page = ("<!doctype html><title>loading</title><p>another site</p><script>"
                "fetch('%s/__admin/reset',{method:'POST',mode:'no-cors'})"
                ".then(()=>{document.title='sent'},()=>{document.title='sent'});"
                "</script>" % target).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/" % self.server_address[1]


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---------------------------------------------------------------- the browser

def browser():
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--window-size=%d,%d" % (WIDTH, HEIGHT),
                "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                "--hide-scrollbars"):
        opts.add_argument(arg)
    # Chromium's sandbox will not start as root, nor in many CI containers (no user
    # namespaces); the pages it opens here are this run's own.
    opts.add_argument("--no-sandbox")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    # The window's size is not the page's: pin the viewport so every shot is 1280x800.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    return driver


class Console:
    """The console in the browser, through the DOM hooks of the brief."""

    def __init__(self, driver, pm, shots):
        self.d, self.pm, self.shots = driver, pm, shots

    def open(self, view=None):
        url = "%s/__admin/ui?session=%s" % (self.pm.base, SESSION)
        self.d.get(url + ("&view=" + view if view else ""))

    def wait(self, what, cond):
        try:
            # The console redraws rows and lists whole: an element may go stale mid-test.
            return WebDriverWait(self.d, WAIT_S, ignored_exceptions=(
                StaleElementReferenceException,)).until(lambda d: cond())
        except TimeoutException:
            raise Failure("timed out after %g s waiting for %s" % (WAIT_S, what)) from None

    def q(self, sel):
        found = self.d.find_elements(By.CSS_SELECTOR, sel)
        return found[0] if found else None

    def qa(self, sel):
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def el(self, sel):
        return self.wait(sel, lambda: self.q(sel))

    def text(self, sel_or_el):
        """textContent: Selenium's .text is empty for what is hidden (another view)."""
        e = self.q(sel_or_el) if isinstance(sel_or_el, str) else sel_or_el
        return (e.get_attribute("textContent") or "").strip() if e else ""

    def view(self, name):
        self.el('a[data-view="%s"]' % name).click()
        self.wait("section#view-%s shown" % name,
                  lambda: (self.q("section#view-" + name) or None)
                  and self.q("section#view-" + name).is_displayed())
        self.wait("the URL to keep view=" + name, lambda: "view=" + name in self.d.current_url)

    def fill(self, field, value):
        """Sets #fault-<field> whether it is a select, a checkbox or a text input."""
        e = self.el("#fault-" + field)
        if e.tag_name == "select":
            # By the option's value property: an <option> without a value attribute has its text.
            sel = Select(e)
            values = [o.get_attribute("value") for o in sel.options]
            if value not in values:
                raise Failure("#fault-%s has no option %r (%r)" % (field, value, values))
            sel.select_by_index(values.index(value))
        else:
            e.clear()
            e.send_keys(value)

    def confirm_if_asked(self):
        dialog = self.q("#confirm-dialog")
        if dialog and dialog.get_attribute("open") is not None:
            self.el("#confirm-ok").click()

    def shot(self, name):
        path = os.path.join(self.shots, name + ".png")
        self.d.save_screenshot(path)
        w, h = png_size(path)
        if (w, h) != (WIDTH, HEIGHT):
            raise Failure("%s is %dx%d, not %dx%d" % (path, w, h, WIDTH, HEIGHT))
        return path

    def errors(self):
        """The browser console's errors since the last call (a favicon 404 aside)."""
        try:
            logs = self.d.get_log("browser")
        except WebDriverException:
            return []
        return [e["message"] for e in logs
                if e.get("level") == "SEVERE" and "favicon" not in e["message"]]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise Failure("%s is not a PNG" % path)
    return struct.unpack(">II", head[16:24])


# The time each journal row first appears, by seq, in the page's own wall clock
# (ms since the epoch, like Python's time.time()), whatever the console redraws.
ROW_CLOCK = """
window.__rowSeen = window.__rowSeen || {};
const note = () => {
  for (const tr of document.querySelectorAll('#journal tr[data-seq]')) {
    if (!(tr.dataset.seq in window.__rowSeen))
      window.__rowSeen[tr.dataset.seq] = performance.timeOrigin + performance.now();
  }
};
note();
if (!window.__rowObserver) {
  window.__rowObserver = new MutationObserver(note);
  window.__rowObserver.observe(document.body, {childList: true, subtree: true});
}
"""


# ---------------------------------------------------------------- the checks

class Checks:
    def __init__(self, ui, pm, receiver, elsewhere, args):
        self.ui, self.pm, self.rx, self.elsewhere = ui, pm, receiver, elsewhere
        self.args, self.root = args, os.path.abspath(args.root)
        self.first_refund = None      # SmartPay's refund id from check 2
        self.fault_seq = self.fault_rule = None   # check 3's fault and the entry it answered

    def cell(self, seq, name):
        """td.NAME of journal row SEQ, read afresh (a row is replaced when it changes)."""
        return self.ui.text('#journal tr[data-seq="%d"] td.%s' % (seq, name))

    def c1_opens(self):
        """opens /__admin/ui?session=ui-check and sees the console"""
        r = call("GET", self.pm.base + "/", headers={"Accept": "text/html"})
        if r.status != 302 or not (r.headers.get("Location") or "").endswith("/__admin/ui"):
            raise Failure("GET / (Accept: text/html): %d Location %r"
                          % (r.status, r.headers.get("Location")))
        page = call("GET", self.pm.base + "/__admin/ui")
        csp = page.headers.get("Content-Security-Policy") or ""
        if page.status != 200 or "default-src 'self'" not in csp:
            raise Failure("GET /__admin/ui: %d, CSP %r" % (page.status, csp))
        ui = self.ui
        ui.open()
        for v in VIEWS:
            ui.el('a[data-view="%s"]' % v)
        name = ui.el("#session-name")
        ui.wait("#session-name to say " + SESSION, lambda: SESSION in (
            ui.text(name) or name.get_attribute("value") or ""))
        ui.wait('#stream-state "live"', lambda: "live" in ui.text("#stream-state").lower())
        ui.view("traffic")
        return "%d bytes of HTML, live stream" % len(page.body)

    def c2_live(self):
        """refunds made through the provider APIs appear live in #journal"""
        ui = self.ui
        ui.d.execute_script(ROW_CLOCK)
        ui.d.execute_script("window.__noReload = 1;")
        made = [("smartpay", 1.00), ("smartpay", 2.00), ("accelebit", "5.00")]
        lat = []
        for provider, amount in made:
            if provider == "smartpay":
                r, t_reply = self.pm.smartpay_refund(amount)
            else:
                r, t_reply = self.pm.accelebit_refund(amount)
            if r.status not in (200, 201):
                raise Failure("%s refund: %d %s" % (provider, r.status, r.body[:200]))
            if provider == "smartpay" and self.first_refund is None:
                self.first_refund = r.json()["modification"]["modificationData"][
                    "reconciliationReferenceId"]
            seq = self.pm.last_seq()
            seen = ui.wait("row %d in #journal" % seq, lambda: ui.d.execute_script(
                "return window.__rowSeen && window.__rowSeen[arguments[0]];", str(seq)))
            lat.append(seen - t_reply * 1000)
            want = {"provider": provider, "operation": "refund.create", "status": str(r.status)}
            try:
                ui.wait("row %d to show %r" % (seq, want), lambda: all(
                    v in self.cell(seq, c) for c, v in want.items()))
            except Failure as e:
                raise Failure("%s; it shows %r" % (e, {c: self.cell(seq, c) for c in want}))
        if ui.d.execute_script("return window.__noReload;") != 1:
            raise Failure("the page reloaded")
        return "first entry %s after its reply (each row: %s)" % (
            ms(lat[0]), ", ".join(ms(x) for x in lat))

    def c3_fault(self):
        """a fault armed through the form makes the next refund fail with it"""
        ui = self.ui
        ui.view("faults")
        ui.fill("provider", "smartpay")
        ui.fill("operation", "refund.create")
        ui.fill("times", "1")
        ui.fill("action", "respond")
        ui.fill("error", "provider_unavailable")
        ui.fill("status", "503")

        def preview():
            """The rule pre#fault-json shows once it has the action's fields, else None."""
            try:
                rule = json.loads(ui.text("pre#fault-json"))
            except ValueError:
                return None
            action = rule.get("action", {}) if isinstance(rule, dict) else {}
            done = action.get("type") == "respond" and str(action.get("status")) == "503"
            return rule if done else None
        sent = ui.wait("pre#fault-json to show the fault", preview)
        match = sent.get("match", {})
        if match.get("provider") != "smartpay" or match.get("operation") != "refund.create":
            raise Failure("pre#fault-json has match %r" % match)
        ui.el("#fault-arm").click()
        rule = self.fault_rule = ui.el("#rules [data-rule]").get_attribute("data-rule")
        armed = [f["name"] for f in self.pm.admin_ok("GET", "/scenarios")["faults"]]
        if rule not in armed:
            raise Failure("#rules shows %r; the server has %r" % (rule, armed))
        r, _ = self.pm.smartpay_refund(1.50)
        if r.status != 503:
            raise Failure("the refund after the fault: %d, not 503" % r.status)
        seq = self.fault_seq = self.pm.last_seq()
        ui.view("traffic")
        ui.wait("row %d to show 503 and rule %s" % (seq, rule), lambda: "503" in self.cell(
            seq, "status") and rule in self.cell(seq, "rule"))
        ui.view("faults")
        fired = '#rules [data-rule="%s"] .fired' % rule
        ui.wait(fired + " to say 1", lambda: ui.text(fired) == "1")
        return "%s: %s" % (rule, json.dumps(sent, separators=(",", ":")))

    def c4_scenario(self):
        """a shipped scenario loads from its button, shows its rules, and is removed"""
        ui = self.ui
        ui.view("faults")
        with open(os.path.join(self.root, "scenarios", SCENARIO + ".json")) as f:
            description = json.load(f)["description"]
        ui.wait("the description of %s in #scenario-available" % SCENARIO,
                lambda: description[:40] in ui.text("#scenario-available"))
        ui.el('#scenario-available button[data-load-scenario="%s"]' % SCENARIO).click()
        ui.el('#rules [data-rule="outage"]')
        loaded = [s["name"] for s in self.pm.admin_ok("GET", "/scenarios")["scenarios"]]
        if SCENARIO not in loaded:
            raise Failure("the server has scenarios %r" % loaded)
        ui.shot("faults")
        ui.el('#rules [data-rule="outage"] button.remove').click()
        ui.confirm_if_asked()
        ui.wait("rule outage to leave #rules", lambda: not ui.q('#rules [data-rule="outage"]'))
        loaded = [s["name"] for s in self.pm.admin_ok("GET", "/scenarios")["scenarios"]]
        if loaded:
            raise Failure("removed, but the server still has %r" % loaded)
        return "rule outage shown, then removed"

    def c5_clock(self):
        """the clock buttons turn a SmartPay refund REFUNDED on its timeline"""
        ui = self.ui
        if not self.first_refund:
            raise Failure("no refund from check 2")
        ui.view("refunds")
        card = '#refunds [data-refund-id="%s"]' % self.first_refund
        mark = card + ' svg.timeline [data-timeline-state="%s"]'

        def state():
            found = ui.q(card)
            return found.get_attribute("data-state") if found else None
        ui.wait(card + " " + PENDING, lambda: state() == PENDING)
        ui.el(mark % PENDING)
        ui.wait("#clock-now at 14:00:00", lambda: "14:00:00" in ui.text("#clock-now"))
        ui.el('button[data-advance="1"]').click()
        ui.wait("#clock-now at 14:00:01", lambda: "14:00:01" in ui.text("#clock-now"))
        if state() != PENDING:
            raise Failure("%s 1 s in, before its 2 s" % state())
        ui.el('button[data-advance="30"]').click()
        ui.wait("#clock-now at 14:00:31", lambda: "14:00:31" in ui.text("#clock-now"))
        ui.wait(card + " " + REFUNDED, lambda: state() == REFUNDED)
        ui.el(mark % REFUNDED)
        now = self.pm.admin_ok("GET", "/clock")["now"]
        if not now.startswith("2026-04-09T14:00:31"):
            raise Failure("the server's clock is %s" % now)
        return "%s %s -> %s, both marked on its timeline" % (self.first_refund, PENDING, REFUNDED)

    def c6_webhook(self):
        """a delivery shows in #deliveries and its replay reaches the receiver"""
        ui = self.ui
        r = self.pm.admin("POST", "/webhooks", {"provider": "accelebit", "url": self.rx.url})
        if r.status != 201:
            raise Failure("POST /__admin/webhooks: %d %s" % (r.status, r.body[:200]))
        r, _ = self.pm.accelebit_refund("7.00")
        if r.status != 201:
            raise Failure("accelebit refund: %d" % r.status)
        ui.view("refunds")
        custom = ui.el("#advance-custom")
        custom.clear()
        custom.send_keys("5")
        ui.el("#advance-go").click()
        ui.wait("#clock-now at 14:00:36", lambda: "14:00:36" in ui.text("#clock-now"))
        self.rx.wait_for("three deliveries", lambda got: len(got) >= 3)
        ui.view("webhooks")
        ui.wait("the receiver in #webhook-endpoints",
                lambda: self.rx.url in ui.text("#webhook-endpoints"))
        rows = '#deliveries [data-delivery-id]'
        ui.wait("3 rows in #deliveries", lambda: len(ui.qa(rows)) >= 3)
        did = ui.qa(rows)[0].get_attribute("data-delivery-id")
        logged = {str(d["id"]): d for d in self.pm.admin_ok("GET", "/webhooks/deliveries")[
            "deliveries"]}
        if did not in logged:
            raise Failure("row %s is not among the server's deliveries %r" % (did, list(logged)))
        event_id = logged[did]["event_id"]
        before = len(self.rx.got)
        ui.el('#deliveries [data-delivery-id="%s"] button.replay' % did).click()
        self.rx.wait_for("replay of " + event_id, lambda got: len(got) > before and any(
            p and p.get("id") == event_id for p in got[before:]))
        # The replay is logged once the receiver has answered, after the console's own
        # refresh: the log shows it when the view is drawn again (the stream has no deliveries).
        ui.wait("the replay in GET /__admin/webhooks/deliveries", lambda: any(
            d["attempt"] == 0 for d in self.pm.admin_ok("GET", "/webhooks/deliveries")[
                "deliveries"]))
        ui.view("refunds")
        ui.view("webhooks")
        ui.wait("the replay (attempt 0) in #deliveries", lambda: any(
            ui.text(td) == "0" for td in ui.qa("#deliveries td.attempt")))
        return "delivery %s (%s) replayed; %d POSTs at the receiver" % (
            did, logged[did]["event"], len(self.rx.got))

    def c7_cross_origin(self):
        """a cross-origin POST is refused; same-origin and curl-like ones are not"""
        before = len(self.pm.admin_ok("GET", "/journal")["entries"])
        if not before:
            raise Failure("no journal to lose")
        ui = self.ui
        ui.d.get(self.elsewhere.url)
        ui.wait("the page on another origin to POST", lambda: ui.d.title == "sent")
        after = len(self.pm.admin_ok("GET", "/journal")["entries"])
        if after != before:
            raise Failure("the journal went from %d to %d entries" % (before, after))
        ui.errors()     # the refused POST's 403, logged by the other origin's page
        for name, hdrs in (("Origin", {"Origin": "http://evil.example"}),
                           ("Sec-Fetch-Site", {"Sec-Fetch-Site": "cross-site"})):
            r = self.pm.admin("POST", "/reset", headers=hdrs)
            code = (r.json() or {}).get("error", {}).get("code") if r.body else None
            if r.status != 403 or code != "cross_origin":
                raise Failure("POST /__admin/reset with %s: %d %s" % (name, r.status, code))
            cors = [h for h in r.headers if h.lower().startswith("access-control-")]
            if cors:
                raise Failure("the admin API sent CORS headers: %r" % cors)
        r = self.pm.admin("POST", "/clock/freeze", headers={"Origin": self.pm.base})
        if r.status != 200:
            raise Failure("same-origin POST /__admin/clock/freeze: %d" % r.status)
        r = self.pm.admin("POST", "/clock/freeze")
        if r.status != 200:
            raise Failure("POST /__admin/clock/freeze without Origin: %d" % r.status)
        after = len(self.pm.admin_ok("GET", "/journal")["entries"])
        if after != before:
            raise Failure("the journal went from %d to %d entries" % (before, after))
        return "journal kept its %d entries; 403 cross_origin for Origin and Sec-Fetch-Site" \
            % before

    def c8_keyboard(self):
        """Tab reaches the nav and a journal row; Enter opens #entry-detail"""
        ui = self.ui
        ui.open("traffic")
        ui.el("#journal tr[data-seq]")
        ui.wait('#stream-state "live"', lambda: "live" in ui.text("#stream-state").lower())
        where = ("const a = document.activeElement;"
                 "return a ? [!!a.closest('a[data-view]'), !!a.closest('#journal tr[data-seq]')]"
                 " : [false, false];")
        nav = False
        for presses in range(1, MAX_TABS + 1):
            ActionChains(ui.d).send_keys(Keys.TAB).perform()
            on_nav, on_row = ui.d.execute_script(where)
            nav = nav or on_nav
            if on_row:
                break
        else:
            raise Failure("%d Tabs did not reach a journal row (nav reached: %s)"
                          % (MAX_TABS, nav))
        if not nav:
            raise Failure("Tab reached a journal row without passing the nav")
        ActionChains(ui.d).send_keys(Keys.ENTER).perform()
        ui.wait("#entry-detail shown", lambda: (ui.q("#entry-detail") or None)
                and ui.q("#entry-detail").is_displayed())
        ui.wait("pre#curl-text to hold a curl command",
                lambda: ui.text("pre#curl-text").startswith("curl"))
        if self.fault_seq:
            # The screenshot shows the request a fault answered: its rule is in the detail.
            ui.el('#journal tr[data-seq="%d"]' % self.fault_seq).click()
            ui.wait("#entry-detail to name rule " + self.fault_rule,
                    lambda: self.fault_rule in ui.text("#entry-detail"))
        ui.shot("traffic")
        return "a journal row after %d Tabs" % presses

    def c9_token(self):
        """with an admin token the console asks for it once, then streams"""
        ui, secret = self.ui, "ui-check-" + uuid.uuid4().hex
        log = os.path.join(os.path.dirname(os.path.abspath(self.args.shots)), "check-ui-token.log")
        pm = Paymock(os.path.abspath(self.args.paymock), self.root, log, token=secret)
        try:
            r = pm.admin("GET", "/journal")
            if r.status != 401:
                raise Failure("GET /__admin/journal without the token: %d" % r.status)
            ui.d.get("%s/__admin/ui?session=%s" % (pm.base, SESSION))
            dialog = ui.el("#token-dialog")
            ui.wait("#token-dialog open", lambda: dialog.get_attribute("open") is not None)
            ui.el("#token-input").send_keys(secret)
            ui.el("#token-save").click()
            ui.errors()     # the 401s that made it ask
            ui.wait('#stream-state "live"', lambda: "live" in ui.text("#stream-state").lower())
            r, _ = pm.smartpay_refund(1.00)
            if r.status != 200:
                raise Failure("smartpay refund: %d" % r.status)
            ui.el("#journal tr[data-seq]")
            ui.d.refresh()
            ui.wait('#stream-state "live" after a reload',
                    lambda: "live" in ui.text("#stream-state").lower())
            ui.el("#journal tr[data-seq]")
            if ui.q("#token-dialog").get_attribute("open") is not None:
                raise Failure("asked for the token again after a reload")
        finally:
            ui.d.get("about:blank")     # its stream ends with the page, not with the server
            rc = pm.stop()
        if rc != 0:
            raise Failure("the second paymock exited %s (log: %s)" % (rc, log))
        return "asked once; the stream and the journal with the token"

    def shots(self):
        """screenshots of the other views"""
        ui = self.ui
        ui.open("refunds")
        ui.el("#refunds [data-refund-id]")
        ui.shot("refunds")
        ui.view("webhooks")
        ui.el("#deliveries [data-delivery-id]")
        ui.shot("webhooks")
        ui.view("findings")
        ui.el("#findings [data-finding-rule]")    # this run's traffic leaves findings
        ui.shot("findings")
        ui.view("sessions")
        ui.el('#session-list [data-session="%s"]' % SESSION)
        ui.shot("sessions")
        return ", ".join(sorted(f for f in os.listdir(ui.shots) if f.endswith(".png")))


def ms(x):
    return "%.1f ms" % x if x >= 0 else "0 ms (shown before the reply was read)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paymock", required=True)
    ap.add_argument("--root", default=".", help="the tree with fixtures/ and scenarios/")
    ap.add_argument("--shots", default="build/ui-shots")
    ap.add_argument("--doc-images", default=None,
                    help="copy the traffic and refunds shots here (the README's)")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    shutil.rmtree(args.shots, ignore_errors=True)
    os.makedirs(args.shots)
    log = os.path.join(os.path.dirname(os.path.abspath(args.shots)) or ".", "check-ui.log")

    pm = Paymock(os.path.abspath(args.paymock), root, log)
    receiver = serve(Receiver())
    elsewhere = serve(Elsewhere(pm.base))
    driver = None
    passed = failed = 0
    try:
        driver = browser()
        ui = Console(driver, pm, args.shots)
        checks = Checks(ui, pm, receiver, elsewhere, args)
        steps = [checks.c1_opens, checks.c2_live, checks.c3_fault, checks.c4_scenario,
                 checks.c5_clock, checks.c6_webhook, checks.c7_cross_origin,
                 checks.c8_keyboard, checks.c9_token, checks.shots]
        for n, step in enumerate(steps, 1):
            what = step.__doc__
            try:
                detail = step()
                print("ok    %d %s: %s" % (n, what, detail), flush=True)
                passed += 1
            except Exception as e:     # any exception is this check's failure, not the run's
                msg = getattr(e, "msg", None) or str(e) or type(e).__name__
                if not isinstance(e, (Failure, WebDriverException)):
                    msg = "%s: %s" % (type(e).__name__, msg)
                print("FAIL  %d %s: %s" % (n, what, msg.strip().split("\n")[0]), flush=True)
                failed += 1
                try:
                    driver.save_screenshot(os.path.join(args.shots, "fail-%d.png" % n))
                except WebDriverException:
                    pass
                # A check that failed half-way must not leave its rules to the next one.
                pm.admin("DELETE", "/scenarios")
            for err in ui.errors():
                print("      browser console: %s" % err, flush=True)
    finally:
        if driver:
            driver.quit()
        receiver.shutdown()
        elsewhere.shutdown()
        rc = pm.stop()
    if rc != 0:
        print("FAIL  paymock exited %s on SIGTERM (log: %s)" % (rc, log))
        failed += 1
    if args.doc_images and not failed:
        os.makedirs(args.doc_images, exist_ok=True)
        for view in ("traffic", "refunds"):
            shutil.copyfile(os.path.join(args.shots, view + ".png"),
                            os.path.join(args.doc_images, "console-%s.png" % view))
    print("screenshots: %s" % os.path.abspath(args.shots))
    print("%s: %d passed, %d failed" % ("PASS" if not failed else "FAIL", passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
