-- wrk script for `make check-fleet`: UTGL refunds (1.00 USD each; UTGL has no idempotency key,
-- so every call is a new refund) spread over SESSIONS (10,000) sessions, one picked at random
-- per request (X-Paymock-Session: fleet-N).  The requests are formatted once, in init(), so
-- that wrk spends its CPU on sending them, not on Lua.  done() prints
-- "RESULT rps=... requests=... non2xx=... errors=...".
local sessions = tonumber(os.getenv("SESSIONS") or "10000")
local body = '{"transactionId":"3e5f1c8a-7b2d-4c9e-a1f0-6d8b2e4c7a93","amount":1.00,"currency":"USD","reason":"fleet","description":"fleet"}'
local reqs = {}

-- Each thread its own seed: its own random sequence of sessions.
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
end

function init()
  math.randomseed(os.time() * 100 + tid)
  local hdrs = { ["Content-Type"] = "application/json",
                 ["Authorization"] = "Basic cGFydG5lcjpzZWNyZXQ=" }
  for i = 1, sessions do
    hdrs["X-Paymock-Session"] = "fleet-" .. i
    reqs[i] = wrk.format("POST", "/utgl/v1/partner-connect/transactions/refund", hdrs, body)
  end
end

function request()
  return reqs[math.random(sessions)]
end

function done(summary)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.0f requests=%d non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout))
end
