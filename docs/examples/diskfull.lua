-- diskfull: a guest fills its datastore; ESX pauses the VM and asks
local esx = host{name="esx0"}
local vm = esx:add_vm{name="vm0", guest="build/guests/diskfill.elf", disk_mb=1}
vm:set_datastore_room(8)        -- 8 KiB: room for 16 sectors
run{until_event="power", match={reason="no-space"}}
print(vm.state, vm.power_reason, "held sector " .. vm.exit_status)
print(vm:retry())               -- no room freed yet
vm:set_datastore_room(1024)     -- room for the whole 1 MiB disk
print(vm:retry())               -- the held write is stored
run{until_event="power", match={reason="debug-exit"}}
print(vm.state, vm.power_reason, (vm:serial():gsub("\n", " | ")))
expect(vm.power_reason == "debug-exit", "every sector written, none lost")
