# Sourced by the project's shell scripts: as_root CMD [ARG...] runs CMD as
# root, directly when the script is root, else through sudo; with neither it
# says which command needs root and returns 1.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "holdfast: not root and no sudo: run as root: $*" >&2
		return 1
	fi
}
