#!/bin/sh
# The image must carry a multiboot2 header GRUB will accept.
set -eu
if command -v grub-file >/dev/null 2>&1; then
	grub-file --is-x86-multiboot2 "$1" || {
		echo "holdfast: $1 has no valid multiboot2 header" >&2
		exit 1
	}
fi
