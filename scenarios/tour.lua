-- tour: everything in 10 minutes
--
-- The whole of ringside in one lesson: the four layers of a virtualized
-- machine; direct execution against virtualization; the protection rings
-- and the ring the guest only believes it is in; the instructions that
-- slip past trap-and-emulate; hosted products against ESX; worlds; and a
-- look ahead at the cluster.  Each part has a scenario of its own that goes
-- further (rings, holes, bt, hosted_vs_esx, vmx, worlds).
--
-- Play it:  ringside tour             (the TUI: Space or Enter goes on)
--           ringside --headless tour  (the text, the guest output, the checks)

say([[Welcome to ringside. Everything you will see runs for real: an x86
CPU executes the machine code of small guest operating systems, and a
virtual machine monitor (VMM) decides, instruction by instruction, what
the hardware may run directly and what must be virtualized. Nothing is
drawn from a script: the narration only points at what happens.]])

say([[Four things make a virtualized computer. First the host machine, the
real hardware. Then the virtualization software, which provides and
manages the virtual environment. On top of it run the virtual machines
(VMs) themselves, and inside each VM a guest operating system, installed
on the VM as it would be on a real PC.]])

-- The host machine: real hardware, with ESX as its virtualization software.
local esx = host{name="esx1", kind="esx", cpus=2, mhz=1000, mem_mb=4096}
say([[Here is a host: %s, %d physical CPUs at %d MHz and %d MiB of memory.
Its virtualization software is VMware ESX Server, which is a full
operating system in itself: its kernel, the VMKernel, owns the hardware.]],
    esx.name, esx.cpus, esx.mhz, esx.mem_mb)

-- A VM, and the guest OS inside it: tour.elf, a tiny kernel that walks
-- through every class of instruction and every ring, announcing each step.
local vm = esx:add_vm{name="vm1", guest="tour", mode="te", mem_mb=64}
expect_eq(count{kind="vmx", vm=vm}, 5, "the VMX bootstrapped vm1 in five steps")
expect_eq(vm.state, "on", "vm1 is powered on")
say([[A VM, vm1, now exists on %s, and its guest OS is tour.elf. The VMX,
a helper process of the VM, bootstrapped it in five steps (create its
world, allocate and map memory, load the kernel, create the VMM, start):
look for them in the log. The guest kernel is about to run.]], esx.name)
pause()

-- Deprivileged execution (te): everything up to the first privileged instruction.
local why, trap = run{until_event="trap", vm=vm, animate=4}  -- TUI: its path, hop by hop
local st = vm:stats()
expect(why == "event" and trap.insn == "lgdt", "the first trap is the guest's LGDT")
expect_eq(st.by_path["guest>hardware"], st.insns - 1 - st.io,
          "everything before it ran on the CPU unchanged, except port I/O")
say([[vm1 runs in trap-and-emulate mode (te), the classic VMM of the
textbooks: the guest kernel's own code runs on the CPU, deprivileged to
ring 1, and the VMM waits for it to trap. The guest has run %d
instructions, and %d of them went straight to the hardware. (The others
wrote characters to the serial port, which we will come back to.)]],
    st.insns, st.by_path["guest>hardware"])
course([["Direct execution is used in ESX for all processing calls in the
Protecttion Rings of 1 thru 3 of cpu."]], [[ESX never ran guest kernel
code on the CPU as it is, as vm1 just did: it translated it first (binary
translation, the bt scenario) or, on later CPUs, used VT-x. Only guest
user code, ring 3 with interrupts on, ran directly. Trap-and-emulate, shown
here because it is the model's starting point, cannot be done correctly on
x86: see the holes below.]])

expect(trap.vring == 0 and trap.cpl == 1,
       "the guest believes it is in ring 0; the CPU runs it at CPL 1")
expect_eq(trap.action, "emulated", "LGDT trapped and was emulated")
st = vm:stats()
expect_eq(st.by_path["guest>vmm>vmkernel>vmm>guest"], 0,
          "the VMKernel took no part in it: the VMM emulated LGDT itself")
