/*
 * vmm_disk.c - the VMM's virtual disk controller.
 *
 * The guest's disk driver talks to an ATA controller on the primary IDE
 * channel.  The VMM emulates its registers itself (dev_ata.c), the way
 * ESX's monitor emulates its disk controllers: a driver touches them
 * several times per sector, too often for a world switch to the VMX each
 * time (path guest > vmm > guest).  Only when a sector must move does the
 * VMM call down into the VMKernel, whose storage stack reads or writes the
 * VM's disk file on its datastore (storage.c): the request's cost is the
 * VMKernel's, paid in the vCPU's time because programmed I/O waits for it.
 *
 * A write the VMKernel cannot store, its datastore full, is held by the
 * controller and the VM is paused (storage.h): the guest is stopped in
 * the middle of its OUT, and nothing it wrote is lost.
 */
#include "vmm/cost.h"
#include "status.h"
#include "vm.h"
#include "vmkernel/storage.h"
#include "vmm/vmm_priv.h"

static int read_sector(void *ctx, uint64_t lba, uint8_t buf[ATA_SECTOR])
{
	struct vcpu *v = ctx;

	vmm_charge_vmkernel(v, COST_STORAGE_IO);	/* %SYS */
	return storage_read(v->vm, v->id, lba, buf) == SIM_OK ? ATA_IO_OK :
	       ATA_IO_ERROR;
}

static int write_sector(void *ctx, uint64_t lba,
			const uint8_t buf[ATA_SECTOR])
{
	struct vcpu *v = ctx;

	int rc;

	vmm_charge_vmkernel(v, COST_STORAGE_IO);	/* %SYS */
	rc = storage_write(v->vm, v->id, lba, buf);
	if (rc == SIM_ENOSPC) {
		vm_pause(v->vm, POWER_NO_SPACE, (uint32_t)lba);
		return ATA_IO_NO_SPACE;
	}
	return rc == SIM_OK ? ATA_IO_OK : ATA_IO_ERROR;
}

/* The controller's interrupt line is IRQ 14 at the VMM's own PIC. */
static void update_irq(struct vm *vm)
{
	pic_set_irq(&vm->pic, ATA_IRQ, ata_irq(&vm->ata));
}

bool vmm_disk_retry(struct vm *vm)
{
	struct ata_storage io = { vm->vcpu[0], read_sector, write_sector };
	bool held = ata_retry(&vm->ata, &io);

	update_irq(vm);
	return held;
}

uint32_t vmm_disk_in(struct vcpu *v, uint16_t port, int size)
{
	struct ata_storage io = { v, read_sector, write_sector };
	uint32_t value = ata_read(&v->vm->ata, &io, port, size);

	update_irq(v->vm);
	return value;
}

void vmm_disk_out(struct vcpu *v, uint16_t port, int size, uint32_t value)
{
	struct ata_storage io = { v, read_sector, write_sector };

	ata_write(&v->vm->ata, &io, port, size, value);
	update_irq(v->vm);
}
