// SPDX-License-Identifier: GPL-2.0
/*
 * Where the PIO and MMIO benches exit to, and how they are found.
 *
 * Every target is only ever read, and only registers whose read has no
 * side effect are read, so the benches never disturb the device or its
 * driver:
 *
 * - kernel PIO: the ELCR of the 8259 PIC (port 0x4d0), which KVM emulates
 *   in the kernel along with the PIC when the VMM uses KVM's full in-kernel
 *   irqchip (with a split irqchip the PIC is the VMM's, in userspace);
 *   kvm-unit-tests' vmexit.c reads the same port. It is part of the
 *   platform's PIC, so it is used only if the platform has a legacy PIC
 *   (hardware-reduced ACPI platforms such as microvm have none, though
 *   KVM's in-kernel irqchip always includes one: pio_kernel=0x4d0).
 * - userspace PIO: a port that no device decodes (0x1234, as vmexit.c),
 *   which the VMM's catch-all answers in userspace. It is claimed with
 *   request_region() for the length of the bench, so it is refused if a
 *   driver owns it.
 * - kernel MMIO: the IOAPIC's index register (offset 0), which KVM emulates
 *   in the kernel with its full irqchip (split: in userspace). The address
 *   is the ACPI MADT's IOAPIC for GSI 0, read through acpi_get_table(),
 *   which takes ACPI's table lock and reference.
 * - userspace MMIO: the MagicValue register of a virtio-mmio device, found
 *   on the platform bus through the driver core (the device bound to the
 *   "virtio-mmio" driver), held and locked (device_lock()) for the length
 *   of the bench so that it cannot be unbound meanwhile.
 *
 * Module parameters replace each of them; the resource trees are never
 * walked.
 */
#include <linux/acpi.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/string.h>
#include <asm/i8259.h>

#include "bench.h"
#include "targets.h"

#define KB_PIO_ELCR		0x4d0
#define KB_PIO_UNASSIGNED	0x1234
#define KB_VIRTIO_MMIO_DRIVER	"virtio-mmio"

static ushort kb_pio_kernel;
module_param_named(pio_kernel, kb_pio_kernel, ushort, 0444);
MODULE_PARM_DESC(pio_kernel,
		 "Port the host kernel emulates, read by inl_from_kernel (default 0: the PIC's ELCR, 0x4d0, if the platform has a PIC)");

static ushort kb_pio_user = KB_PIO_UNASSIGNED;
module_param_named(pio_user, kb_pio_user, ushort, 0444);
MODULE_PARM_DESC(pio_user,
		 "Port the VMM emulates in userspace, read by inl_from_qemu (default 0x1234, unassigned; claimed while in use)");

static ulong kb_mmio_kernel;
module_param_named(mmio_kernel, kb_mmio_kernel, ulong, 0444);
MODULE_PARM_DESC(mmio_kernel,
		 "Physical address the host kernel emulates, read by mmio_from_kernel (default 0: the ACPI MADT's IOAPIC)");

static ulong kb_mmio_user;
module_param_named(mmio_user, kb_mmio_user, ulong, 0444);
MODULE_PARM_DESC(mmio_user,
		 "Physical address the VMM emulates in userspace, read by mmio_from_qemu (default 0: a virtio-mmio device)");

int kb_targets_check_params(void)
{
	if (kb_mmio_kernel & 3) {
		pr_err("mmio_kernel=0x%lx is not 4-byte aligned\n",
		       kb_mmio_kernel);
		return -EINVAL;
	}
	if (kb_mmio_user & 3) {
		pr_err("mmio_user=0x%lx is not 4-byte aligned\n", kb_mmio_user);
		return -EINVAL;
	}
	return 0;
}

void kb_claim_pio_kernel(struct kb_setup *s)
{
	if (kb_pio_kernel) {
		s->port = kb_pio_kernel;
		return;
	}
	if (!nr_legacy_irqs()) {
		kb_unsupported(s->why,
			       "the platform has no legacy PIC (KVM's has the ELCR, port 0x%x); set pio_kernel=",
			       KB_PIO_ELCR);
		return;
	}
	s->port = KB_PIO_ELCR;
}

