# guests.mk - builds ringside's bundled guest kernels; included by the top-level Makefile.
#
# Paths are relative to the repository root (where make runs).  Result:
#   $(GUESTS)      the list of guest kernels, e.g. scenarios/guests/hello.elf
#   $(GUEST_DISC)  the CD-ROM image the cdrom guest reads (built with it)
# Every guest = the shared runtime in lib/ + its own NAME.c (and, for some,
# an assembly file of test snippets).  Objects go to scenarios/guests/build/.
#
# Tools: a freestanding 32-bit gcc (no C library, no libgcc: so no 64-bit
# division in guest code), `as --32` for assembly, and ld with our link.ld.

# Remember the including Makefile's default goal: our rules must not take it.
GUEST_SAVED_GOAL := $(.DEFAULT_GOAL)

GUEST_DIR   := scenarios/guests
GUEST_BUILD := $(GUEST_DIR)/build

GUEST_CC     := gcc
GUEST_CFLAGS := -m32 -ffreestanding -fno-pic -fno-pie -nostdlib -fno-stack-protector \
                -fno-asynchronous-unwind-tables -O2 -Wall -Wextra -Werror -I$(GUEST_DIR)/lib
GUEST_AS     := as --32
GUEST_LD     := ld -m elf_i386 -T $(GUEST_DIR)/link.ld -z noexecstack

GUEST_NAMES := hello holes faults tour bench classify timer cdrom parallel multitask dirty disk disklog smp
GUESTS      := $(patsubst %,$(GUEST_DIR)/%.elf,$(GUEST_NAMES))

GUEST_LIB_OBJS := $(GUEST_BUILD)/boot.o $(GUEST_BUILD)/isr.o $(GUEST_BUILD)/lib.o

# A guest: its own object, the runtime, and the linker script.
$(GUEST_DIR)/%.elf: $(GUEST_BUILD)/%.o $(GUEST_LIB_OBJS) $(GUEST_DIR)/link.ld
	$(GUEST_LD) -o $@ $(filter %.o,$^)

# The SMP guest is assembly only (its AP trampoline is 16-bit code), laid
# out as the small test guests are: one segment, code and data together.
$(GUEST_BUILD)/smp.o: $(GUEST_DIR)/lib/print.inc
$(GUEST_DIR)/smp.elf: $(GUEST_BUILD)/smp.o tests/guests/link.ld
	ld -m elf_i386 -T tests/guests/link.ld -z noexecstack --no-warn-rwx-segments -o $@ $<

# Guests with an extra assembly file of test code.
$(GUEST_DIR)/faults.elf: $(GUEST_BUILD)/faults_tests.o
$(GUEST_DIR)/classify.elf: $(GUEST_BUILD)/classify_probes.o

# Guests that take device interrupts: the PIC and PIT drivers (lib/irq.c).
$(GUEST_DIR)/timer.elf $(GUEST_DIR)/multitask.elf: $(GUEST_BUILD)/irq.o

# Guests with an IDE hard disk: the ATA driver (lib/ata.c).
$(GUEST_DIR)/disk.elf $(GUEST_DIR)/disklog.elf: $(GUEST_BUILD)/ata.o
$(GUEST_DIR)/disklog.elf: $(GUEST_BUILD)/irq.o

# The raw disk image the disk guest reads (QEMU: -drive file=IMG,format=raw,
# if=ide; ringside: --disk IMG): 1 MiB, a line of text in sector 0.
GUEST_DISK_IMG := $(GUEST_BUILD)/disk.img
$(GUEST_DISK_IMG): $(GUEST_DIR)/disk/label.txt | $(GUEST_BUILD)
	cp $< $@.tmp && truncate -s 1M $@.tmp && mv $@.tmp $@
$(GUEST_DIR)/disk.elf: | $(GUEST_DISK_IMG)

# The CD-ROM the cdrom guest reads: an ISO 9660 image of the files in
# disc/, written by our own tools/mkiso.c (built with the host compiler:
# genisoimage or xorriso need not be installed).  Building the guest
# builds its disc.
GUEST_MKISO := $(GUEST_BUILD)/mkiso
GUEST_DISC  := $(GUEST_BUILD)/cdrom.iso
GUEST_DISC_FILES := $(GUEST_DIR)/disc/readme.txt $(GUEST_DIR)/disc/notes.txt

$(GUEST_MKISO): $(GUEST_DIR)/tools/mkiso.c | $(GUEST_BUILD)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -o $@ $<
$(GUEST_DISC): $(GUEST_MKISO) $(GUEST_DISC_FILES)
	$(GUEST_MKISO) -o $@ -V RINGSIDE_DEMO $(GUEST_DISC_FILES)
$(GUEST_DIR)/cdrom.elf: | $(GUEST_DISC)

# Compiling and assembling (guest files and runtime files).
$(GUEST_BUILD)/%.o: $(GUEST_DIR)/%.c $(GUEST_DIR)/lib/lib.h | $(GUEST_BUILD)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<
$(GUEST_BUILD)/%.o: $(GUEST_DIR)/lib/%.c $(GUEST_DIR)/lib/lib.h | $(GUEST_BUILD)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<
$(GUEST_BUILD)/%.o: $(GUEST_DIR)/%.S | $(GUEST_BUILD)
	$(GUEST_AS) -o $@ $<
$(GUEST_BUILD)/%.o: $(GUEST_DIR)/lib/%.S | $(GUEST_BUILD)
	$(GUEST_AS) -o $@ $<

$(GUEST_BUILD):
	mkdir -p $@

.PHONY: guests guests-clean
guests: $(GUESTS) $(GUEST_DISC) $(GUEST_DISK_IMG)
guests-clean:
	rm -rf $(GUEST_BUILD) $(GUESTS)

# Objects are intermediate files make would otherwise delete: keep them.
.SECONDARY: $(patsubst %,$(GUEST_BUILD)/%.o,$(GUEST_NAMES) boot isr lib irq ata faults_tests classify_probes)

.DEFAULT_GOAL := $(GUEST_SAVED_GOAL)
