#!/usr/bin/env python3
"""Writes the seed corpus of every harness into tests/fuzz/corpus/<harness>/.

The seeds are the contracts' worked-example requests (as the e2e tests send
them), the shipped scenarios/*.json and every fixtures/*.json entry, in the
record format tests/fuzz/fuzz_dispatch.c reads, and operation sequences for
tests/fuzz/fuzz_sequence.c.  Run from the repository
root; the files are committed, this script only documents and regenerates
them.  It overwrites seeds and leaves every other file alone: the inputs that
once crashed a harness (crash-*, leak-*) live beside the seeds and are
replayed by tests/test_regress.c.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")

PROVIDERS = ["smartretry", "smartpay", "utgl", "accelebit", "payengine"]
NROUTES = {"smartretry": 2, "smartpay": 2, "utgl": 2, "accelebit": 3, "payengine": 2}
FLAG_PROVIDER_PORT, FLAG_ADVANCE, FLAG_HOLD_IDEM, FLAG_QUERY = 1, 2, 4, 8
JSON_CT = "Content-Type: application/json"


def record(sel, flags, param, headers, body):
    text = bytes([sel, flags]) + param.encode() + b"\n"
    for h in headers:
        text += h.encode() + b"\n"
    return text + b"\n" + body.encode()


def sel_for(provider, route, minutes=0):
    """A provider harness's selector for 'route' that also advances ~minutes."""
    n = NROUTES[provider] + 3
    sel = route
    while sel + n <= 255 and sel * 60 < minutes * 60:
        sel += n
    return sel


def admin_sel_provider(provider, route):
    """The admin harness's selector for a provider route."""
    pidx = PROVIDERS.index(provider)
    for sel in range(256):
        if sel & 3 == 3 and (sel >> 2) % 5 == pidx and (sel >> 4) % (NROUTES[provider] + 3) == route:
            return sel
    raise ValueError((provider, route))


def admin(method, path, body="", flags=0):
    sel = {"POST": 0, "GET": 2, "DELETE": 1}[method]
    if method == "DELETE":
        flags |= 1 << 4
    if "?" in path:
        flags |= FLAG_QUERY
    return record(sel, flags, path, [JSON_CT], body)


SMARTRETRY = [
    "x-api-key: YOUR_API_KEY", JSON_CT, "Idempotency-Key: refund-20260331-001",
]
SR_BODY = ('{\n    "transaction_reference_id": "TX8A3F2C",\n    "order_reference_id": '
           '"OR7B9E1D",\n    "merchant_transaction_id": "refund-20260331-001",\n'
           '    "amount": 25.00\n  }')
SP_MERCHANT = "31928de9-1344-469f-b0eb-8e5d0fef3d21"
SP_TXN = "933a0fab-80a0-42c5-b010-c71174f4ab32"
SP_BODY = ('{\n"merchantKey": "%s",\n"transactionId": "%s",\n"modificationId": '
           '"f7c55bb3-0002-4363-9a33-56af8d5e691e",\n"modifiedAmount": {\n"description": '
           '"SMP-Transaction-01",\n"amount": 25,\n"currencyCode": "EUR"\n}\n}' % (SP_MERCHANT, SP_TXN))
SP_BASIC = "Authorization: Basic MzE5MjhkZTktMTM0NC00NjlmLWIwZWItOGU1ZDBmZWYzZDIxOnNlY3JldA=="
UTGL_TXN = "3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93"
UTGL_BASIC = "Authorization: Basic cGFydG5lcjpzZWNyZXQ="
UTGL_BODY = ('{"transactionId":"%s","amount":1.00,"currency":"USD","reason":"Customer requested",'
             '"description":"Partial refund for item X"}' % UTGL_TXN)
