-- two_busy: two busy VMs share one physical CPU
local esx = host{name="esx0", kind="esx", cpus=1, mhz=1000}
esx:add_vm{name="a", guest="bench", mem_mb=16}
esx:add_vm{name="b", guest="bench", mem_mb=16}
run{seconds=0.1}
local n = 0
for e in events{kind="world"} do
  n = n + 1
  if n <= 4 then
    print(string.format("%8.3f ms  pCPU %d: %s -> %s (%s)",
      e.t_ns / 1e6, e.pcpu, e.from, e.to, e.reason))
  end
end
for _, name in ipairs{"vmm0:a", "vmm0:b", "vmx:a", "vmx:b"} do
  local w = world_named(esx, name)
  print(string.format("%-7s %%RUN %5.1f  %%RDY %5.1f  switches %d", name,
    percent(w.run_ns, now_ns()), percent(w.ready_ns, now_ns()), w.switches))
end
