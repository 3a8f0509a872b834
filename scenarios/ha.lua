-- ha: a host dies and HA restarts its VMs by priority; admission control; isolation
--
-- vSphere HA (FDM, 5.0 and later) on four hosts: the master's election,
-- a host failure detected on the published timeline, its VMs restarted
-- elsewhere in priority order, admission control refusing a power-on
-- with its arithmetic, and an isolated host under each isolation
-- response, down to two copies of one VM fighting over its disk.
-- Sources: docs/ha.md.
--
-- Play it:  ringside ha            ringside --headless ha

say([[The course text: "VMware HA, with restart sequencing of VMs"; "in the
event of a server failure in the cluster, the VMs will be restarted on
the remaining hosts and brought back online within minutes". HA does not
move running VMs: a VM whose host dies has lost its memory, and HA boots
it again on another host from its disk on the shared datastore.]])

local c = cluster{name="prod", shared_datastore="san0"}
local h = {}
for i = 1, 4 do
  h[i] = c:add_host{name="esx" .. i, cpus=4, mhz=2500, mem_mb=16384}
end
local function vm(name, host, prio, iso, mhz)
  return c:add_vm{name=name, host=host, mem_mb=1024, cpu_mhz=mhz or 1000,
                  reservation_mhz=500, reservation_mb=512,
                  restart_priority=prio, isolation_response=iso or "leave-on"}
end
local dc   = vm("dc",   h[1], "highest")
local db   = vm("db",   h[1], "high")
local app  = vm("app",  h[1], "medium")
local web  = vm("web",  h[1], "low")
local test = vm("test", h[1], "disabled")
-- a live VM, a real guest kernel: HA will boot it again after the failure
local mon  = c:add_vm{name="monitor", host=h[1], guest="timer", mem_mb=32,
                      restart_priority="highest"}
tui("view cluster")	-- in the TUI: the hosts, DRS and HA's timeline

