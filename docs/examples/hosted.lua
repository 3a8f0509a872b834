-- two_kinds: the same guest on a hosted host and on an ESX host
local ws  = host{name="ws", kind="hosted", cpus=1}
local esx = host{name="esx1", kind="esx", cpus=2}
local a = ws:add_vm{name="a", guest="timer", mem_mb=16}
local b = esx:add_vm{name="b", guest="timer", mem_mb=16}
run{seconds=0.01}
print(ws:remote_admin("power off a"))
print(esx:remote_admin("power off b"))
print(esx:logoff())
print(ws:logoff())
print(a.state, a.power_reason, b.state)
print(a:power_on())
print(ws:login())
print(a:power_on())
run{seconds=0.01}
local c = world_named(esx, "console")
print(string.format("esx1 console: pinned to pCPU 0, shares %d, ran %.1f ms",
  c.shares, c.run_ns / 1e6))
