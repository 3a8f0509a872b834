#!/bin/sh
# deps.sh - check ringside's build and test dependencies; install the missing
# ones with apt-get when run as root, otherwise print the exact command.
#
# Checked: pkg-config modules (unicorn capstone lua5.4 ncursesw cmocka),
# the programs the build and the tests run (qemu-system-i386, as, ld, gcc,
# tmux), and that the guest toolchain really makes 32-bit code: `gcc -m32`
# compiles a freestanding file and `as --32` assembles one (as the guests'
# build does, scenarios/guests/guests.mk).  Exit status 0 when everything
# is present afterwards.  With FUZZ=1 (make fuzz): clang too.
set -u

missing=""
add() { case " $missing " in *" $1 "*) ;; *) missing="$missing $1" ;; esac; }

command -v pkg-config >/dev/null 2>&1 || add pkg-config
for pair in unicorn:libunicorn-dev capstone:libcapstone-dev \
            lua5.4:liblua5.4-dev ncursesw:libncurses-dev cmocka:libcmocka-dev; do
	mod=${pair%%:*}
	pkg=${pair#*:}
	if command -v pkg-config >/dev/null 2>&1; then
		pkg-config --exists "$mod" 2>/dev/null || add "$pkg"
	else
		add "$pkg"
	fi
done
command -v qemu-system-i386 >/dev/null 2>&1 || add qemu-system-x86
command -v as >/dev/null 2>&1 || add binutils
command -v ld >/dev/null 2>&1 || add binutils
command -v gcc >/dev/null 2>&1 || add gcc
command -v tmux >/dev/null 2>&1 || add tmux
# make fuzz only (FUZZ=1): clang with its libFuzzer runtime
if [ "${FUZZ:-0}" = 1 ]; then
	command -v clang >/dev/null 2>&1 || add clang
fi

# The guest toolchain: 32-bit code from gcc and as.
guest_toolchain() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/ringside-deps-XXXXXX") || return 1
	printf 'int f(int x) { return x + 1; }\n' > "$dir/t.c"
	printf 'movl $1, %%eax\nret\n' > "$dir/t.S"
	ok=0
	if command -v gcc >/dev/null 2>&1 &&
	   ! gcc -m32 -ffreestanding -nostdlib -c -o "$dir/c.o" "$dir/t.c" 2>/dev/null; then
		echo "ringside: gcc -m32 cannot compile 32-bit guest code" >&2
		add gcc-multilib
		ok=1
	fi
	if command -v as >/dev/null 2>&1 &&
	   ! as --32 -o "$dir/s.o" "$dir/t.S" 2>/dev/null; then
		echo "ringside: as --32 cannot assemble 32-bit guest code" >&2
		add binutils
		ok=1
	fi
	rm -rf "$dir"
	return $ok
}
guest_toolchain

if [ -z "$missing" ]; then
	exit 0
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "ringside: missing dependencies:$missing" >&2
	echo "ringside: install them with:  sudo $cmd" >&2
	exit 1
fi
echo "ringside: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update && apt-get install -y --no-install-recommends $missing || {
		echo "ringside: apt-get failed; run: $cmd" >&2
		exit 1
	}
fi
