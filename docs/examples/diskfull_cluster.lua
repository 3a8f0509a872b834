-- diskfull_cluster: a VM paused by a full datastore, in a cluster
local c = cluster{name="prod", shared_datastore="san0"}
local a = c:add_host{name="esx1"}
local b = c:add_host{name="esx2"}
local app = c:add_vm{name="fill", host=a, guest="build/guests/diskfill.elf",
                     mem_mb=16, disk_mb=1}
app.vm:set_datastore_room(8)    -- room for 16 sectors on san0
run{until_event="power", match={reason="no-space"}}
print(app.state, app.vm.state)  -- powered on, paused
print(vmotion(app, b).error)    -- refused: a question is pending
print(app.vm:snapshot("before"))
print(vcb_backup(app.vm).error)
app.vm:set_datastore_room(1024) -- room freed: Retry
print(app.vm:retry())
print(vmotion(app, b).ok, app.host.name)
expect(count{kind="disk", op="refused", reason="question-pending"} == 2,
       "the snapshot and the backup refused, each an event")
