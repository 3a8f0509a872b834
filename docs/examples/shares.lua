-- shares: two busy VMs on one pCPU, one with twice the other's shares
local esx = host{name="esx0", kind="esx", cpus=1, mhz=1000}
local a = esx:add_vm{name="a", guest="bench", mem_mb=16}
esx:add_vm{name="b", guest="bench", mem_mb=16}
a:set_shares(2000)                      -- b keeps the normal 1000
run{seconds=0.1}
local run_ns = {}
for _, name in ipairs{"vmm0:a", "vmm0:b"} do
  local w = world_named(esx, name)
  run_ns[name] = w.run_ns
  print(string.format("%s  shares %4d  %%RUN %4.1f  %%RDY %4.1f", name,
    w.shares, percent(w.run_ns, now_ns()), percent(w.ready_ns, now_ns())))
end
print(string.format("a split of %.2f:1", run_ns["vmm0:a"] / run_ns["vmm0:b"]))
