-- vcb: a consolidated backup of a running VM's disk, while the guest writes
--
-- The storage path of a virtual disk (VMM > VMKernel > the disk file on
-- its datastore), snapshots as delta disks, and VMware Consolidated
-- Backup: quiesce, snapshot, unquiesce, the proxy copies the frozen disk
-- off the SAN, the snapshot is removed and consolidated.  The guest
-- (disklog) appends a journal record to its disk at every timer tick and
-- never stops.  Sources: docs/storage.md, docs/vcb.md.

say([[A VM's hard disk is a file on a datastore. The guest's disk driver
programs an IDE controller; the VMM emulates the controller's registers,
and for every sector the VMKernel's storage stack reads or writes the
VM's disk file on its VMFS datastore. Because the file lives on shared
storage, not in the host, other machines on the SAN can reach it too.]])

local esx = host{name="esx1", kind="esx", cpus=2}
local vm = esx:add_vm{name="journal", guest="disklog", disk_mb=1, mem_mb=32, mode="hw"}

local function header()
  return vm:disk_read(0):match("^[^%z]*")
end

run{seconds=0.5}
local first_write = first{kind="disk", vm=vm, op="write"}
expect(first_write ~= nil, "the guest wrote its disk")
expect_eq(first_write.path, "guest>vmm>vmkernel>datastore",
          "each sector went guest > VMM > VMKernel > datastore")
expect_eq(first_write.file, "[datastore1] journal/journal-flat.vmdk",
          "into the VM's disk file on datastore1")
say([[Half a second in, the guest has written %d sectors, the journal's
header now reads "%s". Each sector is one disk event: the guest's OUTs
reach the VMM's emulated controller (guest > VMM > guest), and the sector
goes down to the VMKernel and into %s. Look at the log view.]],
    count{kind="disk", vm=vm, op="write"}, header(), first_write.file)
pause()

-- A snapshot by hand: the delta disk.
local before = vm:disk_checksum()
local ok, msg = vm:snapshot("by-hand")
expect(ok, msg)
run{seconds=0.2}
say([[A snapshot froze the disk file: it is read-only now, and a new delta
disk, %s, takes every write. Reads look in the delta first, then in the
parent. In 0.2 s the guest changed %s. Removing the snapshot consolidates
the delta into the parent: the guest sees no difference.]],
    vm.disk, vm:disk_checksum() ~= before and "sectors in the delta" or "nothing")
local sum = vm:disk_checksum()
ok, msg = vm:remove_snapshot("by-hand")
expect(ok, msg)
expect_eq(vm:disk_checksum(), sum, "consolidating changed nothing the guest sees")
expect_eq(#vm:snapshots(), 0, "the snapshot is gone")
pause()

-- The consolidated backup.
local at_start = vm:disk_checksum()
local journal_then = header()
local b = vcb_backup(vm, {proxy="vcb-proxy", bandwidth_mb_s=1})
expect(b.ok, b.error or "the backup ran")
local names = {}
for _, s in ipairs(b.steps) do
  if names[#names] ~= s.step then names[#names + 1] = s.step end
end
expect_eq(table.concat(names, " "),
          "quiesce unquiesce mount copy unmount consolidate",
          "the backup's steps, in VCB's order (the snapshot between quiesce and unquiesce)")
expect(first{kind="disk", vm=vm, op="snapshot"} ~= nil, "a snapshot was taken for it")
expect_eq(b.checksum, at_start, "the backup holds the disk as it was at the snapshot, byte for byte")
expect(vm:disk_checksum() ~= b.checksum, "the live disk has moved on")
expect_at_least(b.sectors_changed, 10, "sectors the guest changed during the backup")
say([[The backup took %.2f s of simulated time. VCB quiesced the guest (ours
has no VMware Tools, so the snapshot is crash-consistent), took the
snapshot _VCB-BACKUP_, and let the guest go on. The proxy "%s" mounted
the frozen disk straight off the SAN, copied its %d bytes at 1 MB/s, and
unmounted it; then the snapshot was removed and its delta consolidated.

Meanwhile the guest ran %d instructions and changed %d sectors. The backup
still reads "%s"; the live disk now reads "%s".]],
    b.seconds, b.proxy, b.bytes, b.guest_insns, b.sectors_changed,
    journal_then, header())
pause()

run{until_event="power", vm=vm}
expect(contains(vm:serial(), "disklog: done"), "the guest finished its journal")
expect_eq(header(), "journal: 200 records", "the live disk holds every record")
say([[The guest never noticed: it wrote all 200 records. VCB's successor,
the vStorage APIs for Data Protection (vSphere 4), keeps the snapshot but
reads only the blocks that changed since the last backup (Changed Block
Tracking), over the SAN or the network.]])
