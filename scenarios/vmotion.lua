-- vmotion: moving a running VM to another host, and when it cannot be done
--
-- A cluster of ESX hosts on a shared datastore.  A live guest that keeps
-- rewriting its memory is moved in the middle of its run: pre-copy rounds
-- while it runs, a stun of a few milliseconds, and it carries on on the
-- other host, its output without a gap.  Then a VM that dirties memory
-- faster than the link sends it, without and with auto-converge.  Then
-- moves VMotion refuses, and why.  Sources: docs/vmotion.md.
--
-- Play it:  ringside vmotion             (the TUI; the Cluster view shows the rounds)
--           ringside --headless vmotion

say([[A cluster is a set of ESX hosts that VirtualCenter manages together.
What makes them one is what they share: a datastore (a SAN LUN with
VMFS) that every host mounts, where the VMs' disk files live, and a VM
network of the same name on every host. Because of the shared disk,
moving a running VM only means moving its memory and its CPU and device
state: that is VMotion.]])

local c = cluster{name="prod", shared_datastore="san0"}
local esx1 = c:add_host{name="esx1", cpus=2, cpu_model="xeon-5500", local_datastore="esx1-local"}
local esx2 = c:add_host{name="esx2", cpus=2, cpu_model="xeon-5500"}
local esx3 = c:add_host{name="esx3", cpus=2, cpu_model="xeon-5100"}
local app = c:add_vm{name="app", host=esx1, guest="dirty", mode="bt", mem_mb=32}
expect_eq(app.datastore, "san0", "app's disk is on the shared datastore")

run{seconds=0.02}
local before = #lines(app:serial())
say([[app runs a real guest on esx1: pass after pass it rewrites 4 MiB of its
32 MiB and prints a checksum that depends on every write before it. It has
printed %d lines so far. Now VMotion moves it to esx2 while it runs, over
a 1000 MiB/s link, with a downtime limit of 2 ms.]], before)
pause()

tui("view cluster")   -- the TUI shows the hosts and the migration
-- vmotion() would do all of it at once; here each step is narrated
local id = vmotion_start(app, esx2, {bandwidth_mb_s=1000, downtime_ms=2})
local steps = {
  ["precopy-round"] = "Round %d sent %.2f MiB while the guest ran; it dirtied %.2f MiB meanwhile.",
  ["stun"] = "Stun: what is left, %.2f MiB, fits the downtime limit; app stops on esx1.",
  ["resume"] = "Resume: app runs on esx2, from its very next instruction.",
}
repeat
  local since = mark()
  run{until_event="cluster"}
  for e in events{kind="cluster", since=since} do
    if e.action == "precopy-round" then
      say(steps[e.action], e.round, e.pages / 256, e.left / 256)
    elseif e.action == "stun" then
      say(steps[e.action], e.left / 256)
    elseif e.action == "resume" then
      say(steps[e.action])
    end
  end
until vmotion_result(app, id).done
local r = vmotion_result(app, id)
expect(r.ok and r.converged, "app moved to esx2, pre-copy converged")
expect_eq(app.host.name, "esx2", "app now runs on esx2")
expect_at_least(r.rounds, 2, "pre-copy rounds")
expect_eq(r.mb_per_round[1], 32, "round 0 sent all of its memory")
local during = #lines(app:serial()) - before
say([[Round 0 sent all 32 MiB while the guest kept running (it printed %d
more lines meanwhile). Every page it wrote during a round was traced (the
first write to each page faults into the VMM, which marks it), and the
next round sent only those: %s MiB. When what was left could go within
the limit, esx1 stunned the VM, sent the last pages with the vCPU's
registers and the devices' state (the switch-over: %.2f ms of downtime),
and esx2 resumed it at its very next instruction. esx2 then sent a RARP
from the VM's MAC address, so the physical switches learn its new port.
%d rounds, %.1f MiB in all, %.3f s.]], during,
    table.concat((function()
      local t = {}
      for i = 2, #r.mb_per_round do t[#t + 1] = string.format("%.2f", r.mb_per_round[i]) end
      return t
    end)(), ", "), r.downtime_ms, r.rounds, r.total_mb, r.total_s)

run{until_event="power", vm=app.vm}
local out = lines(app:serial())
local gap = false
for i = 0, 23 do
  if out[i + 2] == nil or not contains(out[i + 2], "pass " .. i .. ":") then gap = true end
end
expect(not gap, "every pass printed, in order, none missing or repeated")
expect_eq(out[#out], "dirty: done", "the guest finished on esx2")
say([[The guest ran to its end on esx2. Its 24 checksum lines are all
there, in order: the same lines it prints when it is never moved, and on
QEMU (the unit tests compare them in all three execution modes, with the
same instruction count). No instruction was lost or repeated.]])
pause()

say([[Pre-copy converges only if the guest dirties memory more slowly than
the link sends it. Round i sends M x l^i, with l = dirty rate / bandwidth.
db below has 1 GiB and dirties 150 MiB/s; the link sends 100 MiB/s: l is
1.5, and every round sends all of its memory again.]])
local db = c:add_vm{name="db", host=esx1, mem_mb=1024, cpu_mhz=800, dirty_mb_s=150}
local slow = vmotion(db, esx2, {bandwidth_mb_s=100})
expect(slow.ok and not slow.converged, "db moved without converging")
expect_eq(slow.stop, "max-data", "pre-copy gave up after sending 3 x its memory")
expect_eq(slow.rounds, 4, "four rounds of 1024 MiB")
say([[After %d rounds of 1024 MiB, more than 3 times its memory had been
sent (Xen's cap; QEMU would go on for ever), so the rest went with the VM
stopped: %.0f ms of downtime, far above the 300 ms limit. Users notice.]],
    slow.rounds, slow.downtime_ms)

local fast = vmotion(db, esx1, {bandwidth_mb_s=100, auto_converge=true, max_rounds=60})
expect(fast.ok and fast.converged, "with auto-converge db converged")
expect_at_least(fast.throttle_pct, 20, "the guest was throttled")
say([[Back again with auto-converge (QEMU's; vSphere 5's Stun During Page
Send is the same idea): each second round that dirtied more than half of
what it sent slows the guest's vCPUs more, 20%%, 30%%... Here the throttle
reached %d%% and pre-copy converged after %d rounds: %.1f ms of downtime.
The guest ran slower for a while instead of stopping for seconds.]],
    fast.throttle_pct, fast.rounds, fast.downtime_ms)
pause()

say([[VMotion checks the destination before anything moves.]])
local old = vmotion(app, esx3)
expect(not old.ok and contains(old.error, "sse4.1"), "refused: esx3's CPU lacks SSE4.1")
local loc = c:add_vm{name="scratch", host=esx1, mem_mb=256, cpu_mhz=100, datastore="esx1-local"}
local nodisk = vmotion(loc, esx2)
expect(not nodisk.ok and contains(nodisk.error, "esx1-local"), "refused: its disk is local to esx1")
say([[app to esx3: %s.

scratch to esx2: %s.

Neither VM moved: a refused VMotion changes nothing.]], old.error, nodisk.error)
expect_eq(app.host.name, "esx2", "app is still on esx2")
