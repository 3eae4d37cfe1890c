-- wrk script: POST /api/v1/loans/{id}/repayments, every request with its own
-- Idempotency-Key (thread number + counter + a per-run prefix) and a loan id
-- spread over 1..LOANS (a multiplicative stride, so consecutive requests hit
-- different loans). Counts responses by status class; prints them at the end
-- so run.sh can compare the 2xx count with the repayments in the database.
--
-- Environment: LOANS (default 100000), RUN (key prefix, default "run"),
-- AMOUNT (major units as a decimal string, default "1.00"), TOKEN (a session
-- token, sent as `Authorization: Bearer <token>`).

local loans = tonumber(os.getenv("LOANS") or "100000")
local run = os.getenv("RUN") or "run"
local amount = os.getenv("AMOUNT") or "1.00"
local token = os.getenv("TOKEN")
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  ok2xx = 0
  other = 0
  body = '{"amount": "' .. amount .. '"}'
end

function request()
  counter = counter + 1
  -- 7919 is prime and does not divide LOANS, so the walk visits every loan.
  local loan = ((tid * 100003 + counter * 7919) % loans) + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = run .. "-" .. tid .. "-" .. counter,
  }
  if token then
    headers["Authorization"] = "Bearer " .. token
  end
  return wrk.format("POST", "/api/v1/loans/" .. loan .. "/repayments", headers, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok2xx = ok2xx + 1
  else
    other = other + 1
    if other <= 3 then
      io.stderr:write("non-2xx " .. status .. ": " .. body .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local total2xx, totalOther = 0, 0
  for _, t in ipairs(threads) do
    total2xx = total2xx + t:get("ok2xx")
    totalOther = totalOther + t:get("other")
  end
  local secs = summary.duration / 1e6
  io.write(string.format("requests: %d  2xx: %d  non-2xx: %d  socket errors: connect %d read %d write %d timeout %d\n",
    summary.requests, total2xx, totalOther, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
  io.write(string.format("throughput: %.0f 2xx/s over %.1f s\n", total2xx / secs, secs))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%g: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("latency max: %.2f ms\n", latency.max / 1000))
  io.write(string.format("OK2XX=%d\n", total2xx))
end
