-- hosted_vs_esx: log-off, remote administration, and who owns the machine
--
-- Hosted virtualization (VMware Workstation and VMware Server, installed
-- on a host OS) against bare metal (ESX Server, its own OS).  The same
-- guest runs on one host of each kind; then the user logs off, and a
-- remote administrator asks each host for a change: Workstation's VMs
-- die and refuse, Server's (a service of the host OS) and ESX's do not.  What each host does is what
-- the simulator does: the scenario only acts and watches the events.

say([[VMware Workstation and VMware Server are virtualization software
packages that install onto an existing operating system on an x86 host
machine: Windows or Linux boots first and owns the hardware, and the
VMware software runs as its applications plus a driver. VMware ESX
Server is a full operating system in and of itself: it is both its own
host operating system and the virtualization software.]])

local laptop = host{name="laptop", kind="hosted", cpus=2, mhz=1000}
local esx = host{name="esx1", kind="esx", cpus=2, mhz=1000}
local os_world = world_named(laptop, "host-os")
local console = world_named(esx, "console")
expect(os_world ~= nil and world_named(laptop, "console") == nil,
       "the hosted laptop runs a host OS, and no service console")
expect(console ~= nil and world_named(esx, "host-os") == nil,
       "the ESX host runs a service console, and no host OS")
expect_eq(console.pinned, 0, "the service console is pinned to pCPU 0")
say([[Two hosts, alike but for their software. On the laptop, a hosted
host, the scheduler's worlds are the host OS itself and an idle world per
CPU: the VMs will be applications of the host OS, each VMM entered
through the VMM driver's world switch, with the host OS serving their
I/O. On esx1 the VMKernel
owns the hardware; beside it runs the service console, a high-priority
VM shipped with ESX (pinned to pCPU %d), through which tools manage the
VMKernel.]], console.pinned)
pause()

-- The same guest on both: a kernel that lives by the timer (50 ticks).
local ws = laptop:add_vm{name="desk-vm", guest="timer", mem_mb=32}
local srv = esx:add_vm{name="server-vm", guest="timer", mem_mb=32}
run{seconds=0.2}
expect(ws.state == "on" and srv.state == "on", "both VMs run their guest")
expect(contains(ws:serial(), "tick 10") and contains(srv:serial(), "tick 10"),
       "both guests count timer ticks")
say([[Each host now runs a VM with the same guest kernel, which takes a
timer interrupt 100 times a second and sleeps (HLT) in between. After
0.2 simulated seconds both have counted ticks. So far, no difference.]])
pause()

-- The user logs off.
local ok, why = logoff(laptop)
expect(ok, "the laptop's user logged off")
expect_eq(ws.state, "off", "the hosted VM powered off")
expect_eq(ws.power_reason, "logoff", "and the reason is the log-off")
say([[Now the laptop's user logs off. The laptop runs VMware Workstation,
whose VMs can only run while the user is logged in: the VMX of each VM
is a process of the user's session. The simulator says: "%s". The VM
powered off (reason: %s).]], why, ws.power_reason)
course([["VMs can only run while your are logged into your host workstation
and log off and the VMs shutdown"]], [[true of Workstation. VMware
Server (GSX Server before it), also hosted, ran its VMs as a service of
the host OS: they kept running after the user logged off.]])

local esx_ok, esx_why = logoff(esx)
expect(not esx_ok, "logging off an ESX host is refused")
local before = srv.insns
run{seconds=0.1}
expect(srv.state == "on" and srv.insns > before, "the ESX VM kept running")
say([[Log off esx1 too? There is nothing to log off: "%s". And server-vm
simply ran on: %d more guest instructions in the next 0.1 seconds.]],
    esx_why, srv.insns - before)
pause()

-- A remote administrator.
local ok_h, msg_h = remote_admin(laptop, "power on desk-vm")
expect(not ok_h, "the hosted laptop refuses remote administration")
expect(first{kind="host", host="laptop", action="admin-refused"} ~= nil,
       "and its refusal is an event")
say([[An administrator, at another machine, asks the laptop to power its
VM back on. Refused: "%s". Workstation has no remote administration
capabilities for its VMs.]], msg_h)
course([["Also there are no remote administration capabilities for the
VMs"]], [[true of Workstation. VMware Server (and GSX Server) had a
remote console and a management interface (a web one, and an API), so
its VMs could be administered from another machine, as ESX's can.]])

local standby = esx:add_vm{name="standby-vm", guest="timer", mem_mb=32}
power_off(standby)
local console_before = world_named(esx, "console").run_ns
local ok_e, msg_e = remote_admin(esx, "power on standby-vm")
expect(ok_e, "ESX accepts remote administration")
run{seconds=0.05}
expect(world_named(esx, "console").run_ns > console_before,
       "the service console did the work")
expect_eq(standby.state, "on", "standby-vm is running again")
say([[The same request to esx1, for a VM that was off: "%s". The service
console's world ran (%d microseconds of its CPU time) to handle it, and
standby-vm is %s. ESX is managed from anywhere, through its service
console.]], msg_e, (world_named(esx, "console").run_ns - console_before) // 1000,
    standby.state)
pause()

-- VMware Server: hosted too, but its VMs are a service of the host OS.
local gsx = host{name="gsx", kind="server", cpus=2, mhz=1000}
local svc = gsx:add_vm{name="svc-vm", guest="timer", mem_mb=32}
run{seconds=0.05}
local ok_s, why_s = logoff(gsx)
expect(ok_s, "the Server host's user logged off")
expect(world_named(gsx, "host-os") ~= nil, "VMware Server runs on a host OS too")
local before_s = svc.insns
run{seconds=0.05}
expect(svc.state == "on" and svc.insns > before_s,
       "VMware Server's VM kept running after the log-off")
local ok_r, msg_r = remote_admin(gsx, "power off svc-vm")
expect(ok_r, "VMware Server accepts remote administration")
expect_eq(svc.state, "off", "and the remote request powered svc-vm off")
say([[The third host, gsx, runs VMware Server (GSX Server before it): hosted
like the laptop, on a host OS, yet its VMs are a service of that OS, not
applications of a user's session. Its user logged off: "%s". And a
remote administrator powered svc-vm off: "%s".]], why_s, msg_r)
pause()

-- Back at the desk.
local in_ok = login(laptop)
local on_ok = power_on(ws)
run{seconds=0.05}
expect(in_ok and on_ok and ws.state == "on", "logged in again, the desk VM boots afresh")
say([[Back at the laptop, the user logs in again and starts the VM by
hand: it boots from the start (its tick count starts over), since
powering off lost everything it was doing.]])

say([[So which one? VMware Server is still fine for those who do not need
enterprise-class scalability, who run a limited number of VMs and do not
need maximum performance. It is easy to use, since no knowledge of a
virtualization OS is needed to administer it, and it runs on whatever
hardware the company has, when there is no budget for ESX-certified
machines. ESX Server gives better performance, more management of the
host's resources, recovery features and greater reliability, and its VMs
do not depend on anyone's session.]])
