/*
 * history.c - checkpoints of the whole world, and going back to them.
 *
 * A checkpoint holds, per VM: the power state, the devices' registers, the
 * guest pages ever written (a page never written is still all zeros), and
 * per vCPU: every CPU register (cpu_state) and the VMM's virtual CPU and
 * counters.  The VMM's real tables are rebuilt from the virtual state on
 * restore rather than copied.  Restoring rewrites only the pages whose
 * contents differ, and tells the CPU and the decode cache about each, so
 * no stale translation of old code survives.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/bt.h"
#include "cpu/cpu.h"
#include "history.h"
#include "sim_priv.h"
#include "status.h"
#include "vm.h"
#include "vmkernel/vmfs.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmm/vmm.h"
#include "vmx/vmx.h"

#define PAGE 4096u

struct vcpu_snap {
	struct cpu_state *cpu;
	struct vcpu_virt virt;
	struct vcpu_stats stats;
	enum vcpu_state state;
	int vring, cpl, ring_dirty;
	uint64_t slice_ns, slice_cycles;
	bool irq_window, sti_shadow, cycle_hit;
	uint8_t irq_after;
	uint64_t cycle_end;
	uint32_t sti_next;
	uint8_t exec;			/* execution mode, and under bt: */
	bool in_bt;			/* running translated code */
	uint16_t bt_cs;
	struct bt_state *bt;		/* the translation cache itself */
};

struct vm_snap {
	enum vm_state state;
	enum power_reason power_reason;
	uint32_t exit_status;
	struct vmx_state *vmx;
	struct pic pic;		/* the VMM's devices */
	struct pit pit;
	uint64_t pit_seen_ns;
	struct ata ata;		/* the disk controller (the VMM's too) */
	struct vmfs_state *disk;	/* the disk's chain and contents, or NULL */
	uint8_t *touched;	/* copy of vm->touched */
	uint32_t npages;
	uint32_t *page_no;	/* which pages ... */
	uint8_t *pages;		/* ... and their contents */
	int nvcpus;
	struct vcpu_snap vcpu[VM_MAX_VCPUS];
};

/* A host: its session and its scheduler (worlds are plain data). */
struct host_snap {
	bool logged_in;
	struct pcpu pcpu[HOST_MAX_PCPUS];
	int nworlds;
	struct world *worlds;	/* copies, in order */
};

struct checkpoint {
	uint64_t insns;		/* sim_insns() when taken */
	uint64_t now_ns;
	uint64_t q_start;	/* the quantum being played */
	bool q_planned;
	int q_host, q_pcpu;
	uint64_t next_seq;	/* the event log's next sequence number */
	int nhosts;
	struct host_snap host[SIM_MAX_HOSTS];
	int nvms;
	struct vm_snap vm[];
};

struct history {
	struct sim *s;
	uint64_t interval;
	int keep;
	struct checkpoint **cp;	/* oldest first */
	int n;
};

static void free_checkpoint(struct checkpoint *cp)
{
	if (cp == NULL)
		return;
	for (int i = 0; i < cp->nhosts; i++)
		free(cp->host[i].worlds);
	for (int i = 0; i < cp->nvms; i++) {
		struct vm_snap *vs = &cp->vm[i];

		vmx_state_free(vs->vmx);
		vmfs_state_free(vs->disk);
		free(vs->touched);
		free(vs->page_no);
		free(vs->pages);
		for (int j = 0; j < vs->nvcpus; j++) {
			cpu_state_free(vs->vcpu[j].cpu);
			bt_state_free(vs->vcpu[j].bt);
		}
	}
	free(cp);
}

