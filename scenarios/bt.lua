-- bt: the translation cache at work
--
-- Binary translation, the way VMware's VMM ran guest kernel code before
-- CPUs had hardware assist (Adams and Agesen, ASPLOS 2006): guest code is
-- translated unit by unit into a translation cache (TC), most instructions
-- copied as they are, the sensitive ones rewritten into calls to the VMM.
-- Two VMs run the same kernel, under binary translation (bt) and under
-- trap-and-emulate (te); a third runs a hot loop to show the TC's reuse.

course([["If VM requests CPU, the VMM decides whether instruction can be
executed directly on hardware or if VMKernel will be used to virtualize
the call"]], [[the VMM decides, instruction by instruction, whether the
hardware may run it as it is or whether the VMM itself must emulate it on
the virtual CPU; the VMKernel is not in that loop. Trap-and-emulate
decides late, after the CPU has refused an instruction, and cannot catch
the instructions that do not trap. Binary translation decides early:
before guest kernel code runs at all, the VMM reads it and writes a safe
copy.]])

local esx = host{name="esx1", kind="esx", cpus=2}
local kbt = esx:add_vm{name="kernel-bt", guest="tour", mode="bt", mem_mb=16}
local kte = esx:add_vm{name="kernel-te", guest="tour", mode="te", mem_mb=16}

local unit = first{kind="translate", vm=kbt}
local idents = 0
for _, same in ipairs(unit.ident) do if same then idents = idents + 1 end end
expect(unit ~= nil and unit.insns <= 12, "a translation unit holds at most 12 instructions")
expect_eq(unit.ident[#unit.ident], false, "the unit's last instruction was rewritten")
say([[Even before kernel-bt ran its first instruction, the VMM translated
the code at its entry point: a translation unit of %d instructions (%d
bytes of guest code at 0x%08x), ending at a %s. %d of them are IDENT,
copied unchanged into the translation cache; the last one, control flow,
was rewritten so that control stays inside the cache. The translation
took %d bytes of the TC, at 0x%08x.]],
    unit.insns, unit.guest_len, unit.guest, unit["end"], idents,
    unit.tc_len, unit.tc)
tui("focus kernel-bt")	-- in the TUI: the VM under binary translation,
tui("view xlat")	-- its unit beside its translation
pause()
tui("view cpu")

-- The first privileged instruction, in both VMs.
local _, call = run{until_event="trap", match={insn="lgdt"}, vm=kbt, animate=2}
tui("focus kernel-te")	-- the TUI shows each VM as it reaches its LGDT
local _, trap = run{until_event="trap", match={insn="lgdt"}, vm=kte, animate=2}
expect_eq(call.action, "callout", "under bt, LGDT became a callout")
expect_eq(trap.action, "emulated", "under te, LGDT trapped and was emulated")
expect_eq(call.detail, trap.detail, "and both left the same virtual state")
say([[Both kernels have now loaded their descriptor table. Under
trap-and-emulate, LGDT raised a general-protection fault and the VMM took
the trap (action "%s"). Under binary translation there was no fault: the
translator had already replaced LGDT with a call into the VMM (action
"%s"), about twenty times cheaper than a trap in ringside's cost model
(100 cycles against 2000). Both did the same thing, the VMM emulating LGDT on the virtual CPU: %s.]],
    trap.action, call.action, call.detail)
pause()

run{until_event="power", vm=kbt}
run{until_event="power", vm=kte}
local sb, se = kbt:stats(), kte:stats()
expect_eq(sb.traps, 0, "kernel-bt: no privileged instruction trapped")
expect_eq(se.traps, 22, "kernel-te: 22 traps, each emulated by the VMM")
expect_eq(sb.insns, se.insns, "both ran the same guest instructions")
expect(kbt:serial() == kte:serial(), "and printed the same output")
expect_at_least(sb.bt.ident, 3 * sb.bt.non_ident, "most translated instructions are IDENT")
say([[Both kernels ran to the end: %d guest instructions each, the same
output. kernel-te took %d traps; kernel-bt took none, and made %d callouts
instead (most for its serial port, which a VMX emulates either way).
The translator produced %d units from %d guest instructions: %d IDENT,
%d rewritten, %d bytes of translation cache.]],
    sb.insns, se.traps, sb.callouts, sb.bt.units, sb.bt.ident + sb.bt.non_ident,
    sb.bt.ident, sb.bt.non_ident, sb.bt.tc_used)

expect_eq(count{kind="mode", vm=kbt}, 0, "the tour's user code never ran directly")
say([[One thing did not happen: the tour's ring 3 code was translated too,
never run directly. Direct execution is kept for guest user code that
cannot notice the VMM: CPL 3, interrupts enabled, IOPL below 3. The tour
runs its user code with interrupts off, so the VMM went on translating.]])
pause()

-- User code that may run directly: a small multitasking kernel.
local tasks = esx:add_vm{name="tasks", guest="multitask", mode="bt", mem_mb=16}
run{until_event="power", vm=tasks}
local st = tasks:stats()
local to_direct = count{kind="mode", vm=tasks, to="direct"}
local back = first{kind="mode", vm=tasks, to="bt"}
expect(contains(tasks:serial(), "all tasks finished"), "the two tasks ran to their end")
expect_at_least(to_direct, 2, "the VMM switched to direct execution for the tasks")
expect(back ~= nil and contains(back.reason, "kernel"),
       "and back to translation for the kernel")
expect(st.by_mode.direct > 100 * st.by_mode.bt, "nearly everything ran directly")
say([[The VM "tasks" runs a small kernel with two user tasks, switched by
the timer: user code at CPL 3 with interrupts on. %d times the VMM
switched from translated code to direct execution ("%s"), and back to the
translation cache when a timer interrupt or a system call brought the
kernel back ("%s"). Of %d instructions, %d ran directly on the hardware
and only %d as translated code. Direct execution is by far the preferred
mode where it is allowed: guest ring 3 alone; the kernel (ring 0), and
rings 1 and 2 if a guest used them, always run translated.]],
    to_direct, first{kind="mode", vm=tasks, to="direct"}.reason, back.reason,
    st.insns, st.by_mode.direct, st.by_mode.bt)
pause()

-- A hot loop: translated once, run from the cache ever after.
local hot = esx:add_vm{name="loop", guest="bench", mode="bt", mem_mb=16}
run{insns=5000000}
local sh = hot:stats()
expect_at_least(sh.insns, 4000000, "the loop ran millions of instructions")
expect(sh.bt.units < 100, "from fewer than a hundred translation units")
expect(sh.bt.lookups < 100, "and the VMM looked up the TC fewer than a hundred times")
say([[Translation pays off in loops. The VM "loop" has run %d instructions,
but the VMM translated only %d units and looked code up in its cache %d
times: the translated fragments were chained, each jumping straight to
the next, so the loop runs inside the translation cache at nearly the
speed of the hardware. %d instructions per lookup.]],
    sh.insns, sh.bt.units, sh.bt.lookups, sh.insns // math.max(sh.bt.lookups, 1))
