-- wrk script: every request POSTs the same body, read once from the file BODY_FILE names
-- (run.sh writes it), so the server's work per request is the same across runs and targets.
-- The body is V2 JSON, unless BINARY_HEADER_LENGTH is set: then it is a binary tensor data
-- extension body whose first BINARY_HEADER_LENGTH bytes are its JSON header (grpc_vs_rest.sh).
local path = os.getenv("BODY_FILE")
if path == nil or path == "" then
  error("set BODY_FILE to the request body to post")
end
local file = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
local header_length = os.getenv("BINARY_HEADER_LENGTH")
if header_length ~= nil and header_length ~= "" then
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.headers["Inference-Header-Content-Length"] = header_length
else
  wrk.headers["Content-Type"] = "application/json"
end
