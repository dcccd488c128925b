# Sourced by bindings/swift/test.sh and bench/swift/*.sh: enters the Swift
# toolchain root (toolchain.sh) with the repository and the cargo target dir
# bind-mounted at the same paths, so Package.swift resolves them as on a dev
# machine. Defines:
#   swift_root_enter      prepare the root (once per machine) and mount; sets
#                         SWIFT_ROOT, SWIFT_REPO, SWIFT_TARGET; unmounts at exit
#   in_swift_root CMD...  run CMD inside the root with a clean environment
#                         (extra VAR=value words may come first)
# The caller must not install its own EXIT trap after swift_root_enter; it may
# add cleanup to SWIFT_ON_EXIT (a list of commands run before the unmounts).

SWIFT_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SWIFT_REPO="$(cd "$SWIFT_HERE/../.." && pwd)"
SWIFT_TARGET="${CARGO_TARGET_DIR:-$SWIFT_REPO/target}"
mkdir -p "$SWIFT_TARGET"
SWIFT_TARGET="$(cd "$SWIFT_TARGET" && pwd)"
SWIFT_ON_EXIT=()
swift_mounted=()

swift_root_leave() {
    local i
    for ((i = 0; i < ${#SWIFT_ON_EXIT[@]}; i++)); do eval "${SWIFT_ON_EXIT[i]}" || true; done
    for ((i = ${#swift_mounted[@]} - 1; i >= 0; i--)); do
        umount "${swift_mounted[i]}" 2>/dev/null || umount -l "${swift_mounted[i]}" 2>/dev/null || true
    done
    swift_mounted=()
}

swift_root_enter() {
    SWIFT_ROOT="$(bash "$SWIFT_HERE/toolchain.sh")" || return 1
    trap swift_root_leave EXIT
    trap 'exit 130' INT TERM
    mount -t proc proc "$SWIFT_ROOT/proc" && swift_mounted+=("$SWIFT_ROOT/proc")
    swift_bind /dev
    swift_bind "$SWIFT_REPO"
    case "$SWIFT_TARGET/" in "$SWIFT_REPO"/*) ;; *) swift_bind "$SWIFT_TARGET" ;; esac
}

swift_bind() { # mounts $1 at the same path inside the root
    mkdir -p "$SWIFT_ROOT$1"
    mount --bind "$1" "$SWIFT_ROOT$1"
    swift_mounted+=("$SWIFT_ROOT$1")
}

# A scratch-path suffix that changes when the package's file list changes: SwiftPM
# does not notice a file added to a path dependency in an existing scratch dir.
swift_sources_key() {
    (cd "$SWIFT_REPO/bindings/swift" && find Sources -type f | LC_ALL=C sort | sha1sum | cut -c1-12)
}

in_swift_root() {
    chroot "$SWIFT_ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
        CARGO_TARGET_DIR="$SWIFT_TARGET" "$@"
}
