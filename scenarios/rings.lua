-- rings: what runs directly and what traps, by ring
--
-- The x86 protection rings, the guest's and the real ones.  A probe
-- kernel (classify.elf) runs every class of instruction at ring 0 and
-- then again at ring 3; the tour kernel visits rings 1 and 2.  Counting
-- the VMM's events ring by ring shows the rule under trap-and-emulate:
-- ring 0's privileged work traps and the VMM emulates it; a privileged
-- instruction at ring 3 faults exactly as on real hardware.  The course
-- text's model (rings 1-3 direct, ring 0 by the VMKernel) is shown as the
-- course's, beside what ESX really does.

say([[The x86 CPU has four protection rings, privilege levels 0 to 3.
Kernels run in ring 0 and user processes in ring 3. Privileged
instructions (loading the descriptor tables, switching interrupts off,
writing control registers, halting) may only run in ring 0; elsewhere the
CPU refuses them with a general-protection fault (#GP).]])
course([["Ring 0 - Kernel mode processes", "Ring 1 - System services",
"Ring 2 - Device drivers", "Ring 3 - User mode processes"]], [[the names
of rings 1 and 2 are an operating-system convention, not x86's: the CPU
only knows four privilege levels. Windows and Linux use rings 0 and 3
alone; ESX's VMM used ring 1 for something else entirely, the
deprivileged guest kernel.]])

say([[A guest kernel expects ring 0, but ring 0 belongs to the VMM and the
VMKernel. Under trap-and-emulate the VMM deprivileges it: the guest kernel
runs in ring 1, while the VMM keeps a virtual copy of everything ring 0
would control and shows the guest that copy. Guest ring 3 stays at ring
3, and guest rings 1 and 2 share ring 2.]])

local esx = host{name="esx1", kind="esx", cpus=1}
local probe = esx:add_vm{name="probe", guest="classify", mode="te", mem_mb=16}
say([[Meet the probe: a kernel that runs each kind of instruction once in
ring 0, then drops to ring 3 and runs them all again there, printing what
happened to each. It runs under trap-and-emulate (te), the model the
rings were designed around.]])
pause()

-- Ring 0, as far as the drop to ring 3.
local _, down = run{until_event="ring", vm=probe, animate=3}
local at0 = probe:stats()
local emu0 = count{kind="trap", vm=probe, action="emulated"}
local io0 = count{kind="io", vm=probe}
expect_eq(down.to, 3, "the probe dropped from ring 0 to ring 3")
expect_at_least(emu0, 30, "privileged probes at ring 0 trapped and emulated by the VMM")
expect_at_least(at0.by_path["guest>vmm>guest"], emu0,
                "the VMM emulated them itself: path guest > VMM > guest")
expect_eq(at0.by_path["guest>vmm>vmkernel>vmm>guest"], 0,
          "no instruction went through the VMKernel")
expect_eq(count{kind="trap", vm=probe, action="emulated", cpl=1}, emu0,
          "every one of them trapped from real CPL 1")
expect_eq(count{kind="trap", vm=probe, action="reflected"}, 0,
          "none of them raised a fault of the guest's own")
-- RDPMC's #UD is the VMM's answer, not the CPU's: the virtual CPU, like
-- QEMU's, has no performance counters to read, so the VMM injects #UD.
expect_eq(count{kind="trap", vm=probe, action="injected", insn="rdpmc"}, 1,
          "RDPMC's #UD was the VMM's own answer, injected")
say([[In ring 0, as the guest sees it (really CPL 1), the probe ran %d
instructions. %d of them ran on the hardware unchanged. %d privileged
ones trapped: the VMM caught each #GP and emulated the instruction on the
guest's virtual state, then the guest went on as if it owned ring 0.
%d port accesses went to the VMX. The sensitive instructions (SGDT, POPF,
PUSH CS...) ran directly too, and not always truthfully: see the holes
scenario.]], at0.insns, at0.by_path["guest>hardware"], emu0, io0)
pause()

-- Ring 3, to the end.
run{until_event="power", vm=probe}
local refl3 = count{kind="trap", vm=probe, action="reflected", vring=3}
local emu3 = count{kind="trap", vm=probe, action="emulated", vring=3}
local st = probe:stats()
expect_eq(emu3, 0, "the VMM emulated nothing for ring 3")
expect_at_least(refl3, 25, "privileged and I/O probes at ring 3 faulted into the guest")
expect(contains(probe:serial(), "ring3 lgdt: #GP"), "the guest saw #GP for LGDT at ring 3")
expect(contains(probe:serial(), "ring0 lgdt: ok"), "while LGDT worked at ring 0")
say([[In ring 3 the same privileged instructions are wrong on real
hardware too, so the VMM has nothing to hide: %d times it simply
reflected the #GP into the guest kernel's own handler, which printed it
("ring3 lgdt: #GP"). Port I/O faults as well, since the kernel allows
ring 3 no I/O. The VMM emulated nothing for ring 3 (%d).]], refl3, emu3)

print("ring   instructions   trapped, emulated by the VMM   faults reflected")
print(string.format("  0   %12d   %28d   %16d", st.by_ring[0], emu0,
      count{kind="trap", vm=probe, action="reflected", vring=0}))
print(string.format("  3   %12d   %28d   %16d", st.by_ring[3], emu3, refl3))
pause()

-- Rings 1 and 2: the tour kernel visits them.
local tour = esx:add_vm{name="tour", guest="tour", mode="te", mem_mb=16}
run{until_event="power", vm=tour}
local cpl_of = {}
for e in events{kind="ring", vm=tour} do cpl_of[e.to] = e.cpl end
expect_eq(cpl_of[3], 3, "guest ring 3 runs at CPL 3")
expect_eq(cpl_of[1], 2, "guest ring 1 runs at CPL 2")
expect_eq(cpl_of[2], 2, "guest ring 2 runs at CPL 2")
expect_eq(cpl_of[0], 1, "guest ring 0 runs at CPL 1")
expect(contains(tour:serial(), "[ring 1] hello from ring 1 (course's system services)"),
       "the tour's ring 1 code ran")
expect(contains(tour:serial(), "[ring 2] hello from ring 2 (course's device drivers)"),
       "the tour's ring 2 code ran")
local ts = tour:stats()
local outer = ts.by_ring[1] + ts.by_ring[2] + ts.by_ring[3]
local virt_outer = 0
for r = 1, 3 do virt_outer = virt_outer + count{kind="trap", vm=tour, action="emulated", vring=r} end
expect_eq(virt_outer, 0, "nothing in rings 1 to 3 trapped to be emulated")
say([[The tour kernel visited every ring. The real CPL it ran at: ring 0
at CPL %d, rings 1 and 2 at CPL %d, ring 3 at CPL %d. In rings 1 to 3 it
ran %d instructions, and none trapped to be emulated: under
trap-and-emulate, code outside ring 0 runs on the CPU as it is.
(The guest's own messages name rings 1 and 2 "system services" and
"device drivers", after the course text.)]], cpl_of[0], cpl_of[1], cpl_of[3], outer)
course([["Direct execution is used in ESX for all processing calls in the
Protecttion Rings of 1 thru 3 of cpu. [...] VMM sends instruction to
VMKernel and return results to the guest OS."]], [[ESX ran guest kernel
code, ring 0, and rings 1 and 2 as translated code (binary translation);
only guest ring 3, with interrupts on and IOPL below 3, ran directly, and
even there SGDT, SIDT, SLDT, SMSW and STR let it see the VMM. What needs
ring 0 is emulated by the VMM itself on the virtual CPU; the VMKernel,
below it, schedules the VMM's worlds and comes in when a guest halts.]])
