#!/bin/sh
# Install the Debian packages given as arguments that are not installed yet
# (the list lives in the Makefile's DEBIAN_PACKAGES). Uses sudo when not root.
set -eu
missing=""
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "holdfast: installing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "holdfast: not root and no sudo: install these as root:$missing" >&2
		exit 1
	}
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
