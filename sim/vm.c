/*
 * vm.c - creating a VM the way the VMX bootstraps one, and powering it off.
 *
 * The bootstrap, in the order ESX's VMX performs it (each step an EV_VMX
 * event a student can watch):
 *   1. the VMX user world starts for the VM
 *   2. it allocates the guest's "physical" memory and maps it
 *   3. it loads the image the VM boots (here: a Multiboot kernel)
 *   4. it creates the VMM, with one world (thread) per virtual CPU
 *   5. it starts vCPU 0 at the kernel's entry point
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/bt.h"
#include "sim.h"
#include "status.h"
#include "vm.h"
#include "vmkernel/storage.h"
#include "vmm/vmm.h"
#include "vmx/snapshot.h"
#include "vmx/vmx.h"
#include "vmm/vmm_devices.h"

static const char *const state_names[] = {
	[VM_OFF] = "off", [VM_ON] = "on", [VM_HALTED] = "halted",
	[VM_PAUSED] = "paused",
};

const char *vm_state_name(enum vm_state s)
{
	return (unsigned)s <= VM_PAUSED ? state_names[s] : "?";
}

void vm_emit(struct vm *vm, int vcpu, struct event *ev)
{
	ev->vm = vm->id;
	ev->vcpu = (uint16_t)vcpu;
	ev->t_ns = vm_now_ns(vm, vcpu);
	event_log_emit(sim_events(vm->sim), ev);
}

struct host *vm_host(const struct vm *vm)
{
	return vm->host;
}

uint64_t vm_now_ns(struct vm *vm, int vcpu)
{
	/* not a vCPU's doing: as far as the world has got */
	if (vcpu < 0 || vcpu >= vm->nvcpus || vm->vcpu[vcpu] == NULL)
		return sim_clock_ns(vm->sim);
	return vmm_now_ns(vm->vcpu[vcpu]);
}

/*
 * Guest RAM and the VMM's area come straight from the kernel, zeroed and
 * page-aligned: pages the guest never touches cost nothing.
 */
