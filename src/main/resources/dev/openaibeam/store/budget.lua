-- One budget's buckets, shared by every worker of every job (docs/architecture.md, README "Budget store").
-- KEYS[1]: the buckets (hash), KEYS[2]: the workers taking from them (hash: field job|worker).
-- ARGV: 1 job, 2 worker, 3 weight, 4 request rate /s, 5 request capacity, 6 token rate /s,
--   7 token capacity, 8 requests wanted, 9 tokens wanted, 10 requests settled (+ gives back),
--   11 tokens settled, 12 seen (1: this worker used the bucket lately: a missing bucket was lost,
--   so it starts empty, not with a fresh burst), 13 a 429 of requests (1: empty that bucket),
--   14 a 429 of tokens, 15 pause everybody this many ms, 16 reported RPM, 17 reported TPM,
--   18 a worker's entry lasts this many ms without contact, 19 the buckets last this many ms idle.
-- Returns {granted 0/1, wait us (granted: until the call may go), pause left ms, RPM reported, TPM reported, fallback share ppm,
--   bucket existed 0/1}. The clock is the server's, one for everybody.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local job, worker, w = ARGV[1], ARGV[2], tonumber(ARGV[3])
local rr, rc, tr, tc = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local wr, wt = tonumber(ARGV[8]), tonumber(ARGV[9])
local entryTtl, bucketTtl = tonumber(ARGV[18]), tonumber(ARGV[19])
-- Usage decays with this time constant (ms); jobs within SLACK seconds of budget per weight are even.
local TAU, SLACK, GRACE, HORIZON = 3000, 0.02, 250, 100

local b = redis.call('HMGET', KEYS[1], 'rl', 'tl', 't', 'pause', 'rpm', 'tpm')
local existed = b[3] ~= false
local rl, tl, last, pause
if existed then
  rl, tl, last, pause = tonumber(b[1]), tonumber(b[2]), tonumber(b[3]), tonumber(b[4])
elseif ARGV[12] == '1' then
  rl, tl, last, pause = 0, 0, now, 0
else
  rl, tl, last, pause = rc, tc, now, 0
end
local el = math.max(0, now - last) / 1000
if rr > 0 then rl = math.min(rc, rl + el * rr + tonumber(ARGV[10])) end
if tr > 0 then tl = math.min(tc, tl + el * tr + tonumber(ARGV[11])) end
if ARGV[13] == '1' then rl = math.min(rl, 0) end
if ARGV[14] == '1' then tl = math.min(tl, 0) end
local pms = tonumber(ARGV[15])
if pms > 0 then pause = math.max(pause, now + pms) end
local rpm, tpm = tonumber(b[5]) or 0, tonumber(b[6]) or 0
if tonumber(ARGV[16]) > 0 then rpm = tonumber(ARGV[16]) end
if tonumber(ARGV[17]) > 0 then tpm = tonumber(ARGV[17]) end

-- The workers: usage per job (decayed), demand (refused lately), weights of the jobs present.
local me = job .. '|' .. worker
local entries = redis.call('HGETALL', KEYS[2])
local usage, demand, weight = {}, {}, {}
local myU, myD, myWorkers = nil, 0, 1
for i = 1, #entries, 2 do
  local id = entries[i]
  local ew, eu, eut, ed, es = string.match(entries[i + 1], '([^,]+),([^,]+),([^,]+),([^,]+),([^,]+)')
  ew, eu, eut, ed, es = tonumber(ew), tonumber(eu), tonumber(eut), tonumber(ed), tonumber(es)
  if now - es > entryTtl then
    redis.call('HDEL', KEYS[2], id)
  else
    local ej = string.match(id, '^([^|]*)|')
    eu = eu * math.exp(-math.max(0, now - eut) / TAU)
    if id == me then
      myU, myD = eu, ed
    else
      usage[ej] = (usage[ej] or 0) + eu
      if ed > now then demand[ej] = true end
      weight[ej] = ew
      if ej == job then myWorkers = myWorkers + 1 end
    end
  end
end
weight[job] = w
local sumW = 0
for _, ew in pairs(weight) do sumW = sumW + ew end
if myU == nil then
  -- A newcomer starts level with the least-served job there: no head start, no debt.
  local least = nil
  for j, u in pairs(usage) do
    if j ~= job then
      local n = u / weight[j]
      if least == nil or n < least then least = n end
    end
  end
  myU = (least or 0) * w / myWorkers
end
local jobU = (usage[job] or 0) + myU

local granted, wait = 0, 0
if wr > 0 or wt > 0 then
  local needR, needT = math.min(wr, rc), math.min(wt, tc)
  -- A call may be booked up to HORIZON ahead: granted now, sent when the bucket has refilled for
  -- it (the wait returned), so a waiting job asks once per call instead of polling.
  local hR, hT = rr * HORIZON / 1000, tr * HORIZON / 1000
  if pause > now then
    wait = pause - now
  else
    local waitR = (rr > 0 and rl - needR < -hR) and (needR - hR - rl) / rr * 1000 or 0
    local waitT = (tr > 0 and tl - needT < -hT) and (needT - hT - tl) / tr * 1000 or 0
    wait = math.max(waitR, waitT)
    if wait <= 0 then
      local cost = (rr > 0 and wr / rr or 0) + (tr > 0 and wt / tr or 0)
      -- Fair: no job that wants more (waits, or was refused lately) is behind this one, per weight.
      local mine = jobU / w
      local fair = true
      for j, _ in pairs(demand) do
        if j ~= job and mine > usage[j] / weight[j] + SLACK then fair = false end
      end
      if fair then
        if rr > 0 then rl = rl - wr end
        if tr > 0 then tl = tl - wt end
        myU = myU + cost
        granted = 1
        local delayR = (rr > 0 and rl < 0) and -rl / rr * 1000 or 0
        local delayT = (tr > 0 and tl < 0) and -tl / tr * 1000 or 0
        wait = math.max(delayR, delayT)
      else
        wait = math.max(1, cost * 1000)
      end
    end
  end
  if granted == 0 or wait > 0 then myD = now + wait + GRACE end
end

redis.call('HSET', KEYS[1], 'rl', rl, 'tl', tl, 't', now, 'pause', pause, 'rpm', rpm, 'tpm', tpm)
redis.call('PEXPIRE', KEYS[1], bucketTtl)
redis.call('HSET', KEYS[2], me, string.format('%.17g,%.17g,%.17g,%.17g,%.17g', w, myU, now, myD, now))
redis.call('PEXPIRE', KEYS[2], bucketTtl)
return {granted, math.floor(wait * 1000), math.floor(math.max(0, pause - now)), rpm, tpm,
  math.floor(w / sumW / myWorkers * 1000000), existed and 1 or 0}
