-- smp: a 2-vCPU VM: a VMM world per vCPU, IPIs, %RDY, co-scheduling (%CSTP)
--
-- "There is one VMM process per VM and within a VMM process there is one
-- thread per virtual CPU configured for that VM."  The scenario boots the
-- SMP guest (scenarios/guests/smp.S) with 2 vCPUs: the BSP starts the AP
-- with INIT-SIPI-SIPI through its local APIC, both count under a spin
-- lock, and the BSP sends the AP an IPI.  First on a host with two
-- physical CPUs, where both VMM worlds run at the same time; then on a
-- host with one, where they take turns and each waits, ready, while the
-- other runs (%RDY); last with the BSP polling a device while the AP
-- spins, where the VMKernel co-stops the AP (%CSTP: vmkernel_cosched.c).

say([[In ESX a VM has one VMM, and inside it a world (a thread the
VMKernel schedules) per virtual CPU. Each virtual CPU has its own local
APIC, which the VMM emulates: a guest starts its other processors and
signals them with inter-processor interrupts (IPIs) written to it.]])

local function boot(h, name, append)
  local vm = h:add_vm{name=name, guest="smp", vcpus=2, mem_mb=16, append=append}
  local t0 = now_ns()
  run{until_event="power", vm=vm}
  return vm, now_ns() - t0
end

local two = host{name="esx1", kind="esx", cpus=2, mhz=1000}
local a, ta = boot(two, "a")
local a0, a1 = world_named(two, "vmm0:a"), world_named(two, "vmm1:a")
expect(a0 ~= nil and a1 ~= nil, "one VMM world per virtual CPU: vmm0:a and vmm1:a")
expect(contains(a:serial(), "cpu 1: apic id 1"), "the AP started (INIT, SIPI) and said its APIC ID")
expect(contains(a:serial(), "count: 2000"), "both CPUs counted to 1000 under the spin lock")
expect(contains(a:serial(), "cpu 1: ipi 0x40"), "the AP took the BSP's IPI out of HLT")
expect(a0.run_ns > 0 and a1.run_ns > 0, "both worlds ran")
say([[esx1 has two physical CPUs. Above, what the guest printed: each CPU
its APIC ID, the count, the IPI. vmm0:a (the BSP) ran %.0f us and vmm1:a (the AP) %.0f us, side by side on
the two physical CPUs: neither waited for a CPU (%%RDY %.0f and %.0f us).
The whole run took %.0f us.]], a0.run_ns / 1000, a1.run_ns / 1000,
    a0.ready_ns / 1000, a1.ready_ns / 1000, ta / 1000)
tui("view worlds")
pause()

local one = host{name="esx2", kind="esx", cpus=1, mhz=1000}
local b, tb = boot(one, "b")
local b0, b1 = world_named(one, "vmm0:b"), world_named(one, "vmm1:b")
expect(b:serial() == a:serial(), "the same output on one physical CPU")
expect(b0.ready_ns > 0 and b1.ready_ns > 0,
       "on one physical CPU each vCPU's world waited, ready, for the other (%RDY)")
expect(tb > ta, "and the run took longer")
expect(b0.cstp_ns == 0 and b1.cstp_ns == 0,
       "taking turns every 1 ms quantum, neither got 3 ms ahead: no co-stop")
say([[esx2 has one physical CPU for the same two virtual CPUs. The output
is the same, but the two worlds take turns: vmm0:b was ready but not
running for %.0f us (%%RDY), vmm1:b for %.0f us, and the run took %.0f us
instead of %.0f. Worse, a vCPU that spins waiting for its sibling (here
the BSP waiting for the AP's line, each CPU waiting for the lock) burns
its whole quantum while the sibling that would release it is not
running. This is why a VM should not have more vCPUs than the host has
physical CPUs (real ESX refuses to power such a VM on).

The guest assumes its CPUs run at the same pace. The VMKernel keeps them
from drifting apart by co-scheduling (ESX 3.x and later: relaxed
co-scheduling): it tracks each vCPU's skew, how far its progress
(running, or halted) is ahead of its slowest sibling's, and co-stops a
vCPU whose skew passes a threshold (ringside: 3 ms) until the laggard
catches up. Here the two took turns every 1 ms quantum, so neither ever
got 3 ms ahead: no co-stop (%%CSTP 0).]],
    b0.ready_ns / 1000, b1.ready_ns / 1000, tb / 1000, ta / 1000)
pause()

local c = boot(two, "c", "poll")
local c0, c1 = world_named(two, "vmm0:c"), world_named(two, "vmm1:c")
expect(contains(c:serial(), "poll: 1000 reads"), "the BSP polled the UART 1000 times")
local stops = {}
for e in events{kind="world", reason="co-stop"} do stops[#stops + 1] = e end
local starts = {}
for e in events{kind="world", vm=c, reason="co-start"} do starts[#starts + 1] = e end
expect(#stops >= 1 and stops[1].from == "vmm1:c" and stops[1].to == "vmm0:c",
       "the VMKernel co-stopped the AP's world, ahead of the BSP's (EV_WORLD co-stop)")
expect(stops[1].skew_us > 3000, "its skew had passed the 3 ms threshold")
expect(#stops >= 2 and stops[2].from == "vmm1:c" and stops[2].pcpu ~= 255,
       "and it left its pCPU (a switch, reason co-stop)")
expect(#starts >= 1 and starts[#starts].from == "vmm1:c" and
       starts[#starts].t_ns > stops[1].t_ns,
       "and co-started it once the BSP caught up (EV_WORLD co-start)")
expect(c1.cstp_ns > 0 and c0.cstp_ns == 0,
       "the AP's world was co-stopped (%CSTP), the BSP's never")
say([[Back on esx1, with its two physical CPUs, the same guest with "poll"
on its command line: after the count, the BSP reads the UART's line
status register 1000 times, as a driver polling its device, while the
AP spins until it is done. Each read is a port the VMM hands to the VMX
(tens of microseconds): the BSP's vCPU waits on the VMX and makes
little progress; the AP, spinning, races ahead. At %.1f ms its skew
reached %.3f ms, past the threshold: the VMKernel co-stopped vmm1:c
(esx1's pCPU %d went to %s) and co-started it %.1f ms later,
once the BSP had caught up. vmm1:c was co-stopped %.0f us in all
(%%CSTP), vmm0:c never. A vCPU spinning far ahead of a sibling that
cannot answer only burns a pCPU: co-stopping it gives the pCPU to
another world. See "events{kind='world'}" and esxtop's %% CoStop
column (ringside --esxtop smp).]],
    stops[1].t_ns / 1e6, stops[1].skew_us / 1000, stops[2].pcpu, stops[2].to,
    (starts[#starts].t_ns - stops[1].t_ns) / 1e6, c1.cstp_ns / 1000)
tui("view worlds")