say([[Then the guest kernel loaded its descriptor table with LGDT, an
instruction only ring 0 may execute. The guest believes it is in ring 0,
but the VMM runs it in ring 1 (CPL %d): the CPU refused and trapped. The
VMM caught the #GP and emulated LGDT on the virtual CPU: %s. Then it
returned to the guest, which never noticed: the VMM fools the guest OS
into thinking its calls are serviced by a real ring 0.]],
    trap.cpl, trap.detail)
course([["In such case, VMM sends instruction to VMKernel and return results
to the guest OS."]], [[the VMM itself emulates privileged instructions on
the virtual CPU (the path guest > VMM > guest), whether it got control by
a trap (te), a callout from translated code (bt) or a VM exit (hw). The
VMKernel is the layer below: it schedules the VMM's worlds, takes the
host's interrupts, owns memory and runs the storage and network stacks.
It takes part in an instruction only when the guest halts: HLT blocks the
vCPU's world until an interrupt.]])
pause()

-- Ring 0 work, until the guest leaves ring 0 for user mode.
local _, ring = run{until_event="ring", vm=vm}
local virtualized = count{kind="trap", vm=vm, action="emulated"}
expect_eq(ring.to, 3, "the guest kernel drops to ring 3")
expect_eq(ring.cpl, 3, "ring 3 runs at real CPL 3: no change needed")
expect_at_least(virtualized, 15, "privileged instructions emulated by the VMM so far")
expect_at_least(count{kind="io", vm=vm, device="serial"}, 100,
                "port accesses sent to the VMX's serial port")
say([[The kernel went on setting up its machine: %d privileged
instructions (LTR, LIDT, CLI, STI, MOV to CR0 and CR3, WRMSR...), each
trapped and emulated by the VMM the same way. Its output went to a serial port:
every IN and OUT was handed to the VMX, which emulates the non-critical
devices (serial and parallel ports, CD-ROM) for its VM.]], virtualized)

say([[Now the kernel has dropped to ring 3, user mode, where processes run.
x86 has four protection rings, privilege levels 0 to 3; ring 3 code has
no privileged work to hide from, so it can run on the CPU as it is.]])
course([["Ring 1 - System services", "Ring 2 - Device drivers"]], [[x86
gives rings 1 and 2 no meaning of their own: naming them so is an
operating-system convention, and Windows and Linux use rings 0 and 3
only. Under binary translation, ESX runs only guest ring 3 (with
interrupts on) directly; guest rings 0 to 2 are translated. And even ring
3 can see the VMM: SGDT, SIDT, SLDT, SMSW and STR do not trap.]])
pause()

-- The rest of the tour: ring 3, back to ring 0, rings 1 and 2.
run{until_event="power", vm=vm}
expect_eq(vm.power_reason, "debug-exit", "the tour guest finished and powered off")
expect(contains(vm:serial(), "tour complete"), "it printed 'tour complete'")
local cli3 = first{kind="trap", vm=vm, action="reflected"}
expect(cli3 ~= nil and cli3.insn == "cli" and cli3.vring == 3,
       "CLI at ring 3 faulted, and the fault went to the guest's own handler")
expect(first{kind="ring", vm=vm, to=1} ~= nil, "the guest visited ring 1")
expect(first{kind="ring", vm=vm, to=2} ~= nil, "the guest visited ring 2")
st = vm:stats()
say([[The tour went on in user mode: a system call (INT 0x80) back into the
kernel, and a CLI tried at ring 3. That CLI faults on real hardware too,
so the VMM did not virtualize it: it reflected the fault into the guest's
own handler, exactly as a real CPU would. Then the kernel visited ring 1
and ring 2. In all, %d instructions: %.1f%% ran on the CPU unchanged
(under te the deprivileged kernel's too), %d trapped and the VMM emulated
them, and the VMKernel came in %d times, for the guest's HLTs.]],
    st.insns, percent(st.by_path["guest>hardware"], st.insns), st.traps,
    st.by_path["guest>vmm>vmkernel>vmm>guest"])
pause()

-- The holes: sensitive instructions that do not trap.
local te = esx:add_vm{name="holes-te", guest="holes", mode="te", mem_mb=16}
local bt = esx:add_vm{name="holes-bt", guest="holes", mode="bt", mem_mb=16}
run{until_event="power", vm=te}
run{until_event="power", vm=bt}
local function line_of(v, probe)
  for _, l in ipairs(lines(v:serial())) do
    if l:sub(1, #probe + 1) == probe .. ":" then return l end
  end
  return "?"
end
expect(contains(line_of(te, "sgdt"), "base=ffc00000"),
       "under trap-and-emulate, SGDT shows the VMM's table, not the guest's")
expect(contains(line_of(bt, "sgdt"), "base=00101000"),
       "under binary translation, SGDT shows the guest's own table")
expect_eq(count{kind="trap", vm=te, insn="sgdt"}, 0, "SGDT never trapped")
say([[Trap-and-emulate has holes. Some x86 instructions read privileged
state without being privileged, so they never trap: SGDT tells where the
descriptor table is. Under trap-and-emulate the guest asked and got the
VMM's table instead of its own:
    %s
Binary translation, what ESX really used for guest kernel code, rewrites
such instructions before they run:
    %s
The holes scenario shows them (Robin and Irvine counted seventeen
instructions, eighteen mnemonics) under te, bt and hardware assist.]],
    line_of(te, "sgdt"), line_of(bt, "sgdt"))
pause()

-- Hosted against bare metal.
local laptop = host{name="laptop", kind="hosted", cpus=1}
local ws = laptop:add_vm{name="ws-vm", guest="bench", mem_mb=16}
run{insns=200000}
local ok = logoff(laptop)
expect(ok and ws.state == "off" and ws.power_reason == "logoff",
       "logging off the hosted laptop powered its VM off")
local refused = not logoff(esx)
expect(refused, "an ESX host has no user session to log off")
say([[VMware Workstation and VMware Server install onto an existing
operating system. On the hosted laptop, running Workstation, the user
just logged off: the session ended and the VM ended with it (reason: %s).
Workstation has no remote administration either. ESX is its own
operating system: nothing depends on who is logged in.]],
    ws.power_reason)
course([["VMs can only run while your are logged into your host workstation
and log off and the VMs shutdown"; "Also there are no remote
administration capabilities for the VMs".]],
[[that is true of Workstation. VMware Server (GSX Server before it) ran
its VMs as a service of the host OS, so they kept running after log-off,
and it had a remote console and a management interface. The
hosted_vs_esx scenario compares them properly.]])
pause()

-- Worlds: what the VMKernel schedules.
local names = {}
for _, w in ipairs(esx.worlds) do names[#names + 1] = w.name end
expect(world_named(esx, "console") ~= nil, "ESX runs a service console world")
expect(world_named(esx, "vmm0:vm1") ~= nil and world_named(esx, "vmx:vm1") ~= nil,
       "vm1 has a VMM world for its vCPU and a VMX world")
say([[What the VMKernel schedules on the physical CPUs are worlds:
%s.
Each VM has one VMM world per virtual CPU (the VMM's thread for that
vCPU), a VMX world (a user world: the VMX process), and an MKS world for
its remote console. The service console is a high-priority VM shipped
with ESX, through which tools manage the VMKernel. The worlds scenario
puts them under load.]], table.concat(names, ", "))
pause()

say([[Hosts like %s rarely work alone. ESX used with VirtualCenter lets
you manage the load on your systems by moving a VM to any host of a
cluster without downtime, and when a server fails, its VMs are restarted
on the remaining hosts and back online within minutes. VMware
Infrastructure 3 is the suite of tools that, along with ESX Server 3,
provides this:]], esx.name)

say([[VMotion shifts a running VM, whose disks are on shared storage, from
one host server to another in real time, with no impact on its guest
operating system: ESX Server 1 moves a VM to ESX Server 2, transparently
and with no downtime (VirtualCenter is required). DRS, distributed
resource scheduling, takes VMotion to the next level and uses it to
balance the workload evenly across several ESX hosts. HA restarts the
VMs of a failed host, in sequence. Consolidated Backup (VCB), a separate
component on a separate machine, takes periodic automated backups of
snapshots of the VMs' state. Those are the next lessons.]])

-- A VMotion stop: two hosts on a shared datastore, one VM moved live.
local prod = cluster{name="prod", shared_datastore="san0"}
local a = prod:add_host{name="esx-a"}
local b = prod:add_host{name="esx-b"}
local web = prod:add_vm{name="web", host=a, mem_mb=1024, cpu_mhz=500, dirty_mb_s=32}
local moved = vmotion(web, b, {bandwidth_mb_s=128, downtime_ms=300})
expect(moved.ok and moved.converged, "web moved from esx-a to esx-b")
expect_eq(web.host.name, "esx-b", "web runs on esx-b")
say([[Here is VMotion at work on a small cluster: web, a VM with 1 GiB of
memory that dirties 32 MiB/s, moved from esx-a to esx-b over a 128 MiB/s
link while it runs. Round 0 sent all %.0f MiB; each next round sent only
what the guest had dirtied meanwhile (%.0f, then %.0f MiB); then the VM
was stunned for %.0f ms while the last %.0f MiB and its CPU state went
across, and it resumed on esx-b. The vmotion scenario moves a real guest
and shows when it cannot converge.]], moved.mb_per_round[1],
    moved.mb_per_round[2], moved.mb_per_round[3], moved.downtime_ms,
    moved.total_mb - moved.mb_per_round[1] - moved.mb_per_round[2] - moved.mb_per_round[3])
pause()

-- A DRS and HA stop: a third host joins, DRS balances, then a host fails.
local c = prod:add_host{name="esx-c"}
local db = prod:add_vm{name="db", host=a, mem_mb=1024, cpu_mhz=1500, dirty_mb_s=16,
                       restart_priority="high"}
local app = prod:add_vm{name="app", host=a, mem_mb=1024, cpu_mhz=1200, dirty_mb_s=16}
local before = prod:imbalance()
local recs = drs(prod, {threshold=3, automation="full"})
expect_at_least(#recs, 1, "DRS recommends a move")
run{seconds=60}
local imb, target = prod:imbalance()
expect(imb < before, "DRS lowered the imbalance")
say([[DRS: with db and app added to esx-a, the hosts' loads (the CPU their
VMs are entitled to, over their capacity) were uneven; DRS's first
recommendation, carried out by VMotion:
  priority %d: %s
The imbalance (the standard deviation of the loads) went from %.3f to
%.3f (its threshold tolerates %.3f; with three VMs, no placement does
better). The drs scenario goes through it move by move, with rules and
maintenance mode.]], recs[1].priority, recs[1].reason, before, imb, target)
expect(prod:ha{enabled=true, admission="off"}, "HA on")
run{seconds=20}
local victim = db.host
local t_fail = now()
expect(fail_host(victim), victim.name .. " fails")
run{seconds=40}
expect(db.state == "on" and db.host ~= victim, "HA restarted db elsewhere")
local dead = first{kind="ha", action="dead"}
local was_master = first{kind="ha", action="master"}.host == victim.name
local how = was_master and string.format(
  "it was HA's master: the others noticed at T10, elected %s at T25, and the new master declared %s dead at T%.0f",
  dead.other, victim.name, dead.t_ns / 1e9 - t_fail) or string.format(
  "the master missed its network and datastore heartbeats and declared it dead at T%.0f",
  dead.t_ns / 1e9 - t_fail)
say([[HA: %s failed; %s. db (restart priority high) was then powered on
again on %s, booting from its disk on the shared datastore. The ha
scenario shows the whole timeline, admission control and isolation.]],
    victim.name, how, db.host.name)
pause()

say([[That was the quick start. Virtualization goes far beyond it, and so
does ringside: each part of this tour has a scenario of its own
(ringside --list), and every guest can be stepped instruction by
instruction in the TUI.]])
