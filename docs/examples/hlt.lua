-- hlt: a guest that halts between timer ticks gives its pCPU away
local esx = host{name="esx0", kind="esx", cpus=1, mhz=1000}
esx:add_vm{name="busy", guest="bench", mem_mb=16}
esx:add_vm{name="timer", guest="timer", mem_mb=16}
run{seconds=0.08}
for e in events{} do
  if e.t_ns >= 58e6 and e.t_ns < 70e6 then
    if e.kind == "world" then
      print(string.format("%10.3f ms  pCPU %d: %s -> %s (%s)",
        e.t_ns / 1e6, e.pcpu, e.from, e.to, e.reason))
    elseif e.kind == "trap" and e.action == "interrupt" then
      print(string.format("%10.3f ms  %s: IRQ %d delivered at vector 0x%02x",
        e.t_ns / 1e6, e.vm, e.irq, e.vector))
    end
  end
end
local w = world_named(esx, "vmm0:timer")
print(string.format("  vmm0:timer: %%RUN %.1f %%RDY %.1f %%IDLE %.1f",
  percent(w.run_ns, now_ns()), percent(w.ready_ns, now_ns()),
  percent(w.idle_ns, now_ns())))
