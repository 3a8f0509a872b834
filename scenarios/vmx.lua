-- vmx: the bootstrap sequence, the CD-ROM, serial and parallel ports
--
-- The VMX: one per VM, a user world (a process the VMKernel manages) that
-- bootstraps its VM and then emulates its non-critical devices.  Three
-- guests exercise it: one reads a file from a CD-ROM, one prints on the
-- parallel port, and one lives by the timer, whose devices (the PIT and the
-- PIC) are the VMM's own, because they are critical for performance.

say([[Along with the VMKernel and the service console, ESX runs a VMM for
each VM, and a VMX. The VMX is a user world application: a special process
managed by the VMKernel. It emulates the non-critical hardware of its VM,
such as the CD-ROM drive, serial ports and parallel ports, and it
bootstraps the VM.]])

local esx = host{name="esx1", kind="esx", cpus=2}
local reader = esx:add_vm{name="reader", guest="cdrom", cdrom="cdrom", mem_mb=32}

-- The bootstrap, step by step, from the VMX's own events.
local steps, by = {}, {}
for e in events{kind="vmx", vm=reader} do
  steps[#steps + 1] = e.step
  by[e.step] = e
end
expect_eq(table.concat(steps, " "), "create-world alloc-memory load-image create-vmm start",
          "the VMX bootstrapped reader in five steps")
expect_eq(by["alloc-memory"].a, 32, "it allocated 32 MiB of guest memory")
expect_eq(by["start"].a, by["load-image"].a, "the VM starts at the kernel's entry point")
expect(world_named(esx, "vmx:reader").kind == "vmx", "the VMX is a world of its own")
expect(world_named(esx, "vmm0:reader") ~= nil, "and so is the VMM's thread for vCPU 0")
say([[A VM was just made, and its VMX did it in five steps, each an event:
it created its own world (create-world); allocated and mapped %d MiB of
guest memory (alloc-memory); loaded the guest kernel, %d bytes, with its
entry point at 0x%08x (load-image); created the VMM, with a world for
each virtual CPU, %d here (create-vmm); and started vCPU 0 at the entry
point (start). Look at the worlds (view 3): vmx:reader, vmm0:reader.]],
    by["alloc-memory"].a, by["load-image"].b, by["load-image"].a,
    by["create-vmm"].a)
pause()

-- The CD-ROM.
run{until_event="power", vm=reader}
local text = reader:serial()
local cd = count{kind="io", vm=reader, device="cdrom"}
local st = reader:stats()
expect(contains(text, "This text was read from a CD-ROM."), "the guest read README.TXT from the disc")
expect(contains(text, "volume \"RINGSIDE_DEMO\""), "it found the disc's volume descriptor")
expect_at_least(cd, 1000, "port accesses to the CD-ROM, each handled by the VMX")
expect_eq(st.by_path["guest>vmm>vmx>vmm>guest"], st.vmx_io,
          "every port access went guest > VMM > VMX > VMM > guest")
local vmx_ms = world_named(esx, "vmx:reader").run_ns / 1e6
local read = "?"
for _, l in ipairs(lines(text)) do
  if contains(l, "read from a CD-ROM") then read = l end
end
say([[The guest drove an ATAPI CD-ROM on the secondary IDE channel (ports
0x170 to 0x177): it sent SCSI commands such as READ(10) inside ATA PACKET
commands, found the ISO 9660 volume, and read a file, which it printed:
    %s
That took %d port accesses to the CD-ROM. Each one trapped to the VMM,
which handed it to the VMX, where the emulated drive answered from the
image file: the path Guest > VMM > VMX > VMM > Guest. The VMX world
spent %.1f ms of CPU doing it.]],
    read, cd, vmx_ms)
pause()

-- Serial and parallel ports.
local printer = esx:add_vm{name="printer", guest="parallel", mem_mb=16}
run{until_event="power", vm=printer}
local paper = first{kind="serial", vm=printer, device="parallel"}
local serial_out = count{kind="io", vm=printer, device="serial", dir="out"}
expect(contains(printer:parallel(), "Hello, paper!"), "the guest printed on the parallel port")
expect(paper ~= nil, "the VMX announced the printed line as an event")
expect_at_least(count{kind="io", vm=printer, device="parallel"}, 100,
                "port accesses to the parallel port")
say([[The guest "printer" wrote its messages to the serial port (COM1,
port 0x3f8: %d OUTs, one per character, each to the VMX, which collects
them into lines) and printed a page on the parallel port (LPT1, ports
0x378 to 0x37a), strobing each byte to the emulated printer:
    %s
Serial and parallel ports are slow devices: emulating them in a process,
at the cost of a switch to the VMX for every access, costs little.]],
    serial_out, paper and paper.text:gsub("\n", "") or "?")
pause()

-- The critical devices: the VMM's.
local clock = esx:add_vm{name="clock", guest="timer", mem_mb=16}
run{until_event="power", vm=clock}
local pit = count{kind="io", vm=clock, device="pit"}
local irqs = count{kind="trap", vm=clock, action="interrupt"}
local cs = clock:stats()
expect(contains(clock:serial(), "tick 50"), "the clock guest counted 50 timer ticks")
expect_eq(irqs, 50, "the VMM delivered 50 timer interrupts")
expect_at_least(pit, 100, "the guest programmed and read the PIT")
expect_at_least(cs.by_path["guest>vmm>guest"], pit, "the VMM itself answered the PIT")
expect_at_least(cs.by_path["guest>vmm>vmkernel>vmm>guest"], 50,
                "each HLT went on to the VMKernel, which blocked the vCPU's world")
say([[Not every device is the VMX's. The timer (PIT) and the interrupt
controller (PIC) are touched constantly, and they are critical for
performance: the VMM emulates them itself, without a switch to the VMX
(%d accesses to the PIT, on the path Guest > VMM > Guest). The VMM also
delivered the %d timer interrupts through the guest's own interrupt
table, and each time the guest slept in HLT (%d times, the path Guest >
VMM > VMKernel > VMM > Guest), the VMM blocked the vCPU's world and the
VMKernel gave the physical CPU to another world until the next tick.]],
    pit, irqs, cs.by_path["guest>vmm>vmkernel>vmm>guest"])