AB_TXN = "f47ac10b-58cc-4372-a567-0e02b2c3d479"
AB_KEY = "X-API-Key: smtgw_sk_test_your_secret_key"
AB_BODY = ('{\n    "transactionId": "%s",\n    "amount": "55.00",\n    "currency": "EUR",\n'
           '    "reason": "Customer requested refund"\n  }' % AB_TXN)
PE_TXN = "9a0df7ef-b77f-4525-97e1-f41a98ad7f75"
PE_AUTH = "Authorization: Basic sk_test_secret"
PE_BODY = ('{\n"id": "%s",\n"amount": 10,\n"reason": "Discount issued",\n'
           '"internalTransactionID": "121212",\n"metadata": {\n"customerId": "123",\n'
           '"email" : "jane@example.com"\n}\n}' % PE_TXN)

# The first id the default session's generator makes (--seed 1).
REFUND_ID = "02b67589-0bd4-4c5e-87f9-dfd919bff8e5"

# provider -> list of (name, [records])
SEEDS = {
    "smartretry": [
        ("ex01-refund", [record(0, 0, "ABC123", SMARTRETRY, SR_BODY)]),
        ("refund-then-status", [
            record(sel_for("smartretry", 0, 1), FLAG_ADVANCE, "ABC123", SMARTRETRY, SR_BODY),
            record(1, 0, "ABC123 TX8A3F2C", ["x-api-key: YOUR_API_KEY"], "")]),
        ("replay-and-conflict", [
            record(0, FLAG_HOLD_IDEM, "ABC123", SMARTRETRY, SR_BODY),
            record(0, 0, "ABC123", SMARTRETRY, SR_BODY),
            record(0, 0, "ABC123", SMARTRETRY, SR_BODY.replace("25.00", "30.00"))]),
        ("jpy-kwd", [
            record(0, 0, "ABC123", SMARTRETRY[:2], '{"transaction_reference_id":"TXJPY006",'
                   '"order_reference_id":"ORJPY006","merchant_transaction_id":"m6","amount":500}'),
            record(0, 0, "ABC123", SMARTRETRY[:2], '{"transaction_reference_id":"TXKWD007",'
                   '"order_reference_id":"ORKWD007","merchant_transaction_id":"m7","amount":1.005}')]),
        ("wrong-method", [record(2 | 0, 0, "ABC123", SMARTRETRY[:1], "")]),
        ("unprefixed", [record(0, FLAG_PROVIDER_PORT, "ABC123", SMARTRETRY, SR_BODY)]),
    ],
    "smartpay": [
        ("ex01-refund", [record(0, 0, "", [JSON_CT, "Accept-Language: en-US"], SP_BODY)]),
        ("refund-status-settled", [
            record(sel_for("smartpay", 0, 1), FLAG_ADVANCE, "", [JSON_CT], SP_BODY),
            record(1, 0, SP_TXN, [SP_BASIC], "")]),
        ("full-refund-no-amount", [record(0, 0, "", [JSON_CT], '{"merchantKey":"%s",'
                                          '"transactionId":"%s","modificationId":"pp"}' % (SP_MERCHANT, SP_TXN))]),
        ("too-many-decimals", [record(0, 0, "", [JSON_CT], SP_BODY.replace('"amount": 25', '"amount": 25.001'))]),
        ("invalid-key", [record(0, 0, "", [JSON_CT], SP_BODY.replace(SP_MERCHANT, "invalid"))]),
        ("unknown-path", [record(3, 0, "/payment/void", [JSON_CT], "{}")]),
    ],
    "utgl": [
        ("refund", [record(0, 0, "", [JSON_CT, UTGL_BASIC], UTGL_BODY)]),
        ("refund-then-show", [
            record(0, 0, "", [JSON_CT, UTGL_BASIC], UTGL_BODY),
            record(1, 0, UTGL_TXN, [UTGL_BASIC], "")]),
        ("amount-decimals", [record(0, 0, "", [JSON_CT, UTGL_BASIC], UTGL_BODY.replace("1.00", "1.001"))]),
        ("no-auth", [record(0, 0, "", [JSON_CT], UTGL_BODY)]),
        ("locked-magic", [record(0, 0, "", [JSON_CT, UTGL_BASIC],
                                 UTGL_BODY.replace(UTGL_TXN, "07000000-0000-4000-8000-000000000004"))]),
    ],
    "accelebit": [
        ("ex01-refund", [record(0, 0, "", [JSON_CT, AB_KEY, "Idempotency-Key: refund_abc123"], AB_BODY)]),
        ("refund-list-show", [
            record(sel_for("accelebit", 0, 1), FLAG_ADVANCE, "", [JSON_CT, AB_KEY, "Idempotency-Key: k1"], AB_BODY),
            record(1, FLAG_QUERY, "transactionId=" + AB_TXN, [AB_KEY], ""),
            record(2, 0, REFUND_ID, [AB_KEY], "")]),
        ("no-key", [record(0, 0, "", [JSON_CT, AB_KEY], AB_BODY)]),
        ("string-amount-jpy", [record(0, 0, "", [JSON_CT, AB_KEY, "Idempotency-Key: k2"],
                                      '{"transactionId":"ac000000-0000-4000-8000-000000000006",'
                                      '"amount":"500","currency":"JPY"}')]),
    ],
    "payengine": [
        ("ex01-refund", [record(0, 0, "", [JSON_CT, PE_AUTH], PE_BODY)]),
        ("refund-then-show", [
            record(0, 0, "", [JSON_CT, PE_AUTH], PE_BODY),
            record(1, 0, REFUND_ID, [PE_AUTH], "")]),
        ("declined-magic", [record(0, 0, "", [JSON_CT, PE_AUTH],
                                   PE_BODY.replace(PE_TXN, "9e000000-0000-4000-8000-000000000001"))]),
        ("bad-auth", [record(0, 0, "", [JSON_CT, "Authorization: Bearer x"], PE_BODY)]),
    ],
}


