-- drs: DRS balancing a cluster by VMotion, one explained move at a time
--
-- An overloaded host is rebalanced with the published arithmetic (host
-- loads, their standard deviation, the priority formula and the
-- threshold), move by move, each with its reason.  Then rules DRS must
-- keep, a rule already broken fixed first, and maintenance mode emptying
-- a host.  Sources: docs/drs.md.
--
-- Play it:  ringside drs            ringside --headless drs

say([[The course text: "DRS takes VMotion to the next level by using VMotion
to balance the workload evenly across multiple ESX host machines."
VirtualCenter runs DRS on a cluster every five minutes. It looks at how
much CPU each VM is entitled to, adds it up per host, and moves VMs with
VMotion when the hosts are too unevenly loaded.]])

local c = cluster{name="prod", shared_datastore="san0"}
local esx1 = c:add_host{name="esx1", cpus=4, mhz=2500, mem_mb=16384}
local esx2 = c:add_host{name="esx2", cpus=4, mhz=2500, mem_mb=16384}
local esx3 = c:add_host{name="esx3", cpus=4, mhz=2500, mem_mb=16384}
local db    = c:add_vm{name="db",    host=esx1, mem_mb=2048, cpu_mhz=1500, dirty_mb_s=20}
local app   = c:add_vm{name="app",   host=esx1, mem_mb=4096, cpu_mhz=5000, dirty_mb_s=20}
local web   = c:add_vm{name="web",   host=esx2, mem_mb=2048, cpu_mhz=4500, dirty_mb_s=20}
-- a live VM, a real guest kernel, held to 500 MHz by its limit
local mon   = c:add_vm{name="monitor", host=esx2, guest="timer", mem_mb=32, limit_mhz=500}
tui("view cluster")	-- in the TUI: the hosts, the imbalance, the recommendations
local cache = c:add_vm{name="cache", host=esx3, mem_mb=2048, cpu_mhz=3500, dirty_mb_s=20}

local imb, target = c:imbalance()
expect(math.abs(imb - 0.1225) < 0.0001, "imbalance 0.1225 (worked example C)")
say([[Three hosts of 4 x 2,500 MHz = 10,000 MHz each. esx1 runs db (1,500 MHz)
and app (5,000), esx2 web (4,500) and monitor (a real guest, limited to
500), esx3 cache (3,500). Nothing is short of CPU, so each VM is entitled
to what it demands, up to its limit. A host's load is the
sum of its VMs' entitlements over its capacity: 0.65, 0.50 and 0.35.

The imbalance is the standard deviation of those loads: %.4f.
A recommendation's priority is 6 - ceil(imbalance / 0.1 x sqrt(hosts))
= 6 - ceil(%.2f) = 3, and DRS at its default threshold, 3, makes the
recommendations of priority 3 or better: it tolerates an imbalance of
0.1 x (5 - 3) / sqrt(3) = %.4f, and this cluster is above it.]],
    imb, imb / 0.1 * math.sqrt(3), target)
pause()

local recs = drs(c, {threshold=3, automation="manual"})
expect_eq(#recs, 1, "one recommendation")
expect_eq(recs[1].vm.name, "db", "move db")
expect_eq(recs[1].to.name, "esx3", "to esx3")
expect_eq(recs[1].priority, 3, "priority 3")
say([[DRS, set to manual, tries every move the rules allow and keeps the one
that lowers the imbalance most ("goodness" = imbalance before - after),
if it is worth its VMotion (the cost-benefit filter: the copy of the
VM's memory against what the move gains over the next five minutes):

  priority %d: %s

The administrator applies it: a VMotion.]], recs[1].priority, recs[1].reason)
local r = vmotion(recs[1].vm, recs[1].to)
expect(r.ok, "db moved to esx3")
imb = c:imbalance()
expect(imb < 0.0001, "every host at 0.50")
say([[db moved in %.1f s (%d pre-copy rounds) while it kept running, and every
host is at 0.50: the imbalance is %.4f. A second pass finds nothing to do.]],
    r.total_s, r.rounds, imb)
expect_eq(#drs(c, {threshold=3}), 0, "balanced: no recommendation")
pause()

say([[Rules come before balance. web1 and web2 are the two halves of a
replicated web tier: an anti-affinity rule keeps them on different hosts,
so one host failure cannot take both. Both were started on esx2.]])
local web1 = c:add_vm{name="web1", host=esx2, mem_mb=1024, cpu_mhz=500, dirty_mb_s=10}
local web2 = c:add_vm{name="web2", host=esx2, mem_mb=1024, cpu_mhz=500, dirty_mb_s=10}
expect(c:drs_rule{name="web-split", kind="apart", vms={web1, web2}}, "rule web-split")
recs = drs(c, {threshold=1, automation="manual"})
expect_eq(recs[1].priority, 1, "a broken rule is priority 1")
expect_eq(recs[1].why, "rule", "fixing a rule")
expect_eq(recs[1].vm.name, "web2", "web2 moves")
say([[At threshold 1 DRS makes only mandatory moves, and a broken rule is one:

  priority 1: %s]], recs[1].reason)
r = vmotion(recs[1].vm, recs[1].to)
expect(r.ok and web2.host.name ~= "esx2", "web1 and web2 apart")
recs = drs(c, {threshold=5, automation="manual"})
for _, m in ipairs(recs) do
  expect(not (m.vm.name == "web1" and m.to.name == web2.host.name) and
         not (m.vm.name == "web2" and m.to.name == web1.host.name),
         "no move puts web1 and web2 together: " .. m.reason)
end
pause()

say([[Maintenance mode: esx1 needs new memory. Asked to enter maintenance
mode, it takes no more VMs, and DRS moves every VM off it with priority-1
recommendations, carried out by VMotion (fully automated DRS; manual or
partial DRS would only recommend them). esx1 is "entering maintenance
mode" until no powered-on VM is left on it.]])
local moves = enter_maintenance(esx1)
expect_at_least(#moves, 1, "esx1 is being emptied")
expect_eq(esx1.state, "entering-maintenance", "esx1 waits for its VMs")
for _, m in ipairs(moves) do
  if m.why == "maintenance" then print(m.reason) end
end
run{seconds=120}
local left = 0
for _, vm in ipairs(c.vms) do
  if vm.host.name == "esx1" then left = left + 1 end
end
expect_eq(left, 0, "no VM left on esx1")
expect_eq(esx1.state, "maintenance", "esx1 is in maintenance mode")
say([[%d VMs left esx1 while running; it can be powered off and serviced.
When it comes back, DRS's next pass spreads the load onto it again.]], #moves)
expect(exit_maintenance(esx1), "esx1 back")
expect(c:drs{enabled=true, threshold=3, automation="full"}, "DRS fully automated")
run{seconds=360}
imb, target = c:imbalance()
expect(imb <= target, "balanced again by the 5-minute pass")
say([[Fully automated, the pass five minutes later moved VMs back onto esx1:
imbalance %.4f, within the %.4f threshold 3 tolerates.]], imb, target)
