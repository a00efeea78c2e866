# shellcheck shell=bash
# Sourced by the ci/ scripts: installs what bandsim needs on a bare Debian 12
# machine.  Skips apt entirely when everything is already there.

BANDSIM_PACKAGES=(
	gcc libc6-dev meson ninja-build pkg-config
	libglib2.0-dev libssl-dev libcmocka-dev
	# dbus-daemon and the system bus's own policy; setpriv and useradd
	# for the bus policy scenarios (conformance/scenarios/test_bus_policy.py)
	dbus util-linux passwd
	python3 python3-pytest python3-pytest-timeout python3-gi python3-cryptography
	python3-hypothesis python3-pytest-xdist
	python3-bleak
	valgrind clang libclang-rt-14-dev clang-format tshark
	# the man pages and the completion (docs/install.md); the HTML report
	# opened in a real browser (conformance/selftest/test_html_report.py)
	scdoc bash-completion chromium
)

# Installs the packages given that are not installed yet; nothing at all
# (no apt-get update) when every one is there.
bandsim_apt_install() {
	local missing=()
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "ci: installing ${missing[*]}"
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

bandsim_install_deps() {
	bandsim_apt_install "${BANDSIM_PACKAGES[@]}"
}

# meson setup once, reconfigure after that; then build.
bandsim_build() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir"
}
