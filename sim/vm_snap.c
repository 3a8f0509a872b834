/*
 * vm_snap.c - a VM's whole state, saved and put back (vm_snap.h).
 *
 * Each piece has one owner that saves and loads it: the VMX its devices
 * (vmx_state), the VMM each vCPU (vmm_state) and its own devices, the PIC
 * and the PIT (vmm_devices_save); this file adds what the VM itself owns, its power
 * state and its RAM.  RAM is saved as the pages ever written (vm_touch in
 * vm.h is the only way to mark one): a page never written is still zeros.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "status.h"
#include "vm_snap.h"
#include "vmm/vmm_devices.h"
#include "vmm/vmm_state.h"
#include "vmx/vmx.h"

#define PAGE 4096u

struct vm_snap {
	enum vm_state state;
	enum power_reason power_reason;
	uint32_t exit_status;
	bool modelled;
	struct vmx_state *vmx;
	struct vmm_devices_state dev;	/* the VMM's devices */
	uint32_t ram_size;
	uint8_t *touched;		/* a copy of vm->touched */
	uint8_t *dirty;			/* ... of VMotion's dirty bits, if on */
	uint32_t ndirty;
	uint32_t npages;
	uint32_t *page_no;		/* which pages ... */
	uint8_t *pages;			/* ... and their contents */
	int nvcpus;
	struct vmm_state *vcpu[VM_MAX_VCPUS];
};

void vm_snap_free(struct vm_snap *snap)
{
	if (snap == NULL)
		return;
	vmx_state_free(snap->vmx);
	free(snap->touched);
	free(snap->dirty);
	free(snap->page_no);
	free(snap->pages);
	for (int j = 0; j < snap->nvcpus; j++)
		vmm_state_free(snap->vcpu[j]);
	free(snap);
}

/* The pages ever written, and their contents. */
static int save_ram(const struct vm *vm, struct vm_snap *snap)
{
	uint32_t npages = vm->ram_size / PAGE, k = 0;

	snap->ram_size = vm->ram_size;
	snap->touched = malloc(npages ? npages : 1);
	if (snap->touched == NULL)
		return SIM_ENOMEM;
	memcpy(snap->touched, vm->touched, npages);
	/* a VMotion under way traces writes: the pages dirtied so far are
	   part of where the VM is (a step back must not resend or lose one) */
	if (vm->dirty != NULL) {
		if ((snap->dirty = malloc(npages ? npages : 1)) == NULL)
			return SIM_ENOMEM;
		memcpy(snap->dirty, vm->dirty, npages);
		snap->ndirty = vm->ndirty;
	}
	for (uint32_t p = 0; p < npages; p++)
		snap->npages += vm->touched[p];
	snap->page_no = malloc((snap->npages + 1) * sizeof *snap->page_no);
	snap->pages = malloc((size_t)(snap->npages ? snap->npages : 1) * PAGE);
	if (snap->page_no == NULL || snap->pages == NULL)
		return SIM_ENOMEM;
	for (uint32_t p = 0; p < npages; p++) {
		if (!vm->touched[p])
			continue;
		snap->page_no[k] = p;
		memcpy(snap->pages + (size_t)k * PAGE,
		       vm->ram + (size_t)p * PAGE, PAGE);
		k++;
	}
	return SIM_OK;
}

int vm_snap_save(struct vm *vm, struct vm_snap **out)
{
	struct vm_snap *snap = calloc(1, sizeof *snap);
	int rc;

	if (snap == NULL)
		return SIM_ENOMEM;
	snap->state = vm->state;
	snap->power_reason = vm->power_reason;
	snap->exit_status = vm->exit_status;
	snap->modelled = vm->modelled;
	vmm_devices_save(vm, &snap->dev);
	rc = vmx_state_save(vm->vmx, &snap->vmx);
	if (rc == SIM_OK && !vm->modelled)	/* (modelled: no RAM, no vCPUs) */
		rc = save_ram(vm, snap);
	for (int j = 0; rc == SIM_OK && j < vm->nvcpus; j++) {
		rc = vmm_state_save(vm->vcpu[j], &snap->vcpu[j]);
		snap->nvcpus = j + 1;
	}
	if (rc != SIM_OK) {
		vm_snap_free(snap);
		return rc;
	}
	*out = snap;
	return SIM_OK;
}

bool vm_snap_fits(const struct vm *vm, const struct vm_snap *snap)
{
	return snap->modelled == vm->modelled &&
	       snap->nvcpus == vm->nvcpus &&
	       (vm->modelled || snap->ram_size == vm->ram_size);
}

/* Put one page back if it differs, telling the caches that code changed. */
static void load_page(struct vm *vm, uint32_t p, const uint8_t *src)
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

/* VMotion's dirty bits as they were: tracing on (a copy) or off. */
static int load_dirty(struct vm *vm, const struct vm_snap *snap)
{
	uint32_t npages = vm->ram_size / PAGE;

	if (snap->dirty == NULL) {
		free(vm->dirty);
		vm->dirty = NULL;
		vm->ndirty = 0;
		return SIM_OK;
	}
	if (vm->dirty == NULL && (vm->dirty = malloc(npages ? npages : 1)) == NULL)
		return SIM_ENOMEM;
	memcpy(vm->dirty, snap->dirty, npages);
	vm->ndirty = snap->ndirty;
	return SIM_OK;
}

static int load_ram(struct vm *vm, const struct vm_snap *snap)
{
	uint32_t npages = vm->ram_size / PAGE, k = 0;

	for (uint32_t p = 0; p < npages; p++) {
		const uint8_t *src = NULL;

		if (k < snap->npages && snap->page_no[k] == p)
			src = snap->pages + (size_t)k++ * PAGE;
		if (src != NULL || vm->touched[p])
			load_page(vm, p, src);
	}
	memcpy(vm->touched, snap->touched, npages);
	return load_dirty(vm, snap);
}

int vm_snap_load(struct vm *vm, const struct vm_snap *snap)
{
	int rc;

	if (!vm_snap_fits(vm, snap))
		return SIM_ESTATE;
	if ((rc = vmx_state_load(vm->vmx, snap->vmx)) != SIM_OK)
		return rc;
	vm->state = snap->state;
	vm->power_reason = snap->power_reason;
	vm->exit_status = snap->exit_status;
	vmm_devices_load(vm, &snap->dev);
	if (vm->modelled)
		return SIM_OK;
	rc = load_ram(vm, snap);
	for (int j = 0; j < snap->nvcpus && rc == SIM_OK; j++)
		rc = vmm_state_load(vm->vcpu[j], snap->vcpu[j]);
	blockcache_collect(vm->code);
	return rc;
}

uint32_t vm_snap_pages(const struct vm_snap *snap)
{
	return snap->npages;
}
