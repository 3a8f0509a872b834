-- rings: what runs directly and what traps, by ring
--
-- The x86 protection rings, the guest's and the real ones.  A probe
-- kernel (classify.elf) runs every class of instruction at ring 0 and
-- then again at ring 3; the tour kernel visits rings 1 and 2.  Counting
-- the VMM's events ring by ring shows the rule: code in rings 1 to 3 runs
-- directly; ring 0's privileged work is virtualized by the VMKernel; and
-- a privileged instruction at ring 3 faults exactly as on real hardware.

say([[The x86 CPU has four protection rings. Ring 0 is for kernel mode
processes, ring 1 for system services, ring 2 for device drivers and
ring 3 for user mode processes. Privileged instructions (loading the
descriptor tables, switching interrupts off, writing control registers,
halting) may only run in ring 0; elsewhere the CPU refuses them with a
general-protection fault (#GP).]])

say([[A guest kernel expects ring 0, but ring 0 belongs to the VMKernel.
So the VMM deprivileges it: the guest kernel runs in ring 1, while the
VMM keeps a virtual copy of everything ring 0 would control and shows
the guest that copy. Guest ring 3 stays at ring 3, and guest rings 1 and
2 share ring 2.]])

local esx = host{name="esx1", kind="esx", cpus=1}
local probe = esx:add_vm{name="probe", guest="classify", mode="te", mem_mb=16}
say([[Meet the probe: a kernel that runs each kind of instruction once in
ring 0, then drops to ring 3 and runs them all again there, printing what
happened to each. It runs under trap-and-emulate (te), the model the
rings were designed around.]])
pause()

-- Ring 0, as far as the drop to ring 3.
local _, down = run{until_event="ring", vm=probe}
local at0 = probe:stats()
local emu0 = count{kind="trap", vm=probe, action="emulated"}
local io0 = count{kind="io", vm=probe}
expect_eq(down.to, 3, "the probe dropped from ring 0 to ring 3")
expect_at_least(emu0, 30, "privileged probes at ring 0 virtualized by the VMKernel")
expect_eq(count{kind="trap", vm=probe, action="emulated", cpl=1}, emu0,
          "every one of them trapped from real CPL 1")
expect_eq(count{kind="trap", vm=probe, action="reflected"}, 0,
          "none of them reached the guest's own fault handler")
say([[In ring 0, as the guest sees it (really CPL 1), the probe ran %d
instructions. %d of them ran directly on the hardware. %d privileged
ones trapped: the VMM caught each #GP and the VMKernel did the work on
the guest's virtual state, then the guest went on as if it owned ring 0.
%d port accesses went to the VMX. The sensitive instructions (SGDT, POPF,
PUSH CS...) ran directly too, and not always truthfully: see the holes
scenario.]], at0.insns, at0.by_path["guest>hardware"], emu0, io0)
pause()

-- Ring 3, to the end.
run{until_event="power", vm=probe}
local refl3 = count{kind="trap", vm=probe, action="reflected", vring=3}
local emu3 = count{kind="trap", vm=probe, action="emulated", vring=3}
local st = probe:stats()
expect_eq(emu3, 0, "the VMKernel virtualized nothing for ring 3")
expect_at_least(refl3, 25, "privileged and I/O probes at ring 3 faulted into the guest")
expect(contains(probe:serial(), "ring3 lgdt: #GP"), "the guest saw #GP for LGDT at ring 3")
expect(contains(probe:serial(), "ring0 lgdt: ok"), "while LGDT worked at ring 0")
say([[In ring 3 the same privileged instructions are wrong on real
hardware too, so the VMM has nothing to hide: %d times it simply
reflected the #GP into the guest kernel's own handler, which printed it
("ring3 lgdt: #GP"). Port I/O faults as well, since the kernel allows
ring 3 no I/O. The VMKernel emulated nothing for ring 3 (%d).]], refl3, emu3)

print("ring   instructions   virtualized by the VMKernel   faults reflected")
print(string.format("  0   %12d   %27d   %16d", st.by_ring[0], emu0,
      count{kind="trap", vm=probe, action="reflected", vring=0}))
print(string.format("  3   %12d   %27d   %16d", st.by_ring[3], emu3, refl3))
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
expect(contains(tour:serial(), "[ring 1] hello from ring 1, meant for system services"),
       "the tour's ring 1 code ran")
expect(contains(tour:serial(), "[ring 2] hello from ring 2, meant for device drivers"),
       "the tour's ring 2 code ran")
local ts = tour:stats()
local outer = ts.by_ring[1] + ts.by_ring[2] + ts.by_ring[3]
local virt_outer = 0
for r = 1, 3 do virt_outer = virt_outer + count{kind="trap", vm=tour, action="emulated", vring=r} end
expect_eq(virt_outer, 0, "nothing in rings 1 to 3 needed the VMKernel")
say([[The tour kernel visited every ring. The real CPL it ran at: ring 0
at CPL %d, rings 1 and 2 at CPL %d, ring 3 at CPL %d. In rings 1 to 3 it
ran %d instructions, and the VMKernel virtualized none of them: direct
execution is used for all processing in rings 1 to 3. Virtualization
mode is for what needs ring 0, where the VMM hands the instruction to the
VMKernel and returns the result, and the guest believes a real ring 0
did the work.]], cpl_of[0], cpl_of[1], cpl_of[3], outer)
