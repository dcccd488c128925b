#!/usr/bin/env bash
# Prepares a Debian trixie root with the Swift toolchain (`swiftlang`) once per
# machine and prints its path. Linux hosts of this project run bookworm, which
# packages no Swift; trixie does (Swift 6.0.x with SwiftPM, Foundation, XCTest).
#
# The root is cached in $MOVEWORKS_SWIFT_ROOT (default
# /var/cache/moveworks/swift-trixie) and rebuilt when its ready-marker is
# missing, so an interrupted build never counts as a toolchain. Needs root
# (debootstrap, chroot). The mirror is the machine's own Debian mirror, read
# from its apt sources: the repository names no package host.
set -euo pipefail

root="${MOVEWORKS_SWIFT_ROOT:-/var/cache/moveworks/swift-trixie}"
marker="$root/.moveworks-swift-ready"
log() { echo "swift toolchain: $*" >&2; }

# /usr/bin/swift is an absolute symlink inside the root, so test the link itself.
if [ -f "$marker" ] && [ -L "$root/usr/bin/swift" ]; then
    log "using cached root $root ($(cat "$marker"))"
    echo "$root"
    exit 0
fi

[ "$(id -u)" = 0 ] || { log "needs root (debootstrap and chroot)"; exit 1; }

# The first Debian archive URI among the machine's apt sources (deb822 or
# one-line format), skipping the security archive, which has no trixie suite
# under the same path.
debian_mirror() {
    local files=() f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && files+=("$f")
    done
    [ ${#files[@]} -gt 0 ] || return 1
    {
        sed -n 's/^[[:space:]]*URIs:[[:space:]]*//p' "${files[@]}" | tr ' ' '\n'
        sed -n 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' "${files[@]}"
    } | grep -v -- '-security' | grep -E '^https?://' | head -n1
}

mirror="${MOVEWORKS_DEBIAN_MIRROR:-$(debian_mirror || true)}"
[ -n "$mirror" ] || { log "no Debian mirror found in /etc/apt/sources*"; exit 1; }

if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

# Never delete through a mount: a run killed mid-test can leave the repository
# bind-mounted inside the old root.
remove_root() {
    local dir="$1" m
    [ -e "$dir" ] || return 0
    for m in $(awk -v d="$dir/" 'index($2 "/", d) == 1 {print $2}' /proc/mounts | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
    if awk -v d="$dir/" 'index($2 "/", d) == 1 {found=1} END {exit !found}' /proc/mounts; then
        log "refusing to delete $dir: something is still mounted inside it"
        exit 1
    fi
    rm -rf "$dir"
}

setup_log="$(dirname "$root")/swift-trixie-setup.log"
log "building $root from $mirror (trixie, minbase); log: $setup_log"
remove_root "$root"
mkdir -p "$(dirname "$root")"
: >"$setup_log"
on_error() { log "failed; the last lines of $setup_log:"; tail -n 30 "$setup_log" >&2; }
trap on_error ERR
started=$SECONDS
staging="$root.partial"
remove_root "$staging"
debootstrap --variant=minbase trixie "$staging" "$mirror" >>"$setup_log" 2>&1

cleanup_proc() { umount "$staging/proc" 2>/dev/null || true; }
trap cleanup_proc EXIT
mount -t proc proc "$staging/proc"
cp /etc/resolv.conf "$staging/etc/resolv.conf" 2>/dev/null || true
chroot "$staging" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$setup_log" 2>&1
chroot "$staging" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends swiftlang libc6-dev ca-certificates >>"$setup_log" 2>&1
chroot "$staging" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get clean >>"$setup_log" 2>&1
version="$(chroot "$staging" swift --version 2>&1 | sed -n 1p)"
cleanup_proc
trap - EXIT

mv "$staging" "$root"
echo "$version" > "$marker"
log "ready in $((SECONDS - started)) s: $version"
echo "$root"
