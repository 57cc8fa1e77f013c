-- wrk script for `make check-fleet`: Accelebit refund creates spread over SESSIONS (10,000)
-- sessions, one picked at random per request (X-Paymock-Session: fleet-N), a new
-- Idempotency-Key each.  done() prints "RESULT rps=... non2xx=... errors=...".
local sessions = tonumber(os.getenv("SESSIONS") or "10000")
local body = '{"transactionId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","amount":"1.00","currency":"EUR","reason":"fleet"}'
local hdrs = { ["Content-Type"] = "application/json", ["X-API-Key"] = "sk_test_fleet" }

-- Each thread its own number: its own keys and its own random sequence of sessions.
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
end

local counter = 0
function init()
  math.randomseed(os.time() * 100 + tid)
end

function request()
  counter = counter + 1
  hdrs["X-Paymock-Session"] = "fleet-" .. math.random(sessions)
  hdrs["Idempotency-Key"] = "fleet-" .. tostring(tid) .. "-" .. counter
  return wrk.format("POST", "/accelebit/v1/refunds", hdrs, body)
end

function done(summary)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.0f requests=%d non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout))
end
