#!/usr/bin/env bash
# What bench/concurrency/run.sh and bench/streaming/run.sh share:
#   bash bench/concurrency/launch.sh concurrency|streaming [--skip-build] [--profile release|debug] [options]
# builds for the profile (bench/concurrency/build.sh) unless --skip-build, raises the open-file
# limit, then runs bench/<name>/run.py with the other options and the command line to show.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
name="${1:?usage: launch.sh concurrency|streaming [options]}"
shift
profile=release
build=1
args=()
shown=(bash "bench/$name/run.sh")
while (($#)); do
    case "$1" in
    --skip-build) build=0 ;;
    --profile) profile="$2"; args+=("$1" "$2"); shown+=("$1" "$2"); shift ;;
    --profile=*) profile="${1#*=}"; args+=("$1"); shown+=("$1") ;;
    *) args+=("$1"); shown+=("$1") ;;
    esac
    shift
done

# One socket per turn in the client and one in the simulator (a process each), plus the
# simulator's thread per connection: 5,000 turns need more than the usual 1,024 files.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (($(ulimit -n) < 6000)); then
    echo "bench/$name: ulimit -n is $(ulimit -n) (hard limit $(ulimit -Hn)); 5,000 streams need ~5,100" >&2
fi
if ((build)); then
    bash bench/concurrency/build.sh "$profile"
fi
python3 "bench/$name/run.py" "${args[@]}" --command "${shown[*]}"
