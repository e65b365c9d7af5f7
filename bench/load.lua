-- wrk script of every benchmark scenario.
--
-- Usage: wrk -s bench/load.lua URL -- SCENARIO DATA_FILE RATE OFFSET [SEND_S JOB_FILE]
--   SCENARIO   ceiling, post, user_timeline, home, compose, like, vote, mix,
--              login, async or home_as (DATA_FILE's `home_user` reads its own
--              home)
--   DATA_FILE  a Lua file returning the data table that bench/run.py writes
--   RATE       requests per second of the whole run, or 0 for no limit
--   OFFSET     first sequence number of like, vote and login, so runs never
--              repeat a like or vote pair or a login account
--   SEND_S     async only: send for this many seconds, then only wait for
--              the responses, so every request sent gets its response
--   JOB_FILE   async only: each thread appends the job id of every 202 it
--              receives to JOB_FILE.THREAD_INDEX
--
-- Sequence numbers interleave the threads (number = OFFSET + counter *
-- threads + thread index), so a run uses the numbers from OFFSET to OFFSET +
-- threads * (max_counter + 1), and bench/run.py starts the next run there.
--
-- Fixed rate: wrk 4.1 has no rate option, so each thread keeps its own
-- schedule of send times, RATE / threads per second, and delay() holds each
-- request until its slot. Latency is measured from the actual send, so a
-- request that waits for a late slot is not counted as slow (no correction
-- for coordinated omission, unlike wrk2).
--
-- done() prints one line starting with BENCH_RESULT and a JSON object.

local ffi = require("ffi")
ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_REALTIME = 0
local timespec = ffi.new("bench_timespec")

local function now_ms()
    ffi.C.clock_gettime(CLOCK_REALTIME, timespec)
    return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local threads = {}
local next_thread_index = 0

function setup(thread)
    thread:set("thread_index", next_thread_index)
    next_thread_index = next_thread_index + 1
    table.insert(threads, thread)
end

local scenario, data, interval_ms, next_slot_ms, offset, stop_sending_ms, job_file
-- Globals, so done() can read them with thread:get(): requests built and
-- responses with status 202, per thread.
counter = 0
accepted = 0

-- Record the job id of every accepted async post. wrk parses response bodies
-- only when the script defines response(), so init() defines it for async.
local function record_job(status, headers, body)
    if status ~= 202 then
        return
    end
    accepted = accepted + 1
    local job_id = body and body:match('"job_id"%s*:%s*"([^"]+)"')
    job_file:write((job_id or "missing"), "\n")
    job_file:flush()
end

function init(args)
    scenario = args[1]
    data = dofile(args[2])
    local rate = tonumber(args[3])
    offset = tonumber(args[4])
    counter = 0
    math.randomseed(1000 + thread_index + offset)
    if rate > 0 then
        interval_ms = 1000 * data.threads / rate
        next_slot_ms = now_ms() + math.random() * interval_ms
    end
    if scenario == "async" then
        stop_sending_ms = now_ms() + 1000 * tonumber(args[5])
        job_file = assert(io.open(args[6] .. "." .. thread_index, "w"))
        response = record_job
    end
end

-- Hold requests past the send window for longer than the run lasts.
local NEVER_MS = 3600 * 1000

function delay()
    if stop_sending_ms and now_ms() >= stop_sending_ms then
        return NEVER_MS
    end
    if not interval_ms then
        return 0
    end
    local slot = next_slot_ms
    next_slot_ms = next_slot_ms + interval_ms
    local wait = slot - now_ms()
    if wait < 0 then
        return 0
    end
    return wait
end

local function get(host, path, auth)
    local headers = { Host = host }
    if auth then
        headers["Authorization"] = "Basic " .. auth
    end
    return wrk.format("GET", path, headers)
end

local function send_json(method, host, path, auth, body)
    local headers = {
        Host = host,
        ["Content-Type"] = "application/json",
        Authorization = "Basic " .. auth,
    }
    return wrk.format(method, path, headers, body)
end

local function random_post_path()
    return "/posts/" .. math.random(data.first_post_id, data.last_post_id)
end

