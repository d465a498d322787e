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
. "$(dirname "$0")/as-root.sh"
as_root apt-get update -q
# shellcheck disable=SC2086
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
