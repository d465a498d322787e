#!/bin/sh
# Build a GRUB rescue ISO (BIOS and UEFI) that boots Holdfast.
#   mkiso.sh -o OUT.iso -e holdfast.elf -c "HYPERVISOR OPTIONS" \
#            [-m "FILE MODULE STRING"]...
# Each -m copies FILE into the ISO and adds `module2 /boot/modules/N-NAME
# MODULE STRING` to the GRUB entry (the module string names the VM and role).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out= elf= cmdline= modules=
n=0
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub" "$stage/boot/modules"
while getopts "o:e:c:m:" opt; do
	case $opt in
	o) out=$OPTARG ;;
	e) elf=$OPTARG ;;
	c) cmdline=$OPTARG ;;
	m)
		file=${OPTARG%% *}
		string=${OPTARG#"$file"}
		n=$((n + 1))
		dest="/boot/modules/$n-$(basename "$file")"
		cp "$file" "$stage$dest"
		modules="$modules	module2 $dest$string
"
		;;
	*) exit 2 ;;
	esac
done
[ -n "$out" ] && [ -n "$elf" ] || { echo "usage: $0 -o OUT -e ELF [-c CMDLINE] [-m 'FILE STRING']..." >&2; exit 2; }
cp "$elf" "$stage/boot/holdfast.elf"
awk -v cmd="$cmdline" -v mods="$modules" \
	'{ gsub(/@HV_CMDLINE@/, cmd); if ($0 == "@MODULES@\tboot") { printf "%s\tboot\n", mods } else print }' \
	"$here/grub.cfg.in" >"$stage/boot/grub/grub.cfg"
grub-mkrescue -o "$out" "$stage" >"$stage.log" 2>&1 || {
	cat "$stage.log" >&2
	rm -f "$stage.log"
	exit 1
}
rm -f "$stage.log"
