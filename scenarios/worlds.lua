-- worlds: a VMM per VM, a world per vCPU, %RDY under contention
--
-- What the VMKernel schedules: worlds.  The scenario lists them on an ESX
-- host, then puts two busy VMs on one physical CPU and reads esxtop's
-- counters (%RUN, %RDY) from the worlds' times; gives one VM twice the
-- shares of the other; and lets a guest that sleeps in HLT show %IDLE.

say([[ESX Server is made up of two core components. The VMKernel is the
hypervisor, the real guts of ESX: it owns the CPUs and the memory and
schedules everything that runs. The service console is really just a
high-priority VM, shipped with ESX, through which tools interact with
the VMKernel and manage its configuration.]])

local esx = host{name="esx1", kind="esx", cpus=2, mhz=1000}
local web = esx:add_vm{name="web", guest="timer", vcpus=2, mem_mb=32}
local names = {}
for _, w in ipairs(esx.worlds) do names[#names + 1] = w.name end
expect(world_named(esx, "idle0") and world_named(esx, "idle1"), "an idle world per physical CPU")
expect(world_named(esx, "console") ~= nil, "the service console's world")
expect(world_named(esx, "vmm0:web") and world_named(esx, "vmm1:web"),
       "one VMM world per virtual CPU of web")
expect(world_named(esx, "vmx:web") and world_named(esx, "mks:web"),
       "web's VMX and MKS worlds")
say([[What the VMKernel schedules are worlds, threads of a kind. Here are
those of esx1, with one VM, web, which has 2 virtual CPUs:
    %s
An idle world per physical CPU; the service console; and for web a VMX
world (the VMX process), an MKS world (mouse, keyboard, screen: its remote
console), and the VMM: one VMM per VM, and inside it a world per
virtual CPU: vmm0:web and vmm1:web.]], table.concat(names, ", "))
course([["there is Virtual Machine Monitor(VMM) which acts as traffic cop
between VM and VmKernel"]], [[the VMM does not pass the VM's work on to
the VMKernel: it runs the virtual CPU itself (translating or emulating
what the guest kernel does) and emulates the PIC, the PIT and the disk
and network controllers. The VMKernel schedules the VMM's worlds on the
physical CPUs and does the host-wide work: memory, storage, network.]])
tui("view worlds")	-- in the TUI: the esxtop-like table, live
pause()

-- Contention: two busy VMs, one physical CPU.
local busy = host{name="esx2", kind="esx", cpus=1, mhz=1000}
local a = busy:add_vm{name="a", guest="bench", mem_mb=16}
local b = busy:add_vm{name="b", guest="bench", mem_mb=16}
local t0 = now_ns()
run{seconds=0.1}
-- A VM's vCPU 0: the share of the time since `since` it spent in a state.
local function pct(vm, field, since)
  return percent(world_named(vm.host, "vmm0:" .. vm.name)[field], now_ns() - since)
end
local ra, rb = pct(a, "ready_ns", t0), pct(b, "ready_ns", t0)
local ua, ub = pct(a, "run_ns", t0), pct(b, "run_ns", t0)
expect(ra > 35 and ra < 65 and rb > 35 and rb < 65,
       string.format("each busy vCPU waited for the CPU about half the time (%%RDY %.0f and %.0f)", ra, rb))
expect(math.abs(ua - ub) < 10, "with equal shares they got about the same CPU time")
say([[Now esx2: one physical CPU, and two VMs, a and b, whose guests never
rest (a tight loop). Only one vCPU can run at a time, so the other is
ready but waiting: esxtop calls that time %%RDY. Over 0.1 simulated
seconds: a ran %.0f%% of the time and was ready %.0f%%; b ran %.0f%% and
was ready %.0f%%. (The rest went to their VMX worlds, which emulate their
devices.) A high %%RDY is how an administrator sees a host with more
demand than CPUs.]], ua, ra, ub, rb)
pause()

power_off(a)
power_off(b)

-- Shares: c gets twice d's.
local fair = host{name="esx4", kind="esx", cpus=1, mhz=1000}
local c = fair:add_vm{name="c", guest="bench", mem_mb=16}
local d = fair:add_vm{name="d", guest="bench", mem_mb=16}
c:set_shares(2000)
d:set_shares(1000)
local t1 = now_ns()
run{seconds=0.1}
local sc, sd = pct(c, "run_ns", t1), pct(d, "run_ns", t1)
expect(sc / sd > 1.6 and sc / sd < 2.5,
       string.format("with shares 2000:1000, c got about twice d's CPU (%.0f%% and %.0f%%)", sc, sd))
say([[The VMKernel shares a CPU in proportion to each world's shares. On
esx4, two more busy VMs: c with 2000 shares, d with the normal 1000. Over
0.1 seconds c ran %.0f%% of the time and d %.0f%%, close to 2:1.
Reservations (a guaranteed minimum, in MHz) and limits (a maximum) work
alongside shares.]], sc, sd)
pause()

power_off(c)
power_off(d)

-- A guest that sleeps: %IDLE.
local quiet = host{name="esx3", kind="esx", cpus=1, mhz=1000}
local clock = quiet:add_vm{name="clock", guest="timer", mem_mb=16}
run{until_event="power", vm=clock}
local w = world_named(quiet, "vmm0:clock")
local life = w.run_ns + w.ready_ns + w.wait_ns
expect(contains(clock:serial(), "tick 50"), "the clock guest counted its 50 ticks")
expect(percent(w.idle_ns, life) > 50, "its vCPU spent most of its life halted (%IDLE)")
say([[Last, esx3 runs a guest that mostly sleeps: between timer ticks it
executes HLT. The VMM does not spin a physical CPU for it: the vCPU's
world waits until its next virtual interrupt is due, and the VMKernel
runs something else (here, the idle world). Its vmm0 world ran %.1f%% of
its life and was halted %.1f%% (esxtop's %%IDLE).]],
    percent(w.run_ns, life), percent(w.idle_ns, life))
