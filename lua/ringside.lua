-- ringside.lua: helpers every scenario can use, written in Lua on top of
-- the C API (events, expect, say).  ringside loads it before each
-- scenario, so its functions are simply there; docs/scenario-api.md
-- lists them with the rest of the API.

-- pairs(t), in a fixed order: numbers ascending, then strings, then the
-- rest.  Lua's own order depends on a hash seed that changes from run to
-- run, and a scenario must do the same thing every time it is played
-- (golden traces compare whole runs).  next() is still Lua's own.
local lua_pairs = pairs
local rank = { number = 1, string = 2, boolean = 3 }

local function before(a, b)
  local ra, rb = rank[type(a)] or 4, rank[type(b)] or 4
  if ra ~= rb then return ra < rb end
  if ra == 3 then return (not a) and b end
  if ra == 4 then return false end
  return a < b
end

function pairs(t)
  local mt = getmetatable(t)
  if type(mt) == "table" and mt.__pairs then return lua_pairs(t) end
  local keys = {}
  for k in next, t do keys[#keys + 1] = k end
  table.sort(keys, before)
  local i = 0
  return function()
    i = i + 1
    local k = keys[i]
    if k ~= nil then return k, t[k] end
  end, t, nil
end

-- count{kind="trap", action="emulated"}: how many such events so far.
function count(filter)
  local n = 0
  for _ in events(filter) do n = n + 1 end
  return n
end

-- first{...}: the oldest matching event (a table), or nil.
function first(filter)
  for e in events(filter) do return e end
  return nil
end

-- last{...}: the newest matching event, or nil.
function last(filter)
  local found = nil
  for e in events(filter) do found = e end
  return found
end

-- contains(text, piece): does text contain piece, taken literally
-- (no Lua patterns: "[ring 3]" means the nine characters it shows)?
function contains(text, piece)
  return string.find(text, piece, 1, true) ~= nil
end

-- expect_eq(actual, expected, what): expect() that shows both values
-- when it fails ("traps: 21 (expected 22)").
function expect_eq(actual, expected, what)
  return expect(actual == expected, string.format("%s: %s (expected %s)",
    what or "value", tostring(actual), tostring(expected)))
end

-- expect_at_least(actual, least, what): expect(actual >= least) likewise.
function expect_at_least(actual, least, what)
  return expect(actual >= least, string.format("%s: %s (expected at least %s)",
    what or "value", tostring(actual), tostring(least)))
end

-- percent(part, whole): 0 to 100, and 0 when whole is 0.
function percent(part, whole)
  if whole == 0 then return 0 end
  return 100 * part / whole
end

-- lines(text): the lines of a text (a VM's serial output), as an array.
function lines(text)
  local out = {}
  for line in string.gmatch(text, "([^\n]*)\n?") do
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

-- course(says, really, ...): where the course text simplifies, its
-- sentence marked as the course's, then what ESX really does, in one
-- narration step, so a student learns both and knows which is which.
-- `really` may be a format for the extra arguments, as say()'s.
function course(says, really, ...)
  return say("[The course text says:] " .. string.gsub(says, "%%", "%%%%") ..
             "\n\n[What ESX really does:] " .. really, ...)
end

-- world_named(h, name): the world of host h called name ("vmm0:vm1").
function world_named(h, name)
  for _, w in ipairs(h.worlds) do
    if w.name == name then return w end
  end
  return nil
end

-- vmotion(vm, host, {bandwidth_mb_s=, downtime_ms=, max_rounds=,
-- auto_converge=}): move a running cluster VM to another host of its
-- cluster.  The guest keeps running while simulated time passes (a
-- player draws each round); returns {ok, error, rounds, mb_per_round,
-- total_mb, total_s, downtime_ms, throttle_pct, converged, stop}.  A move
-- the destination cannot take returns at once, ok=false and error=why.
function vmotion(vm, host, opts)
  local id = vmotion_start(vm, host, opts)
  local r = vmotion_result(vm, id)
  while not r.done do
    run{until_event="cluster"}   -- its next step (a round, the stun...)
    r = vmotion_result(vm, id)
  end
  return r
end

return true
