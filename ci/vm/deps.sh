# shellcheck shell=bash
# Sourced by the ci/vm/ scripts: installs what the Bluetooth VM needs on a
# bare Debian 12 machine.  Skips apt entirely when everything is already there.
#
# qemu-system-x86 without its recommends is enough: seabios and ipxe-qemu are
# hard dependencies, and the VM uses -nodefaults with virtio-9p only.  The
# guest runs the host's own root (read-only over 9p), so the tools used
# inside it (bluetoothd, btvirt, btmon, dbus-daemon, python3-bleak) are
# installed here on the host.

BANDSIM_VM_PACKAGES=(
	qemu-system-x86 busybox-static kmod xz-utils
	dbus bluez bluez-test-tools
	python3 python3-dbus python3-gi python3-bleak
)

# shellcheck source=../deps.sh
. "$(dirname "${BASH_SOURCE[0]}")/../deps.sh"

bandsim_vm_install_deps() {
	bandsim_apt_install "${BANDSIM_VM_PACKAGES[@]}"
}
