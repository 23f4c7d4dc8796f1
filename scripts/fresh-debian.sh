#!/bin/bash
# Runs a command in a new Debian 12 (bookworm) root, made for the run from Debian's archive, on a
# clone of this checkout: what a new user's machine does with the README's commands, before CI's
# machine (which already has packages) hides a missing install step. As root:
#   scripts/fresh-debian.sh [--ccache DIR] [--keep] 'COMMAND'
# COMMAND runs with /bin/sh in the clone (/root/mtl-toolkit in the root), as root, with a clean
# environment: PATH, HOME, LANG, and this machine's own set-up for pip and OpenBLAS (the PIP_* and
# OPENBLAS_* variables, /etc/pip.conf and the files they name), which every new machine of this
# kind has: without it pip in the root finds no versions at all. The clone is of HEAD, with the
# uncommitted changes to tracked files applied; untracked files are left out.
# Prints the command's output as it comes, then its exit status and time; exits with the command's
# status (1 and a message when the root cannot be made: this script never falls back to the host).
#   --ccache DIR  lends the root DIR as its compiler cache (/root/.cache/ccache): a build cache, never
#                 a package cache; the Debian packages are what is being tested.
#   --keep        leaves the root (unmounted) for inspection and prints where it is.
# The base root (mmdebstrap --variant=apt, about 70 s) is cached as
# $MTL_FRESH_DEBIAN_CACHE/bookworm-apt.tar (default build/fresh-debian) for a day. Everything is
# unmounted and removed at the end, also when the command fails or the script is interrupted.
set -euo pipefail
usage() { sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; }
ccache_dir= keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --ccache) ccache_dir=$(realpath -m "$2"); shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) echo "fresh-debian.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { echo "fresh-debian.sh: give one COMMAND, quoted (see --help)" >&2; exit 2; }
command=$1
die() { echo "fresh-debian.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (it makes a root with mmdebstrap, mounts and chroot)"
src=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
cache=${MTL_FRESH_DEBIAN_CACHE:-$src/build/fresh-debian}
base=$cache/bookworm-apt.tar

if ! command -v mmdebstrap >/dev/null; then
  echo "fresh-debian.sh: installing mmdebstrap" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >&2 ||
    die "cannot install mmdebstrap"
fi
mkdir -p "$cache"
if [ ! -s "$base" ] || [ -n "$(find "$base" -mmin +1440)" ]; then
  echo "fresh-debian.sh: making the base root $base (mmdebstrap, about 70 s)" >&2
  # The suites of a standard Debian 12 installation.
  rm -rf "$base.part"
  mmdebstrap --quiet --format=tar --variant=apt --include=ca-certificates bookworm "$base.part" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" >&2 ||
    { rm -rf "$base.part"; die "mmdebstrap could not make a Debian 12 root"; }
  mv "$base.part" "$base"
fi

root=$(mktemp -d "${TMPDIR:-/var/tmp}/fresh-debian.XXXXXX")
root=$(realpath "$root")
# Ends every process whose root is the new root (daemons a test started, a command cut short),
# unmounts everything under it, deepest first, and removes it without crossing a mount.
cleanup() {
  local status=$? pid left
  trap - EXIT INT TERM HUP
  set +e
  for sig in TERM KILL; do
    for pid in /proc/[0-9]*; do
      [ "$(readlink "$pid/root" 2>/dev/null)" = "$root" ] && kill -s $sig "${pid#/proc/}" 2>/dev/null
    done
    sleep 1
  done
  findmnt -rn -o TARGET | grep -E "^$root(/|$)" | sort -r | while read -r m; do umount -l "$m" || true; done
  left=$(findmnt -rn -o TARGET | grep -cE "^$root(/|$)" || true)
  if [ "$left" != 0 ]; then
    echo "fresh-debian.sh: $left mounts are left under $root; not removing it" >&2
  elif [ $keep = 1 ]; then
    echo "fresh-debian.sh: the root is kept in $root" >&2
  else
    rm -rf --one-file-system "$root"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

tar -C "$root" -xf "$base" || die "cannot unpack $base into $root"
# The machine's name and resolver, as a new machine has them (mmdebstrap writes /etc/hostname but
# no /etc/hosts, without which munged and slurmctld cannot resolve the host's own name).
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
[ -e "$root/etc/hosts" ] || cp -L /etc/hosts "$root/etc/hosts"
mount -t proc proc "$root/proc" || die "cannot mount /proc in $root (mounts refused here?)"
# /sys with what is mounted under it (the cgroup hierarchies, which slurmd needs), as on the machine.
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" || die "cannot bind /sys in $root"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" || die "cannot bind /dev in $root"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" || die "cannot mount a tmpfs on $root/tmp"
chroot "$root" /bin/true || die "cannot chroot into $root"

# This machine's pip and OpenBLAS set-up, and the files it names.
envs=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
      TERM="${TERM:-dumb}")
carry=()
while IFS='=' read -r name value; do
  case $name in PIP_*|OPENBLAS_*|http_proxy|https_proxy|no_proxy|HTTP_PROXY|HTTPS_PROXY|NO_PROXY)
    envs+=("$name=$value"); carry+=("$value") ;;
  esac
done < <(env)
if [ -f /etc/pip.conf ]; then
  carry+=(/etc/pip.conf)
  while read -r value; do carry+=("$value"); done < <(sed -n 's/^[^#=]*=[[:space:]]*\(\/[^[:space:]]*\).*/\1/p' /etc/pip.conf)
fi
for f in "${carry[@]}"; do
  case $f in /*) [ -e "$f" ] || continue ;; *) continue ;; esac
  mkdir -p "$root$(dirname "$f")" && cp -a -L "$f" "$root$(dirname "$f")/" 2>/dev/null || true
  # A certificate bundle must outlive update-ca-certificates, which rewrites the system's bundle.
  case $f in *.crt|*.pem) mkdir -p "$root/usr/local/share/ca-certificates" &&
    cp -L "$f" "$root/usr/local/share/ca-certificates/fresh-debian-host-$(basename "${f%.*}").crt" ;; esac
done
if [ -n "$ccache_dir" ]; then
  mkdir -p "$ccache_dir" "$root/root/.cache/ccache"
  mount --bind "$ccache_dir" "$root/root/.cache/ccache" || die "cannot lend $ccache_dir as the compiler cache"
fi

# The clone: HEAD with the uncommitted changes to tracked files.
git clone -q "$src" "$root/root/mtl-toolkit"
if ! git -C "$src" diff --quiet HEAD; then
  git -C "$src" diff --binary HEAD | git -C "$root/root/mtl-toolkit" apply --whitespace=nowarn
  echo "fresh-debian.sh: uncommitted changes to tracked files applied; untracked files are not in the root" >&2
fi

echo "fresh-debian.sh: running in a new Debian 12 root ($root): $command" >&2
start=$(date +%s)
set +e
chroot "$root" /usr/bin/env -i "${envs[@]}" /bin/sh -c "cd /root/mtl-toolkit && $command" </dev/null &
child=$!
wait $child
status=$?
set -e
echo "fresh-debian.sh: exit status $status after $(( $(date +%s) - start )) s" >&2
exit $status
