-- wrk script: POST the pre-signed requests from $REQUESTS, each thread
-- taking every k-th line so no two requests repeat an event id.
local requests = {}
local idx = 0
local threads_total = tonumber(os.getenv("WRK_THREADS") or "2")
local counter = 0

function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
end

function init(args)
    local i = 0
    for line in io.lines(os.getenv("REQUESTS")) do
        if i % threads_total == tid then
            local tab = line:find("\t", 1, true)
            requests[#requests + 1] = {line:sub(1, tab - 1), line:sub(tab + 1)}
        end
        i = i + 1
    end
end

function request()
    idx = idx + 1
    if idx > #requests then idx = 1 end
    local r = requests[idx]
    return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Mamori-Signature"] = r[1]}, r[2])
end
