-- smp: a 2-vCPU VM: a VMM world per vCPU, IPIs, %RDY on one physical CPU
--
-- "There is one VMM process per VM and within a VMM process there is one
-- thread per virtual CPU configured for that VM."  The scenario boots the
-- SMP guest (scenarios/guests/smp.S) with 2 vCPUs: the BSP starts the AP
-- with INIT-SIPI-SIPI through its local APIC, both count under a spin
-- lock, and the BSP sends the AP an IPI.  First on a host with two
-- physical CPUs, where both VMM worlds run at the same time; then on a
-- host with one, where they take turns and each waits, ready, while the
-- other runs (%RDY).

say([[In ESX a VM has one VMM, and inside it a world (a thread the
VMKernel schedules) per virtual CPU. Each virtual CPU has its own local
APIC, which the VMM emulates: a guest starts its other processors and
signals them with inter-processor interrupts (IPIs) written to it.]])

local function boot(h, name)
  local vm = h:add_vm{name=name, guest="smp", vcpus=2, mem_mb=16}
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
say([[esx2 has one physical CPU for the same two virtual CPUs. The output
is the same, but the two worlds take turns: vmm0:b was ready but not
running for %.0f us (%%RDY), vmm1:b for %.0f us, and the run took %.0f us
instead of %.0f. Worse, a vCPU that spins waiting for its sibling (here
the BSP waiting for the AP's line, each CPU waiting for the lock) burns
its whole quantum while the sibling that would release it is not
running. This is why ESX co-schedules the vCPUs of a VM (it keeps them
from drifting far apart, running them together when it can), and why a
VM should not have more vCPUs than the host has physical CPUs.
ringside's VMKernel schedules each world on its own (no co-scheduling):
what you see here is the cost co-scheduling exists to avoid.]],
    b0.ready_ns / 1000, b1.ready_ns / 1000, tb / 1000, ta / 1000)
