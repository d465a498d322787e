#!/bin/sh
# Boot an ISO in QEMU with the serial console on this terminal.
#   run-qemu.sh --iso FILE [--smp N] [--mem SIZE] [--firmware bios|uefi]
#               [--accel kvm|tcg] [-- EXTRA QEMU ARGS]
# Default accelerator: nested KVM (-cpu host) when /dev/kvm works and the
# host CPU shows svm or vmx (Holdfast then runs its AMD-V or VT-x backend);
# software emulation (-cpu max, which emulates AMD-V) otherwise.
# QEMU's escape key is moved to Ctrl-T (Ctrl-T X leaves QEMU), so Ctrl-A
# reaches Holdfast, whose console uses it to switch the input focus.
set -eu
iso= smp=4 mem=512M firmware=bios accel=
while [ $# -gt 0 ]; do
	case $1 in
	--iso) iso=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--firmware) firmware=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "run-qemu.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$iso" ] || { echo "run-qemu.sh: --iso is required" >&2; exit 2; }

if [ -z "$accel" ]; then
	accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
		grep -qwE 'svm|vmx' /proc/cpuinfo; then
		accel=kvm
	fi
fi
case $accel in
kvm) accel_args="-accel kvm -cpu host" ;;
tcg) accel_args="-accel tcg,thread=multi -cpu max" ;;
*) echo "run-qemu.sh: ACCEL must be kvm or tcg, not '$accel'" >&2; exit 2 ;;
esac

case $firmware in
bios) fw_args= ;;
uefi)
	code=/usr/share/OVMF/OVMF_CODE_4M.fd
	vars_template=/usr/share/OVMF/OVMF_VARS_4M.fd
	[ -r "$code" ] || { echo "run-qemu.sh: $code missing: install the Debian package 'ovmf'" >&2; exit 1; }
	vars=$(mktemp)
	trap 'rm -f "$vars"' EXIT
	cp "$vars_template" "$vars"
	fw_args="-drive if=pflash,format=raw,unit=0,readonly=on,file=$code -drive if=pflash,format=raw,unit=1,file=$vars"
	;;
*) echo "run-qemu.sh: FIRMWARE must be bios or uefi, not '$firmware'" >&2; exit 2 ;;
esac

echo "holdfast: QEMU $accel, $smp CPUs, $mem, $firmware firmware (Ctrl-T X quits QEMU)" >&2
# shellcheck disable=SC2086
exec qemu-system-x86_64 -machine pc $accel_args -smp "$smp" -m "$mem" \
	$fw_args -cdrom "$iso" -boot d -display none -echr 0x14 -serial mon:stdio \
	-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"