static void *alloc_pages(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void free_pages(void *p, size_t size)
{
	if (p != NULL)
		munmap(p, size);
}

/*
 * A powered-off VM's RAM goes back to the host: fresh zero pages are
 * mapped over it at the same address (the CPU keeps its mapping), so the
 * host pages the guest wrote are freed.  A VM costs host memory only
 * while it runs, as the VMKernel frees a VM's machine pages at power-off
 * [src: Waldspurger, "Memory Resource Management in VMware ESX Server",
 * OSDI 2002, section 2].  A power-on boots into fresh RAM (fresh_ram).
 */
static void release_ram(struct vm *vm)
{
	if (vm->ram == NULL || vm->ram_size == 0)
		return;
	if (mmap(vm->ram, vm->ram_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return;		/* the pages stay; nothing is lost */
	memset(vm->touched, 0, vm->ram_size >> 12);
}

static void boot_event(struct vm *vm, enum vmx_boot_step step, uint32_t a,
		       uint32_t b)
{
	struct event ev = { .kind = EV_VMX };

	ev.u.vmx.step = (uint8_t)step;
	ev.u.vmx.a = a;
	ev.u.vmx.b = b;
	vm_emit(vm, -1, &ev);
}

static void power_event(struct vm *vm, enum power_reason why, int on,
			uint32_t status)
{
	struct event ev = { .kind = EV_POWER };

	ev.u.power.reason = (uint8_t)why;
	ev.u.power.on = (uint8_t)on;
	ev.u.power.status = status;
	/*
	 * Switched on or off from outside (a user, a log-off, an
	 * administrator): that happens at the world's time, not at the time
	 * vCPU 0 had reached when it last ran.  A Retry goes on from where
	 * vCPU 0 was paused: its time.
	 */
	vm_emit(vm, (on && why != POWER_RETRY) || why == POWER_USER ||
		    why == POWER_LOGOFF ? -1 : 0, &ev);
}

static int create_vcpu(struct vm *vm, int id)
{
	struct vcpu *v = calloc(1, sizeof *v);
	struct cpu_config cc;
	struct cpu_hooks hooks;
	const char *why;
	int rc;

	if (v == NULL)
		return SIM_ENOMEM;
	vm->vcpu[id] = v;
	v->vm = vm;
	v->id = id;
	v->run.code_gen = blockcache_generation(vm->code);
	v->vmm_area = alloc_pages(VMM_SIZE);
	if (v->vmm_area == NULL)
		return SIM_ENOMEM;
	cc = (struct cpu_config){
		.ram = vm->ram, .ram_size = vm->ram_size,
		.vmm = v->vmm_area, .vmm_base = VMM_BASE, .vmm_size = VMM_SIZE,
		.tables_base = VMM_BASE + VMM_GDT_OFF,
		.tables_size = VMM_STUB_OFF - VMM_GDT_OFF,	/* GDT and LDT */
		.mmio_base = APIC_BASE_DEFAULT, .mmio_size = APIC_SPACE_SIZE,
		.apic_id = (uint8_t)id,
		.tsc_deadline = vm->cfg.tsc_deadline,
	};
	if (vm->cfg.mode == MODE_BT) {
		if ((rc = bt_create(v, &v->bt)) != SIM_OK)
			return rc;
		v->run.tc_gen = bt_view_generation(v->bt);
	}
	v->exec = (uint8_t)vm->cfg.mode;
	vmm_hooks(v, &hooks);
	rc = cpu_create(&cc, &hooks, &v->cpu, &why);
	if (rc != SIM_OK)
		return rc;
	apic_reset(&v->apic, id, id == 0);
	rc = vmm_vcpu_init(v, &vm->boot);
	if (id != 0)	/* IA32_APIC_BASE bit 8: the bootstrap processor */
		v->virt.msr[VMSR_APIC_BASE] &= ~0x100u;
	/* the clock starts now: the VMX's start-up costs the guest nothing */
	vmm_slice_begin(v, &(struct vmm_slice){ sim_now_ns(vm->sim),
						UINT64_MAX });
	return rc;
}

static void free_vcpus(struct vm *vm)
{
	for (int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpu[i];

		if (v == NULL)
			continue;
		cpu_destroy(v->cpu);
		bt_destroy(v->bt);
		free_pages(v->vmm_area, VMM_SIZE);
		free(v);
		vm->vcpu[i] = NULL;
	}
	vm->nvcpus = 0;
}

/* Guest RAM, all zeros: fresh pages from the kernel. */
static int fresh_ram(struct vm *vm)
{
	free_pages(vm->ram, vm->ram_size);
	vm->ram_size = vm->cfg.mem_mb << 20;
	vm->ram = alloc_pages(vm->ram_size);
	if (vm->touched == NULL)
		vm->touched = calloc(vm->ram_size >> 12, 1);
	else
		memset(vm->touched, 0, vm->ram_size >> 12);
	return vm->ram && vm->touched ? SIM_OK : SIM_ENOMEM;
}

static void powered_on(struct vm *vm)
{
	boot_event(vm, VMX_START, vm->boot.eip, 0);
	vm->state = VM_ON;
	vm->power_reason = POWER_ON;
	vm->exit_status = 0;
	power_event(vm, POWER_ON, 1, 0);
}

int vm_boot(struct vm *vm, char err[GUEST_ERR_MAX])
{
	struct vcpu_stats kept[VM_MAX_VCPUS];
	int nkept = vm->nvcpus, rc;
	struct guest_image img;

	err[0] = '\0';
	for (int i = 0; i < nkept; i++)
		kept[i] = vm->vcpu[i]->stats;
	free_vcpus(vm);
	blockcache_destroy(vm->code);
	vm->code = NULL;
	vmx_reset(vm->vmx);
	vmm_devices_reset(vm);
	if (vm->modelled) {
		/* no code to load: a load profile stands in for the guest */
		boot_event(vm, VMX_ALLOC_MEMORY, vm->cfg.mem_mb, 0);
		boot_event(vm, VMX_CREATE_VMM, (uint32_t)vm->cfg.vcpus, 0);
		powered_on(vm);
		return SIM_OK;
	}
	if ((rc = guest_open(vm->guest_path, &img, err)) != SIM_OK)
		return rc;
	/* 2. guest RAM, owned by the simulator and mapped into the CPU */
	rc = fresh_ram(vm);
	if (rc == SIM_OK) {
		boot_event(vm, VMX_ALLOC_MEMORY, vm->cfg.mem_mb, 0);
		/* 3. the kernel, and the Multiboot hand-over data */
		struct guest_extra x = { .append = vm->cfg.append,
					 .nmodules = vm->cfg.nmodules };

		for (int i = 0; i < x.nmodules; i++)
			x.modules[i] = vm->cfg.modules[i];
		rc = guest_load_extra(&img, vm->ram, vm->ram_size,
				      vm->guest_path, &x, &vm->boot, err);
		if (rc != SIM_OK) {	/* "kernel: ..." names no file */
			char what[GUEST_ERR_MAX];

			snprintf(what, sizeof what, "%s", err);
			snprintf(err, GUEST_ERR_MAX, "%.120s: %.130s",
				 vm->guest_path, what);
		}
	}
	if (rc == SIM_OK) {
		/* what the loader wrote: low memory, the kernel, its strings */
		vm_touch(vm, 0, 0x100000);
		vm_touch(vm, img.load_lo, vm->boot.info_end - img.load_lo);
		boot_event(vm, VMX_LOAD_IMAGE, img.entry,
			   img.load_hi - img.load_lo);
		if (vm->disk != NULL)	/* through the VMKernel, on its datastore */
			boot_event(vm, VMX_OPEN_DISK,
				   (uint32_t)vmfs_sectors(vm->disk), 0);
		rc = blockcache_create(vm->ram, vm->ram_size,
				       sim_disasm(vm->sim), &vm->code);
	}
	/* 4. the VMM, one world per vCPU */
	for (int i = 0; rc == SIM_OK && i < vm->cfg.vcpus; i++) {
		rc = create_vcpu(vm, i);
		vm->nvcpus = i + 1;
		if (rc == SIM_OK && i < nkept) {
			/* the counters go on across a reboot */
			vm->vcpu[i]->stats = kept[i];
			vmm_slice_begin(vm->vcpu[i], &(struct vmm_slice){
				sim_now_ns(vm->sim), UINT64_MAX });
		}
	}
	if (rc == SIM_OK)
		boot_event(vm, VMX_CREATE_VMM, (uint32_t)vm->cfg.vcpus, 0);
	guest_close(&img);
	if (rc != SIM_OK) {
		if (err[0] == '\0')
			snprintf(err, GUEST_ERR_MAX, "%.200s: %s", vm->guest_path,
				 rc == SIM_EINTERNAL ?
				 "the CPU library (Unicorn) failed to start" :
				 sim_strerror(rc));
		free_vcpus(vm);
		return rc;
	}
	/* 5. start: application processors would wait for an INIT-SIPI */
	for (int i = 1; i < vm->nvcpus; i++)
		vm->vcpu[i]->state = VCPU_HALTED;	/* halted in the firmware */
	powered_on(vm);
	return SIM_OK;
}

/* Is the guest kernel loadable?  (Asked before the VM exists.) */
static int guest_check(const char *path, char err[GUEST_ERR_MAX])
{
	struct guest_image img;
	int rc = guest_open(path, &img, err);

	if (rc == SIM_OK)
		guest_close(&img);
	return rc;
}

static int check_config(const struct vm_config *cfg, char err[GUEST_ERR_MAX])
{
	if (cfg->name && (cfg->name[0] == '\0' ||
			  strlen(cfg->name) >= VM_NAME_MAX)) {
		snprintf(err, GUEST_ERR_MAX, "a VM name has 1 to %d characters",
			 VM_NAME_MAX - 1);
		return SIM_EINVAL;
	}
	if (cfg->mem_mb < 4 || cfg->mem_mb > 1024) {
		snprintf(err, GUEST_ERR_MAX,
			 "guest memory must be 4 to 1024 MiB (got %u)",
			 cfg->mem_mb);
		return SIM_EINVAL;
	}
	if (cfg->mode != MODE_TE && cfg->mode != MODE_BT && cfg->mode != MODE_HW) {
		snprintf(err, GUEST_ERR_MAX,
			 "execution mode %s is not one a VM can be created in (te, bt, hw)",
			 exec_mode_name(cfg->mode));
		return SIM_EINVAL;
	}
	if (cfg->vcpus < 1 || cfg->vcpus > VM_MAX_VCPUS) {
		snprintf(err, GUEST_ERR_MAX, "a VM has 1 to %d vCPUs",
			 VM_MAX_VCPUS);
		return SIM_EINVAL;
	}
	if (cfg->disk != NULL && cfg->disk_mb != 0) {
		snprintf(err, GUEST_ERR_MAX,
			 "a VM's disk is either an image (%s) or blank (%u MiB), not both",
			 cfg->disk, cfg->disk_mb);
		return SIM_EINVAL;
	}
	if (cfg->disk_mb > VMFS_MAX_SECTORS >> 11) {
		snprintf(err, GUEST_ERR_MAX,
			 "an IDE disk (LBA28) holds at most %llu MiB (got %u)",
			 VMFS_MAX_SECTORS >> 11, cfg->disk_mb);
		return SIM_EINVAL;
	}
	if (cfg->guest == NULL && (cfg->disk != NULL || cfg->disk_mb != 0)) {
		snprintf(err, GUEST_ERR_MAX,
			 "a modelled VM (no guest) has no disk controller for a disk");
		return SIM_EINVAL;
	}
	if (cfg->nmodules < 0 || cfg->nmodules > GUEST_MAX_MODULES) {
		snprintf(err, GUEST_ERR_MAX, "a VM has at most %d Multiboot modules",
			 GUEST_MAX_MODULES);
		return SIM_EINVAL;
	}
	for (int i = 0; i < cfg->nmodules; i++)
		if (cfg->modules[i] == NULL || cfg->modules[i][0] == '\0' ||
		    cfg->modules[i][0] == ',' || strlen(cfg->modules[i]) >= 256) {
			snprintf(err, GUEST_ERR_MAX,
				 "a module is FILE or FILE,STRING (under 256 characters), not '%.64s'",
				 cfg->modules[i] ? cfg->modules[i] : "");
			return SIM_EINVAL;
		}
	if (cfg->append != NULL && strlen(cfg->append) >= 256) {
		snprintf(err, GUEST_ERR_MAX, "the kernel command line has at most 255 characters");
		return SIM_EINVAL;
	}
	if (cfg->guest == NULL && (cfg->append != NULL || cfg->nmodules > 0)) {
		snprintf(err, GUEST_ERR_MAX,
			 "a modelled VM (no guest) has no kernel to take a command line or modules");
		return SIM_EINVAL;
	}
	if (cfg->guest == NULL && cfg->cdrom != NULL) {
		snprintf(err, GUEST_ERR_MAX,
			 "a modelled VM (no guest) has no CD-ROM drive to put %s in",
			 cfg->cdrom);
		return SIM_EINVAL;
	}
	return SIM_OK;
}

int vm_create(struct sim *sim, struct host *host, uint16_t id,
	      const struct vm_config *cfg, struct vm **out,
	      char err[GUEST_ERR_MAX])
{
	struct vm *vm;
	int rc;

	err[0] = '\0';
	*out = NULL;
	if ((rc = check_config(cfg, err)) != SIM_OK)
		return rc;
	if (cfg->guest != NULL && (rc = guest_check(cfg->guest, err)) != SIM_OK)
		return rc;
	vm = calloc(1, sizeof *vm);
	if (vm == NULL)
		return SIM_ENOMEM;
	vm->id = id;
	vm->sim = sim;
	vm->host = host;
	vm->cfg = *cfg;
	vm->modelled = cfg->guest == NULL;
	if (vm->cfg.mhz == 0)
		vm->cfg.mhz = 1000;
	snprintf(vm->name, sizeof vm->name, "%s", cfg->name ? cfg->name : "vm");
	snprintf(vm->guest_path, sizeof vm->guest_path, "%s",
		 cfg->guest ? cfg->guest : "");
	snprintf(vm->append, sizeof vm->append, "%s", cfg->append ? cfg->append : "");
	vm->cfg.append = cfg->append ? vm->append : NULL;
	for (int i = 0; i < cfg->nmodules; i++) {
		snprintf(vm->modules[i], sizeof vm->modules[i], "%s", cfg->modules[i]);
		vm->cfg.modules[i] = vm->modules[i];
	}
	vm->cfg.name = vm->name;
	vm->cfg.guest = vm->modelled ? NULL : vm->guest_path;
	vm->cfg.cdrom = NULL;
	vm->cfg.disk = NULL;	/* copied into the disk file: not kept */
	vm->cfg.datastore = NULL;	/* the disk file knows (vmfs_datastore) */
	vm->cfg.host = host ? host->name : NULL;
	*out = vm;		/* visible now, so bootstrap events can name it */

	/* 1. the VMX user world, with the VM's devices and disk file */
	rc = vmx_create(vm, cfg->cdrom, &vm->vmx, err);
	if (rc == SIM_OK && (cfg->disk != NULL || cfg->disk_mb != 0))
		rc = storage_create_disk(cfg->datastore ? cfg->datastore :
					 STORAGE_DEFAULT_DATASTORE, vm->name,
					 cfg->disk, cfg->disk_mb, &vm->disk,
					 err, GUEST_ERR_MAX);
	if (rc == SIM_OK) {
		vm->cfg.cdrom = vmx_cdrom_path(vm->vmx);
		boot_event(vm, VMX_CREATE_WORLD, 0, 0);
		rc = vm_boot(vm, err);
	}
	if (rc != SIM_OK) {
		vm_destroy(vm);
		*out = NULL;
	}
	return rc;
}

void vm_destroy(struct vm *vm)
{
	if (vm == NULL)
		return;
	free_vcpus(vm);
	blockcache_destroy(vm->code);
	vmx_destroy(vm->vmx);
	snapshot_free_all(vm);
	vmfs_disk_destroy(vm->disk);
	free_pages(vm->ram, vm->ram_size);
	free(vm->touched);
	free(vm->dirty);
	free(vm);
}

void vm_power_off(struct vm *vm, enum power_reason why, uint32_t status)
{
	if (vm->state != VM_ON && vm->state != VM_PAUSED)
		return;
	vmx_flush(vm->vmx, 0);
	vm->state = why == POWER_HALT ? VM_HALTED : VM_OFF;
	vm->power_reason = why;
	vm->exit_status = status;
	power_event(vm, why, 0, status);
	for (int i = 0; i < vm->nvcpus; i++) {
		vm->vcpu[i]->state = VCPU_STOPPED;
		vmm_request_stop(vm->vcpu[i]);
	}
	/* powered off from outside: its memory is freed.  A guest that
	   stopped itself (halt, fault, debug exit) keeps its RAM on screen
	   for the lesson to inspect, as a crashed VM's core dump would. */
	if (why == POWER_USER || why == POWER_LOGOFF)
		release_ram(vm);
}

void vm_pause(struct vm *vm, enum power_reason why, uint32_t status)
{
	if (vm->state != VM_ON)
		return;
	vmx_flush(vm->vmx, 0);
	vm->state = VM_PAUSED;
	vm->power_reason = why;
	vm->exit_status = status;
	power_event(vm, why, 0, status);
	/* the vCPUs keep their own state (running, halted...): a Retry goes
	   on from it */
	for (int i = 0; i < vm->nvcpus; i++)
		vmm_request_stop(vm->vcpu[i]);
}

void vm_resume(struct vm *vm, enum power_reason why)
{
	if (vm->state != VM_PAUSED)
		return;
	vm->state = VM_ON;
	vm->power_reason = why;
	vm->exit_status = 0;
	power_event(vm, why, 1, 0);
}

const char *vm_serial(const struct vm *vm, size_t *len)
{
	return vmx_serial_output(vm->vmx, len);
}

const char *vm_device_output(const struct vm *vm, int device, size_t *len)
{
	return vmx_output(vm->vmx, (enum vmx_device)device, len);
}

uint64_t vm_output_dropped(const struct vm *vm, int device)
{
	return vmx_output_dropped(vm->vmx, (enum vmx_device)device);
}

const char *vm_output_line(const struct vm *vm, const struct event *ev,
			   size_t *len)
{
	size_t have;
	const char *out;

	if (vm == NULL || ev->kind != EV_SERIAL)
		return NULL;
	out = vm_device_output(vm, ev->u.serial.device == DEV_PARALLEL ?
				    DEV_PARALLEL : DEV_SERIAL, &have);
	if ((uint64_t)ev->u.serial.offset + ev->u.serial.len > have)
		return NULL;	/* the output was rewound: stepped back */
	*len = ev->u.serial.len;
	return out + ev->u.serial.offset;
}
