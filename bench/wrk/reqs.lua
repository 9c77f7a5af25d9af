-- wrk script for lifeboat's bench: replays a list of request targets.
--
--   wrk ... -s reqs.lua URL -- FILE METHOD BODY_BYTES MODE
--
-- FILE        one request target per line (path and query, e.g. a presigned
--             URL without its scheme and host); thread i of n takes lines
--             i, i+n, i+2n, ...
-- METHOD      GET, PUT, DELETE, ...
-- BODY_BYTES  size of the request body (PUT); 0 for none
-- MODE        "cycle": go round the list until wrk's duration ends;
--             "once": each target once, then the thread stops (populate,
--             DELETE of distinct keys); -d is then only an upper bound.
--             "once" also needs LB_WRK_ONCE=1 in the environment; each
--             thread prints THREAD-DONE when its share is answered.
--
-- Requests are formatted once in init(), so request() costs nothing but a
-- table lookup. done() prints one line "JSON {...}" with the summary and
-- latency percentiles (microseconds) for run.py.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   local file, method, size, mode = args[1], args[2], tonumber(args[3]), args[4]
   -- tid comes from setup(); run.py passes the thread count as args[5]
   local nthreads = tonumber(args[5])
   local body = nil
   if size > 0 then body = string.rep("b", size) end
   local headers = {}
   if body then headers["Content-Type"] = "application/octet-stream" end
   local lines = {}
   for line in io.lines(file) do
      if line ~= "" then lines[#lines + 1] = line end
   end
   -- fewer targets than threads (one GET or LIST target): every thread
   -- takes them all ("once" mode always has enough)
   if #lines < nthreads then nthreads = 1; tid = 0 end
   reqs = {}
   for i, line in ipairs(lines) do
      if (i - 1) % nthreads == tid then
         reqs[#reqs + 1] = wrk.format(method, line, headers, body)
      end
   end
   lines = nil
   body = nil
   collectgarbage()
   once = (mode == "once")
   verify_call = once and tid == 0
   nreq = #reqs
   idx = 0
   got = 0
   reserved = 0
end

function request()
   if verify_call then
      -- wrk (4.x) calls request() once in thread 0, right after init(), to
      -- check the script; in "once" mode that call must not use up a target
      verify_call = false
      return reqs[1]
   end
   idx = idx + 1
   if idx > nreq then
      idx = 1
   end
   return reqs[idx]
end

-- Defined only in "once" mode (run.py sets LB_WRK_ONCE=1): wrk parses
-- headers and calls into Lua per response only when response() exists.
if os.getenv("LB_WRK_ONCE") == "1" then
   -- wrk asks delay() before each request(): once every target is out,
   -- park the connection so nothing is sent twice
   -- delay() runs before each request() of a connection, but several
   -- connections may pass it before their request() calls; so targets are
   -- counted out here, not in request()
   function delay()
      if reserved >= nreq then return 1000000000 end
      reserved = reserved + 1
      return 0
   end

   function response(status, headers, body)
      got = got + 1
      if got == nreq then
         -- wrk's main thread sleeps for the whole -d; run.py counts these
         -- lines and sends SIGINT once every thread is done
         io.write("THREAD-DONE\n")
         io.stdout:flush()
         wrk.thread:stop()
      end
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"lat_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.stdev,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