void kb_claim_pio_user(struct kb_setup *s)
{
	if (!request_region(kb_pio_user, 1, KBUILD_MODNAME)) {
		kb_unsupported(s->why,
			       "port 0x%x is claimed by a driver (/proc/ioports); set pio_user=",
			       kb_pio_user);
		return;
	}
	s->port = kb_pio_user;
	s->port_claimed = true;
}

void kb_release_pio(struct kb_setup *s)
{
	if (s->port_claimed)
		release_region(s->port, 1);
	s->port_claimed = false;
}

/* The ACPI MADT's IOAPIC for GSI 0 (else its first IOAPIC), or 0. */
static u64 kb_madt_ioapic(void)
{
	struct acpi_table_header *hdr;
	struct acpi_subtable_header *sub;
	struct acpi_madt_io_apic *io;
	u8 *p, *end;
	u64 addr = 0;

	if (acpi_disabled ||
	    ACPI_FAILURE(acpi_get_table(ACPI_SIG_MADT, 0, &hdr)))
		return 0;
	p = (u8 *)hdr + sizeof(struct acpi_table_madt);
	end = (u8 *)hdr + hdr->length;
	while (p + sizeof(*sub) <= end) {
		sub = (struct acpi_subtable_header *)p;
		if (sub->length < sizeof(*sub) || p + sub->length > end)
			break;
		if (sub->type == ACPI_MADT_TYPE_IO_APIC &&
		    sub->length >= sizeof(*io)) {
			io = (struct acpi_madt_io_apic *)sub;
			if (!io->global_irq_base) {
				addr = io->address;
				break;
			}
			if (!addr)
				addr = io->address;
		}
		p += sub->length;
	}
	acpi_put_table(hdr);
	return addr;
}

static void kb_map(struct kb_setup *s, u64 addr)
{
	s->mmio = ioremap(addr, sizeof(u32));
	if (!s->mmio)
		kb_unsupported(s->why, "cannot map 0x%llx", addr);
}

void kb_claim_mmio_kernel(struct kb_setup *s)
{
	u64 addr = kb_mmio_kernel ?: kb_madt_ioapic();

	if (!addr) {
		kb_unsupported(s->why,
			       "no IOAPIC in the ACPI MADT; set mmio_kernel=");
		return;
	}
	kb_map(s, addr);
}

static int kb_bound_to_virtio_mmio(struct device *dev, const void *unused)
{
	bool bound;

	device_lock(dev);
	bound = dev->driver &&
		!strcmp(dev->driver->name, KB_VIRTIO_MMIO_DRIVER);
	device_unlock(dev);
	return bound;
}

/* A virtio-mmio device, held and locked (unlocked, put by release). */
static void kb_claim_virtio_mmio(struct kb_setup *s)
{
	struct resource *res;
	struct device *dev;

	dev = bus_find_device(&platform_bus_type, NULL, NULL,
			      kb_bound_to_virtio_mmio);
	if (!dev) {
		kb_unsupported(s->why,
			       "no device bound to the %s driver; set mmio_user=",
			       KB_VIRTIO_MMIO_DRIVER);
		return;
	}
	device_lock(dev);
	/* it may have been unbound between the match and the lock */
	if (!dev->driver || strcmp(dev->driver->name, KB_VIRTIO_MMIO_DRIVER)) {
		device_unlock(dev);
		put_device(dev);
		kb_unsupported(s->why, "the %s device went away",
			       KB_VIRTIO_MMIO_DRIVER);
		return;
	}
	s->dev = dev;
	res = platform_get_resource(to_platform_device(dev), IORESOURCE_MEM, 0);
	if (!res || resource_size(res) < sizeof(u32)) {
		kb_unsupported(s->why, "%s has no MMIO resource",
			       dev_name(dev));
		return;
	}
	kb_map(s, res->start);
}

void kb_claim_mmio_user(struct kb_setup *s)
{
	if (kb_mmio_user)
		kb_map(s, kb_mmio_user);
	else
		kb_claim_virtio_mmio(s);
}

void kb_release_mmio(struct kb_setup *s)
{
	if (s->mmio)
		iounmap(s->mmio);
	s->mmio = NULL;
	if (s->dev) {
		device_unlock(s->dev);
		put_device(s->dev);
	}
	s->dev = NULL;
}