static int snap_vm(struct vm *vm, struct vm_snap *vs)
{
	uint32_t npages = vm->ram_size / PAGE, k = 0;

	vs->state = vm->state;
	vs->power_reason = vm->power_reason;
	vs->exit_status = vm->exit_status;
	if (vmx_state_save(vm->vmx, &vs->vmx) != SIM_OK)
		return SIM_ENOMEM;
	vs->pic = vm->pic;
	vs->pit = vm->pit;
	vs->pit_seen_ns = vm->pit_seen_ns;
	vs->ata = vm->ata;
	if (vm->disk != NULL && vmfs_state_save(vm->disk, &vs->disk) != SIM_OK)
		return SIM_ENOMEM;
	if (vm->modelled)
		return SIM_OK;	/* no memory, no vCPUs */
	vs->touched = malloc(npages);
	if (vs->touched == NULL)
		return SIM_ENOMEM;
	memcpy(vs->touched, vm->touched, npages);
	for (uint32_t p = 0; p < npages; p++)
		vs->npages += vm->touched[p];
	vs->page_no = malloc((vs->npages + 1) * sizeof *vs->page_no);
	vs->pages = malloc((size_t)(vs->npages ? vs->npages : 1) * PAGE);
	if (vs->page_no == NULL || vs->pages == NULL)
		return SIM_ENOMEM;
	for (uint32_t p = 0; p < npages; p++) {
		if (!vm->touched[p])
			continue;
		vs->page_no[k] = p;
		memcpy(vs->pages + (size_t)k * PAGE, vm->ram + (size_t)p * PAGE,
		       PAGE);
		k++;
	}
	vs->nvcpus = vm->nvcpus;
	for (int j = 0; j < vm->nvcpus; j++) {
		struct vcpu *v = vm->vcpu[j];
		struct vcpu_snap *c = &vs->vcpu[j];

		vmm_sync_counters(v);
		vmm_settle(v);	/* never snapshot the CPU inside the VMM's stub */
		if (cpu_state_save(v->cpu, &c->cpu) != SIM_OK)
			return SIM_ENOMEM;
		c->virt = v->virt;
		c->stats = v->stats;
		c->state = v->state;
		c->vring = v->vring;
		c->cpl = v->cpl;
		c->ring_dirty = v->ring_dirty;
		c->slice_ns = v->slice_ns;
		c->slice_cycles = v->slice_cycles;
		c->irq_window = v->irq_window;
		c->sti_shadow = v->sti_shadow;
		c->cycle_hit = v->cycle_hit;
		c->irq_after = v->irq_after;
		c->cycle_end = v->cycle_end;
		c->sti_next = v->sti_next;
		c->exec = v->exec;
		c->in_bt = v->in_bt;
		c->bt_cs = v->bt_cs;
		if (v->bt && bt_state_save(v->bt, &c->bt) != SIM_OK)
			return SIM_ENOMEM;
	}
	return SIM_OK;
}

static int snap_host(struct host *h, struct host_snap *hs)
{
	struct vmkernel *k = h->vmk;

	hs->logged_in = h->logged_in;
	memcpy(hs->pcpu, k->pcpu, sizeof hs->pcpu);
	hs->nworlds = k->nworlds;
	hs->worlds = malloc((size_t)k->nworlds * sizeof *hs->worlds);
	if (hs->worlds == NULL)
		return SIM_ENOMEM;
	for (int j = 0; j < k->nworlds; j++)
		hs->worlds[j] = *k->worlds[j];
	return SIM_OK;
}

static void restore_host(struct host *h, const struct host_snap *hs)
{
	struct vmkernel *k = h->vmk;

	h->logged_in = hs->logged_in;
	memcpy(k->pcpu, hs->pcpu, sizeof k->pcpu);
	for (int j = 0; j < hs->nworlds; j++)
		*k->worlds[j] = hs->worlds[j];
}

/* Can cp be put back on the world as it is now (same hosts, VMs, worlds)? */
static bool same_shape(const struct sim *s, const struct checkpoint *cp)
{
	if (cp->nvms != s->nvms || cp->nhosts != s->nhosts)
		return false;
	for (int i = 0; i < s->nhosts; i++)
		if (cp->host[i].nworlds != s->hosts[i]->vmk->nworlds)
			return false;
	for (int i = 0; i < s->nvms; i++)
		if (cp->vm[i].nvcpus != s->vms[i]->nvcpus)
			return false;
	return true;
}

