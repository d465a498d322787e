#!/bin/sh
# Make qemu-system-x86 come from Debian's bookworm-backports (QEMU 10).
#
# Why: QEMU 7.2 (bookworm's own) corrupts guest state when an emulated
# AMD-V host switches several guests' vCPUs over its CPUs: a Linux guest
# over-committed 4 vCPUs on 2 CPUs panics within a minute under
# `-accel tcg,thread=single` (every run) and about once in four runs under
# thread=multi, always with a kernel GS base that does not match its mode,
# while the same guests pass with every vCPU on a CPU of its own. Xen and
# KVM show the same failures on 7.2 (PLATFORM.md). Holdfast checks that no
# two CPUs ever run one vCPU; QEMU 10 runs the same images clean.
#
# Idempotent: does nothing when the installed QEMU is 10 or newer. Adds the
# backports suite to apt's sources (a file of its own) when missing.
set -eu
want_major=10
have=$(qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p')
if [ -n "$have" ] && [ "$have" -ge "$want_major" ]; then
	exit 0
fi
. "$(dirname "$0")/as-root.sh"
sources=/etc/apt/sources.list.d/holdfast-bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d; then
	echo "holdfast: adding Debian bookworm-backports to apt's sources ($sources)"
	printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
		'Suites: bookworm-backports' 'Components: main' \
		'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
		as_root tee "$sources" >/dev/null
fi
# Every installed QEMU package moves with it: a 7.2 module left behind
# (qemu-system-gui's, say) makes QEMU 10 abort at start.
pkgs=$(dpkg-query -W -f='${Package} ${Status}\n' 'qemu-system-*' 'qemu-block-*' 2>/dev/null |
	awk '/ installed$/ && $1 != "qemu-system-x86" { print $1 }')
echo "holdfast: installing QEMU $want_major from bookworm-backports (have: ${have:-none}): qemu-system-x86" $pkgs
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -q
# shellcheck disable=SC2086
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t bookworm-backports \
	qemu-system-x86 $pkgs
