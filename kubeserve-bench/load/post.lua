-- wrk script: every request POSTs the same JSON body, read once from the file BODY_FILE names
-- (run.sh writes it), so the server's work per request is the same across runs and targets.
local path = os.getenv("BODY_FILE")
if path == nil or path == "" then
  error("set BODY_FILE to the request body to post")
end
local file = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