-- The sequence number of this thread's current request across all runs.
local function sequence_number()
    return offset + (counter - 1) * data.threads + thread_index
end

local function random_actor()
    local number = math.random(#data.actors)
    return data.actors[number], data.auths[number]
end

local builders = {}

builders.ceiling = function()
    return get("timelines.localhost", "/ping")
end

builders.post = function()
    return get("timelines.localhost", random_post_path())
end

builders.user_timeline = function()
    local name = data.authors[math.random(#data.authors)]
    return get("timelines.localhost", "/" .. name .. "/posts")
end

builders.home = function()
    local name, auth = random_actor()
    return get("timelines.localhost", "/" .. name .. "/home", auth)
end

builders.home_as = function()
    return get("timelines.localhost", "/" .. data.home_user .. "/home", data.home_auth)
end

builders.compose = function()
    local _, auth = random_actor()
    local body = string.format('{"text": "bench sync post %d-%d"}', thread_index, counter)
    return send_json("POST", "timelines.localhost", "/compose/post", auth, body)
end

-- The text carries the send time in ms, so bench/run.py can measure how long
-- the post took to reach the timeline, and a unique marker, so it can check
-- that each accepted post appears exactly once.
builders.async = function()
    local _, auth = random_actor()
    local body = string.format(
        '{"text": "bench async %s-%d-%d sent_ms=%.3f"}',
        data.run_id, thread_index, counter, now_ms()
    )
    return send_json("POST", "timelines.localhost", "/compose/async/post", auth, body)
end

-- Each account is used once until all have been, so the users service has
-- no verified password cached and checks the password with Argon2id.
builders.login = function()
    local number = sequence_number() % #data.login_auths + 1
    return get("users.localhost", "/user/authenticate", data.login_auths[number])
end

-- Pair p likes post first + p / actors with actor p % actors: unique per p.
builders.like = function()
    local pair = sequence_number()
    local actor = pair % #data.actors + 1
    local post_count = data.last_post_id - data.first_post_id + 1
    local post_id = data.first_post_id + math.floor(pair / #data.actors) % post_count
    local body = string.format('{"username": "%s", "post_id": %d}', data.actors[actor], post_id)
    return send_json("POST", "likes.localhost", "/like", data.auths[actor], body)
end

builders.vote = function()
    local pair = sequence_number()
    local actor = pair % #data.actors + 1
    local poll = data.polls[math.floor(pair / #data.actors) % #data.polls + 1]
    local body = string.format(
        '{"poll_id": %d, "owner_username": "%s", "voter_username": "%s", "vote": %d}',
        poll[1], poll[2], data.actors[actor], pair % 3 + 1
    )
    return send_json("PUT", "polls.localhost", "/poll/vote", data.auths[actor], body)
end

builders.mix = function()
    local draw = math.random()
    if draw < 0.6 then
        return builders.home()
    elseif draw < 0.9 then
        return builders.user_timeline()
    end
    return builders.post()
end

function request()
    counter = counter + 1
    return builders[scenario]()
end

function done(summary, latency, requests)
    local max_counter, total_accepted = 0, 0
    for _, thread in ipairs(threads) do
        max_counter = math.max(max_counter, thread:get("counter") or 0)
        total_accepted = total_accepted + (thread:get("accepted") or 0)
    end
    local errors = summary.errors
    local error_count = errors.connect + errors.read + errors.write + errors.status + errors.timeout
    local percentiles = {}
    for _, p in ipairs({ 50, 90, 99, 99.9 }) do
        table.insert(percentiles, string.format('"%s": %.3f', p, latency:percentile(p) / 1000))
    end
    io.write(string.format(
        'BENCH_RESULT {"requests": %d, "duration_s": %.3f, "errors": %d, '
            .. '"error_kinds": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
            .. '"latency_ms": {%s}, "mean_ms": %.3f, "max_ms": %.3f, '
            .. '"max_counter": %d, "accepted": %d}\n',
        summary.requests, summary.duration / 1e6, error_count,
        errors.connect, errors.read, errors.write, errors.status, errors.timeout,
        table.concat(percentiles, ", "), latency.mean / 1000, latency.max / 1000,
        max_counter, total_accepted
    ))
end