expect(c:ha{enabled=true, admission="slots", host_failures=1}, "HA on")
run{seconds=20}
local m = first{kind="ha", action="master"}
expect_eq(m.host, "esx4", "esx4 is the master")
say([[HA is on. Every host runs an agent; they elected a master %d s later
by the published rule: the host that sees the most datastores, then the
highest managed object id compared as text. All four see one datastore,
and vCenter numbered them host-10 .. host-13, so esx4 (host-13) won. The
master and the slaves send each other a heartbeat every second, and
each host also writes heartbeats on the datastore.]], m.t_ns // 1000000000)

local s = c:ha_slots()
say([[Admission control keeps room to restart the VMs of one failed host. A
slot is the largest CPU reservation (%d MHz) by the largest memory
reservation plus its overhead (%d MB). Each host holds %d slots, %d in
all; the %d of the largest host are held back, %d are usable, %d are in
use: %d available.]], s.slot_cpu_mhz, s.slot_mem_mb, s.per_host.esx1, s.total,
    s.total - s.usable, s.usable, s.used, s.available)
local big = c:add_vm{name="big", host=h[4], mem_mb=4096, cpu_mhz=2000,
                     reservation_mhz=8000, powered_off=true}
local ok, why = ha_power_on(big)
expect(not ok, "big's power-on is refused")
say([[big reserves 8,000 MHz. Powering it on would make every slot 8,000 MHz
wide:

  %s]], why)
pause()

local t0 = now_ns()
local function at(e) return (e.t_ns - t0) / 1e9 end
expect(fail_host(h[1]), "esx1 fails")
run{until_event="ha", match={action="dead"}, seconds=60}
run{seconds=20}
local d = first{kind="ha", action="dead"}
expect_eq(at(d), 18, "esx1 declared dead at T18")
local order = {}
for e in events{kind="ha", action="restart"} do
  order[#order + 1] = string.format("  T+%.0f s  %s (%s) on %s", at(e), e.cvm, e.priority, e.other)
end
expect_eq(#order, 5, "five VMs restarted; test (disabled) is not")
expect_eq(first{kind="ha", action="restart"}.cvm, "dc", "highest first")
expect_eq(last{kind="ha", action="restart"}.cvm, "web", "lowest last")
for _, v in ipairs({dc, mon, db, app, web}) do
  expect(v.state == "on" and v.host.name ~= "esx1", v.name .. " runs again")
end
expect_eq(test.state, "off", "test stays off")
say([[esx1 failed at T0. The master missed its heartbeats, watched its
datastore heartbeats from T3, declared it unreachable at T10 and pinged
it for 5 s; with no datastore heartbeat either, esx1 was declared dead at
T%d. Then the restarts, highest priority first, each priority waiting
until the one before is powered on:

%s

monitor, a live VM, booted again from its kernel on its new host: what
was in its memory is gone. test's restart priority is "disabled": it
stays off.]], math.floor(at(d)),
    table.concat(order, "\n"))
pause()

expect(restore_host(h[1]), "esx1 is back")
say([[Now esx2 loses its management network (its storage still works). It
runs three VMs with three isolation responses.]])
local keep = vm("keep", h[2], "medium", "leave-on")
local stop = vm("stop", h[2], "medium", "power-off")
local shut = vm("shut", h[2], "medium", "shutdown")
t0 = now_ns()
expect(isolate_host(h[2]), "esx2 isolated")
run{seconds=100}
local iso = first{kind="ha", action="isolated", host="esx2"}
local alive = first{kind="ha", action="alive-elsewhere", host="esx2"}
expect_eq(at(iso), 30, "esx2 declared itself isolated at T30")
expect_eq(at(alive), 18, "the master sees it alive at T18")
local resp = first{kind="ha", action="restart", cvm="stop"}
expect_eq(at(resp), 60, "stop restarted at T60")
expect_eq(keep.host.name, "esx2", "keep still runs on esx2")
expect_eq(shut.host.name ~= "esx2" and 1 or 0, 1, "shut restarted after its guest shut down")
say([[esx2 heard no agent: at T10 it started an election, at T25 it elected
itself and pinged its isolation address, at T30 it declared itself
isolated. The master, meanwhile, saw its datastore heartbeats go on: not
dead, so nothing restarted yet. At T60 (30 s later) esx2 applied each
VM's isolation response: "keep" stays on; "stop" was powered off and
the master restarted it at once (T%d); "shut" was shut down by its guest
and restarted when it was off.]], math.floor(at(resp)))
expect(restore_host(h[2]), "esx2 back")
pause()

say([[Last, the dangerous case: esx3 loses its network AND its storage (iSCSI
over the same switches), running "solo" with "leave powered on".]])
local solo = vm("solo", h[3], "high", "leave-on")
t0 = now_ns()
expect(isolate_host(h[3], {storage=true}), "esx3 isolated, storage too")
run{seconds=60}
local dead3 = first{kind="ha", action="dead", host="esx3"}
expect_eq(at(dead3), 18, "no datastore heartbeat: esx3 dead at T18")
expect(solo.host.name ~= "esx3", "solo restarted elsewhere")
expect(restore_host(h[3]), "esx3 back")
local lost = first{kind="ha", action="lock-lost", cvm="solo"}
expect(lost ~= nil, "the copy on esx3 lost its lock and was killed")
say([[Without datastore heartbeats the master could not tell isolated from
dead: at T18 it declared esx3 dead and restarted solo on %s. But solo had
never stopped on esx3: two copies ran, one of them unable to write its
disk. VMFS gives a disk's lock to one host, which must keep renewing it;
esx3 could not, so the lock went to the new copy. When esx3's network
came back, its copy found the lock gone and was killed (and so were the
old copies of every other VM esx3 ran: %d in all). With "power off" or
"shut down" there would never have been two.]], solo.host.name,
    count{kind="ha", action="lock-lost"})