def scenario_texts():
    d = os.path.join(ROOT, "scenarios")
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                yield name[:-5], f.read()


def fixture_entries():
    d = os.path.join(ROOT, "fixtures")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(d, name)) as f:
            text = f.read()
        yield name[:-5] + "-file", text
        for i, t in enumerate(json.loads(text)["transactions"]):
            yield "%s-%02d" % (name[:-5], i), json.dumps(t)


def admin_seeds():
    seeds = [
        ("health", [admin("GET", "/health")]),
        ("clock", [admin("POST", "/clock/advance", '{"seconds":5.5}'),
                   admin("POST", "/clock/set", '{"now":"2026-04-10T00:00:00.000Z"}'),
                   admin("POST", "/clock/freeze"), admin("GET", "/clock")]),
        ("transactions", [admin("GET", "/transactions?provider=smartpay"),
                          admin("POST", "/transactions", '{"provider":"smartpay","id":"added-1",'
                                '"amount":"10.00","currency":"EUR","merchant_key":"' + SP_MERCHANT + '"}'),
                          admin("GET", "/transactions")]),
        ("journal", [admin("GET", "/journal?limit=2"),
                     admin("POST", "/journal/count", '{"match":{"operation":"refund.create","status":503}}'),
                     admin("DELETE", "/journal")]),
        ("sessions", [admin("GET", "/sessions"), admin("DELETE", "/sessions/default"),
                      admin("POST", "/reset")]),
        ("fault-then-refund", [
            admin("POST", "/faults", '{"match":{"provider":"smartpay","operation":"refund.create",'
                  '"nth":[1,2]},"action":{"type":"respond","error":"provider_unavailable"}}'),
            record(admin_sel_provider("smartpay", 0), 0, "", [JSON_CT], SP_BODY),
            record(admin_sel_provider("smartpay", 0), 0, "", [JSON_CT], SP_BODY),
            admin("GET", "/scenarios"), admin("GET", "/journal"),
            admin("DELETE", "/scenarios")]),
        ("refunds", [record(admin_sel_provider("accelebit", 0), 0, "",
                            [JSON_CT, AB_KEY, "Idempotency-Key: k"], AB_BODY),
                     admin("GET", "/refunds?provider=accelebit")]),
    ]
    for name, text in scenario_texts():
        seeds.append(("scenario-" + name, [
            admin("POST", "/scenarios", text),
            record(admin_sel_provider("smartpay", 0), 0, "", [JSON_CT], SP_BODY),
            record(admin_sel_provider("utgl", 0), FLAG_ADVANCE, "", [JSON_CT, UTGL_BASIC], UTGL_BODY),
            record(admin_sel_provider("smartretry", 0), 0, "ABC123", SMARTRETRY, SR_BODY)]))
        seeds.append(("load-" + name, [admin("POST", "/scenarios/" + name)]))
    return seeds