static int take(struct history *h, struct checkpoint **out)
{
	struct sim *s = h->s;
	struct checkpoint *cp = calloc(1, sizeof *cp +
				       (size_t)s->nvms * sizeof cp->vm[0]);
	int rc = SIM_OK;

	if (cp == NULL)
		return SIM_ENOMEM;
	cp->insns = sim_insns(s);
	cp->now_ns = s->now_ns;
	cp->q_start = s->q_start;
	cp->q_planned = s->q_planned;
	cp->q_host = s->q_host;
	cp->q_pcpu = s->q_pcpu;
	cp->next_seq = event_log_total(s->log);
	cp->nhosts = s->nhosts;
	for (int i = 0; i < s->nhosts && rc == SIM_OK; i++)
		rc = snap_host(s->hosts[i], &cp->host[i]);
	cp->nvms = s->nvms;
	for (int i = 0; i < s->nvms && rc == SIM_OK; i++)
		rc = snap_vm(s->vms[i], &cp->vm[i]);
	if (rc != SIM_OK) {
		free_checkpoint(cp);
		return rc;
	}
	*out = cp;
	return SIM_OK;
}

/* Put one page back if it differs, telling the caches that code changed. */
static void restore_page(struct vm *vm, uint32_t p, const uint8_t *src)
{
	static const uint8_t zero[PAGE];
	uint8_t *dst = vm->ram + (size_t)p * PAGE;

	if (src == NULL)
		src = zero;
	if (memcmp(dst, src, PAGE) == 0)
		return;
	memcpy(dst, src, PAGE);
	blockcache_note_write(vm->code, p * PAGE, (int)PAGE);
	for (int j = 0; j < vm->nvcpus; j++)
		cpu_invalidate_code(vm->vcpu[j]->cpu, p * PAGE, PAGE);
}

static void restore_vm(struct vm *vm, const struct vm_snap *vs)
{
	uint32_t npages = vm->ram_size / PAGE, k = 0;

	vm->state = vs->state;
	vm->power_reason = vs->power_reason;
	vm->exit_status = vs->exit_status;
	vmx_state_load(vm->vmx, vs->vmx);
	vm->pic = vs->pic;
	vm->pit = vs->pit;
	vm->pit_seen_ns = vs->pit_seen_ns;
	vm->ata = vs->ata;
	if (vs->disk != NULL)
		vmfs_state_load(vm->disk, vs->disk);	/* (out of memory: kept as is) */
	if (vm->modelled)
		return;
	for (uint32_t p = 0; p < npages; p++) {
		const uint8_t *src = NULL;

		if (k < vs->npages && vs->page_no[k] == p)
			src = vs->pages + (size_t)k++ * PAGE;
		if (src != NULL || vm->touched[p])
			restore_page(vm, p, src);
	}
	memcpy(vm->touched, vs->touched, npages);
	for (int j = 0; j < vs->nvcpus; j++) {
		struct vcpu *v = vm->vcpu[j];
		const struct vcpu_snap *c = &vs->vcpu[j];

		v->virt = c->virt;
		v->stats = c->stats;
		v->state = c->state;
		v->vring = c->vring;
		v->cpl = c->cpl;
		v->ring_dirty = c->ring_dirty;
		v->slice_ns = c->slice_ns;
		v->slice_cycles = c->slice_cycles;
		v->irq_window = c->irq_window;
		v->sti_shadow = c->sti_shadow;
		v->cycle_hit = c->cycle_hit;
		v->irq_after = c->irq_after;
		v->cycle_end = c->cycle_end;
		v->sti_next = c->sti_next;
		v->exec = c->exec;
		v->in_bt = c->in_bt;
		v->bt_cs = c->bt_cs;
		if (v->bt && c->bt)
			bt_state_load(v, c->bt);
		v->hot = NULL;
		v->hot_runs = 0;
		v->cur = NULL;
		vmm_rebuild_tables(v);
		cpu_state_load(v->cpu, c->cpu);	/* last: it sets LDTR, TR... */
	}
	blockcache_collect(vm->code);
}

