-- holes: the same probe under te, bt and hw
--
-- Why x86 was "not virtualizable": some instructions are sensitive (they
-- read or change privileged state) without being privileged (they do not
-- trap outside ring 0).  The holes guest probes them (Robin and Irvine:
-- seventeen instructions, eighteen mnemonics) from its
-- kernel; three VMs run it side by side, one per execution mode of the
-- VMM, and the scenario compares what each guest was told.

say([[In 1974 Popek and Goldberg proved when a machine can be virtualized by
trap-and-emulate: when every sensitive instruction, one that reads or
changes privileged state, is also privileged, so that it traps when the
guest kernel runs outside ring 0. On x86 that is not so. Seventeen
instructions (eighteen mnemonics) are sensitive but do not trap (Robin and
Irvine, 2000): they
quietly run on the real CPU and give the guest the real machine's answer.]])

local esx = host{name="esx1", kind="esx", cpus=4}
local modes = { "te", "bt", "hw" }
local vms = {}
for _, mode in ipairs(modes) do
  vms[mode] = esx:add_vm{name=mode, guest="holes", mode=mode, mem_mb=16}
end
say([[Three VMs run the same probe kernel, holes.elf. Its kernel loads its
own descriptor tables, task register and flags, then reads each back with
a sensitive instruction and prints what the CPU answered. VM te runs it
under trap-and-emulate; VM bt under binary translation, as ESX ran guest
kernels; VM hw under hardware assist (VT-x as Intel first shipped it, in
2006), as hypervisors do today.]])
pause()

for _, mode in ipairs(modes) do run{until_event="power", vm=vms[mode]} end
tui("focus te")	-- in the TUI: te's console, with its wrong answers

-- What each guest was told, probe by probe ("sgdt" -> its line).
local answers, order = {}, {}
for _, mode in ipairs(modes) do
  local v = vms[mode]
  answers[mode] = {}
  expect_eq(v.power_reason, "debug-exit", "VM " .. mode .. " ran the probe to its end")
  for _, l in ipairs(lines(v:serial())) do
    local probe, rest = l:match("^([%w-]+): (.*)$")
    if probe and probe ~= "holes" then
      answers[mode][probe] = rest
      if mode == "hw" then order[#order + 1] = probe end
    end
  end
end
table.sort(order)

local wrong = {}
for _, p in ipairs(order) do
  if answers.te[p] ~= answers.hw[p] then wrong[#wrong + 1] = p end
  expect(answers.bt[p] == answers.hw[p], "bt and hw agree on " .. p)
end
expect_at_least(#wrong, 12, "probes trap-and-emulate gets wrong")
say([[Binary translation and hardware assist agree on every probe: each
guest was told what it had set up. Trap-and-emulate got %d of %d wrong:
%s.]], #wrong, #order, table.concat(wrong, ", "))
pause()

say([[Look closer at three of them. SGDT and SIDT tell where the descriptor
tables are. Under te the guest got the VMM's own tables, at the top of
memory:
    te: sgdt: %s
    hw: sgdt: %s
PUSHF shows the interrupt flag. The guest kernel switched interrupts off
with CLI (which trapped, and the VMM cleared the *virtual* flag); but
PUSHF does not trap, so it read the real flag, still on:
    te: pushf: %s
    hw: pushf: %s
And CS: the guest loaded selector 8, ring 0; MOV from CS shows what the
CPU really runs, 9, ring 1:
    te: mov-cs: %s]],
    answers.te.sgdt, answers.hw.sgdt, answers.te.pushf, answers.hw.pushf,
    answers.te["mov-cs"])
expect(contains(answers.te.sgdt, "base=ffc00000"), "te: SGDT shows the VMM's GDT")
expect(contains(answers.te.pushf, "IF=1"), "te: PUSHF shows the real IF, still 1")
expect(contains(answers.te["mov-cs"], "cs=0009"), "te: CS shows real ring 1")
pause()

-- How the VMM saw them: no trap at all under te.
local sensitive = { "sgdt", "sidt", "sldt", "smsw", "str", "pushf", "popf" }
local te_traps, bt_callouts, hw_exits = 0, 0, 0
for _, insn in ipairs(sensitive) do
  te_traps = te_traps + count{kind="trap", vm=vms.te, insn=insn}
  bt_callouts = bt_callouts + count{kind="trap", vm=vms.bt, insn=insn, action="callout"}
  hw_exits = hw_exits + count{kind="trap", vm=vms.hw, insn=insn, action="vm-exit"}
end
expect_eq(te_traps, 0, "te: the VMM never saw SGDT, SIDT, SLDT, SMSW, STR, PUSHF or POPF")
expect_at_least(bt_callouts, 7, "bt: the translator turned them into calls to the VMM")
expect_eq(hw_exits, 0, "hw: none of them exits: the guest's own state is live in non-root mode")
say([[The events tell why. Under trap-and-emulate the VMM saw none of
these instructions: %d traps. The binary translator, reading guest kernel
code before it runs, rewrote each into a call to the VMM (%d callouts),
which answered from the guest's virtual state. With hardware assist none
of them exits (%d VM exits): the guest kernel runs at ring 0 of the CPU's
non-root mode, so its own GDTR, IDTR and flags are the live ones and the
CPU answers right by itself. (Descriptor-table exiting, which would make
SGDT exit, came later as a secondary control; the first VT-x processors,
in 2006, had none.) That is how VMware made x86 virtualizable before the
CPUs helped, and how they help now.]],
    te_traps, bt_callouts, hw_exits)
