-- wrk script of bench/versus_isso/bench.py: reads or posts, and counts every non-2xx answer.
--
--   wrk -t2 -c16 -d5s -s load.lua URL -- read
--   wrk -t2 -c16 -d5s -s load.lua URL -- post-ours THREAD NONCE   (URL: .../api/comments)
--   wrk -t2 -c16 -d5s -s load.lua URL -- post-isso THREAD NONCE   (URL: .../new?uri=/THREAD/)
--
-- Every posted body is unique (nonce, wrk thread id, counter), so no duplicate check refuses
-- one. done() prints one line "WRKJSON {...}" that the bench reads: the request count, the
-- latency percentiles (microseconds), the non-2xx answers by status and wrk's socket errors.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   mode, slug, nonce = args[1] or "read", args[2] or "", args[3] or "0"
   counter = 0
   bad = 0
   statuses = {}
   headers = {["Content-Type"] = "application/json"}
end

function request()
   if mode == "read" then
      return wrk.format("GET")
   end
   counter = counter + 1
   local text = string.format(
      "Load comment %s-%d-%d: a fair report, *well* told, with <b>markup</b>.", nonce, id, counter)
   local author = string.format("Load client %d", id)
   local email = string.format("load%d@example.org", id)
   local body
   if mode == "post-isso" then
      body = string.format('{"text":"%s","author":"%s","email":"%s","title":"%s"}',
                           text, author, email, slug)
   else
      body = string.format('{"thread":"%s","author":"%s","email":"%s","body":"%s"}',
                           slug, author, email, text)
   end
   return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      bad = bad + 1
      local key = tostring(status)
      statuses[key] = (statuses[key] or 0) + 1
   end
end

function done(summary, latency, requests)
   local non2xx, codes = 0, {}
   for _, thread in ipairs(threads) do
      non2xx = non2xx + (thread:get("bad") or 0)
      for code, count in pairs(thread:get("statuses") or {}) do
         codes[code] = (codes[code] or 0) + count
      end
   end
   local parts = {}
   for code, count in pairs(codes) do
      table.insert(parts, string.format('"%s":%d', code, count))
   end
   local e = summary.errors
   io.write(string.format(
      'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
      '"max_us":%d,"mean_us":%.1f,"non2xx":%d,"statuses":{%s},"connect":%d,"read":%d,' ..
      '"write":%d,"timeout":%d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean, non2xx, table.concat(parts, ","),
      e.connect, e.read, e.write, e.timeout))
end