static void restore(struct history *h, const struct checkpoint *cp)
{
	struct sim *s = h->s;

	event_log_truncate(s->log, cp->next_seq);
	s->now_ns = cp->now_ns;
	s->q_start = cp->q_start;
	s->q_planned = cp->q_planned;
	s->q_host = cp->q_host;
	s->q_pcpu = cp->q_pcpu;
	for (int i = 0; i < cp->nhosts; i++)
		restore_host(s->hosts[i], &cp->host[i]);
	for (int i = 0; i < cp->nvms; i++)
		restore_vm(s->vms[i], &cp->vm[i]);
}

/* Keep a checkpoint; when the list is full, thin it out. */
static int push(struct history *h)
{
	struct checkpoint *cp;
	int rc;

	if (h->n > 0 && h->cp[h->n - 1]->insns == sim_insns(h->s))
		return SIM_OK;
	if (h->n == h->keep) {
		int k = 1;

		for (int i = 1; i < h->n; i++) {
			if (i % 2)
				free_checkpoint(h->cp[i]);
			else
				h->cp[k++] = h->cp[i];
		}
		h->n = k;
		h->interval *= 2;
	}
	if ((rc = take(h, &cp)) != SIM_OK)
		return rc;
	h->cp[h->n++] = cp;
	return SIM_OK;
}

static void drop_after(struct history *h, uint64_t insns)
{
	while (h->n > 1 && h->cp[h->n - 1]->insns > insns)
		free_checkpoint(h->cp[--h->n]);
}

int history_create(struct sim *s, uint64_t interval, int keep,
		   struct history **out)
{
	struct history *h = calloc(1, sizeof *h);
	int rc;

	if (h == NULL)
		return SIM_ENOMEM;
	h->s = s;
	h->interval = interval ? interval : 10000;
	h->keep = keep >= 2 ? keep : 64;
	h->cp = calloc((size_t)h->keep, sizeof *h->cp);
	rc = h->cp ? push(h) : SIM_ENOMEM;
	if (rc != SIM_OK) {
		history_destroy(h);
		return rc;
	}
	*out = h;
	return SIM_OK;
}

void history_destroy(struct history *h)
{
	if (h == NULL)
		return;
	for (int i = 0; i < h->n; i++)
		free_checkpoint(h->cp[i]);
	free(h->cp);
	free(h);
}

int history_run(struct history *h, uint64_t max_insns, enum sim_stop *why)
{
	uint64_t left = max_insns;
	int rc = SIM_OK;

	*why = SIM_STOP_BUDGET;
	while (left > 0 && rc == SIM_OK) {
		uint64_t pos = sim_insns(h->s), next, ran;

		if (!same_shape(h->s, h->cp[0])) {
			/* the world gained a VM: start the history afresh */
			drop_after(h, 0);
			free_checkpoint(h->cp[0]);
			h->n = 0;
			if ((rc = push(h)) != SIM_OK)
				break;
		}
		next = (pos / h->interval + 1) * h->interval;
		rc = sim_run(h->s, left < next - pos ? left : next - pos, why);
		ran = sim_insns(h->s) - pos;
		left -= ran < left ? ran : left;
		if (rc == SIM_OK && ran > 0 && sim_insns(h->s) % h->interval == 0)
			rc = push(h);
		if (*why != SIM_STOP_BUDGET)
			break;
	}
	return rc;
}

int history_seek(struct history *h, uint64_t insns)
{
	uint64_t pos = sim_insns(h->s);
	enum sim_stop why;
	int i;

	if (insns >= pos)
		return history_run(h, insns - pos, &why);
	for (i = h->n - 1; i > 0 && h->cp[i]->insns > insns; i--)
		;
	if (!same_shape(h->s, h->cp[i]))
		return SIM_ESTATE;	/* a VM was added since: cannot go back */
	restore(h, h->cp[i]);
	drop_after(h, h->cp[i]->insns);
	return history_run(h, insns - h->cp[i]->insns, &why);
}

int history_back(struct history *h, uint64_t n)
{
	uint64_t pos = sim_insns(h->s);

	return history_seek(h, pos > n ? pos - n : 0);
}

int history_checkpoints(const struct history *h)
{
	return h->n;
}

uint64_t history_interval(const struct history *h)
{
	return h->interval;
}
