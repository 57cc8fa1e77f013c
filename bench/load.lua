-- wrk script for `make bench`: the Accelebit refund loads.
--
-- Environment:
--   MODE=create   POST /accelebit/v1/refunds, a new Idempotency-Key per request
--                 ("bench-<run>-<thread>-<n>"): full create semantics every time;
--                 RUN_ID names the run, so that a warmup's keys are not replayed
--                 by the measured run (default: the time and a random number)
--   MODE=replay   the same POST with one fixed key: the idempotent replay path
--                 (the key must have been used once before the load)
--   MODE=status   GET /accelebit/v1/refunds/$REFUND_ID: status polling
--   API_KEY       X-API-Key (default sk_test_bench)
--   SESSION       X-Paymock-Session, when set
--   REFUND_PATH   the refunds path (default /accelebit/v1/refunds; the bare
--                 baseline server of the peer harness answers /v1/refunds)
-- done() prints one "RESULT key=value ..." line (latencies in microseconds).

local mode = os.getenv("MODE") or "create"
local api_key = os.getenv("API_KEY") or "sk_test_bench"
local session = os.getenv("SESSION")
local body = '{"transactionId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","amount":"55.00","currency":"EUR","reason":"Customer requested refund"}'
local path = os.getenv("REFUND_PATH") or "/accelebit/v1/refunds"

wrk.headers["X-API-Key"] = api_key
if session and session ~= "" then wrk.headers["X-Paymock-Session"] = session end

if mode == "status" then
  wrk.method = "GET"
  wrk.path = path .. "/" .. (os.getenv("REFUND_ID") or "none")
else
  wrk.method = "POST"
  wrk.path = path
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Idempotency-Key"] = os.getenv("IDEM_KEY") or "bench-fixed-key-0001"
end

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local counter = 0
math.randomseed(os.time())
local run = os.getenv("RUN_ID") or (tostring(os.time()) .. "." .. tostring(math.random(1, 1000000000)))
if mode == "create" then
  local hdrs = {}
  for k, v in pairs(wrk.headers) do hdrs[k] = v end
  request = function()
    counter = counter + 1
    hdrs["Idempotency-Key"] = "bench-" .. run .. "-" .. tostring(tid) .. "-" .. tostring(counter)
    return wrk.format("POST", path, hdrs, body)
  end
end

-- non-2xx answers count as errors (wrk counts them in errors.status)
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.2f bytes=%d " ..
    "lat_mean=%.2f lat_max=%d p50=%d p90=%d p99=%d p999=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6), summary.bytes,
    latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9),
    e.connect, e.read, e.write, e.status, e.timeout))
end
