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
            local rest = line:sub(tab + 1)
            -- an optional third column is the path (several tenants)
            local tab2 = rest:find("\t", 1, true)
            if tab2 then
                requests[#requests + 1] = {line:sub(1, tab - 1), rest:sub(1, tab2 - 1), rest:sub(tab2 + 1)}
            else
                requests[#requests + 1] = {line:sub(1, tab - 1), rest, nil}
            end
        end
        i = i + 1
    end
end

function request()
    idx = idx + 1
    if idx > #requests then idx = 1 end
    local r = requests[idx]
    return wrk.format("POST", r[3], {["Content-Type"] = "application/json", ["X-Mamori-Signature"] = r[1]}, r[2])
end