# fuzz_sequence.c's operations, in the order of its seq_ops table.
SEQ_OPS = ["refund", "refund", "refund", "status", "advance", "advance", "set", "freeze",
           "scenario", "rule", "lifecycle", "txn", "delete", "reset", "journal", "webhook",
           "webhook", "replay", "pump", "pump"]
SEQ_SCENARIOS = 11      # seq_scenarios
SEQ_RULES = 14          # seq_rules
SEQ_LIFECYCLES = 4      # seq_lifecycles
ADV = {"1s": 0, "59.999s": 1, "10min": 2, "1h": 3, "1d": 4, "25h": 5, "huge-ms": 6,
       "100y": 7, "max-ms": 8, "negative": 9, "zero": 10, "huge-s": 11}
SR, SP, UT, AB, PE = range(5)
HOOK = {"ok": 0, "fail": 1, "hold": 2, "refused": 3}


def op(name, slot=0, hi=0, b=0, c=0, d=0):
    """One operation: OP A B C D, A = the session | hi << 2."""
    return bytes([SEQ_OPS.index(name), slot | (hi << 2), b, c, d])


def refund(slot, provider, txn=0, amount=0, key=0, d=0):
    """amount: 0 full, 1 1+d minor units, 2 half, 3 one more than all; key 0 none, 1-8, 9 fresh."""
    return op("refund", slot, provider, txn, amount | (key << 3), d)


def webhook(slot, provider, mode, secret=0):
    return op("webhook", slot, 0, (1 if provider == AB else 0) | (HOOK[mode] << 1), secret)


def sequence_seeds():
    seeds = {}
    seeds["every-provider"] = b"".join(
        refund(0, p, 0, 2, 1) + refund(0, p, 0, 2, 1) + op("status", 0, p) for p in range(5))
    seeds["keys-reused-and-expired"] = b"".join(
        refund(0, p, 0, 1, 2, 5) + refund(0, p, 0, 1, 2, 5) + refund(0, p, 0, 1, 2, 6)
        for p in (SR, SP, AB)) + op("advance", 0, 0, ADV["25h"]) + b"".join(
        refund(0, p, 0, 1, 2, 5) for p in (SR, SP, AB))
    seeds["magic"] = b"".join(refund(1, p, t, 0, 9) + refund(1, p, t, 3, 9)
                              for p in range(5) for t in range(1, 10))
    seeds["clock"] = (refund(0, SP) + op("advance", 0, 0, ADV["1s"]) + op("status", 0, SP) +
                      op("advance", 0, 0, ADV["1d"]) + op("set", 0, 0, 1) + op("freeze", 0, 0, 1) +
                      op("freeze", 0, 0, 0) + op("set", 0, 0, 3) + op("advance", 0, 0, ADV["negative"]) +
                      op("set", 0, 0, 4) + op("set", 0, 0, 6) + op("status", 0, SP))
    seeds["scenarios"] = b"".join(op("scenario", s % 3, 0, s) + refund(s % 3, s % 5, 0, 2, 9)
                                  for s in range(SEQ_SCENARIOS))
    seeds["rules-as-faults"] = b"".join(op("rule", 0, 0, r, 1) + refund(0, r % 5, 0, 1, 1)
                                        for r in range(SEQ_RULES))
    seeds["rules-as-scenarios"] = b"".join(op("rule", 1, 0, r, 0) + refund(1, r % 5, 1, 2, 9)
                                           for r in range(SEQ_RULES))
    seeds["lifecycles"] = b"".join(op("lifecycle", 0, 0, lc) + refund(0, p, 0, 1, 9) +
                                   op("advance", 0, 0, ADV["10min"]) + op("status", 0, p)
                                   for lc in range(SEQ_LIFECYCLES) for p in (SR, SP, AB))
    seeds["webhooks-ok"] = (webhook(0, SR, "ok") + webhook(0, AB, "ok", 1) + refund(0, SR) +
                            refund(0, AB, 0, 2, 1) + op("pump") + op("advance", 0, 0, ADV["1h"]) +
                            op("pump") + op("status", 0, AB))
    seeds["webhooks-fail-and-retry"] = (webhook(0, AB, "fail") + refund(0, AB) + op("pump") +
                                        op("advance", 0, 0, ADV["10min"]) + op("pump") +
                                        webhook(0, AB, "ok") + op("advance", 0, 0, ADV["1h"]) +
                                        op("pump"))
    seeds["webhooks-held-then-released"] = (webhook(2, SR, "hold") + refund(2, SR) + op("pump") +
                                            op("pump", 0, 0, 1) + op("advance", 2, 0, ADV["1d"]) +
                                            op("pump", 0, 0, 3))
    seeds["webhooks-refused"] = (webhook(1, AB, "refused") + refund(1, AB) + op("pump") +
                                 op("advance", 1, 0, ADV["1d"]) + op("pump"))
    seeds["replay"] = (webhook(0, SR, "ok") + refund(0, SR) + op("pump") + op("replay", 0, 0, 0) +
                       op("replay", 0, 0, 255) + op("pump"))
    seeds["delete-and-again"] = (refund(0, AB, 0, 1, 1) + op("delete") + refund(0, AB, 0, 1, 1) +
                                 op("reset") + refund(0, AB, 0, 1, 1) + op("journal", 0, 0, 0) +
                                 op("journal", 0, 0, 1))
    seeds["big-transactions"] = (op("txn", 0, PE, 0, 0, 2) + op("txn", 0, SP, 0, 1, 3) +
                                 op("rule", 0, 0, 0, 1) + refund(0, PE, 8, 0) + refund(0, PE, 8, 0) +
                                 refund(0, SP, 10, 0, 9) + refund(0, SP, 10, 3, 9))
    seeds["three-sessions"] = b"".join(refund(s, p, 0, 2, 1) + webhook(s, SR, "ok") +
                                       op("advance", s, 0, ADV["1h"])
                                       for s in range(3) for p in (SR, AB)) + op("pump")
    return seeds


def write(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    for p, seeds in SEEDS.items():
        for name, recs in seeds:
            write(p, name, b"\x1e".join(recs))
    for name, recs in admin_seeds():
        write("admin", name, b"\x1e".join(recs))
    for name, text in scenario_texts():
        write("scenario", name, text.encode())
    for name, text in fixture_entries():
        write("fixtures", name, text.encode())
    for name, (exp, text) in {
        "eur-25": (2, "25.00"), "eur-25-5": (2, "25.5"), "kwd": (3, "1.005"),
        "jpy": (0, "5000"), "zeros": (2, "25.000"), "max": (2, "999999999999999.99"),
        "too-many": (2, "1.005"), "point": (2, "1."),
    }.items():
        write("money", name, bytes([{0: 0, 2: 1, 3: 2}[exp]]) + text.encode())
    for name, data in sequence_seeds().items():
        write("sequence", name, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
