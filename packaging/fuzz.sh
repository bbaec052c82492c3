#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs one of them.
#   packaging/fuzz.sh                 lists the targets
#   packaging/fuzz.sh TARGET [SECONDS] runs TARGET (default 600 s) on its corpus
# Corpora live in tests/fuzz/<area>/corpus/<target>/ (seeds, committed) and
# grow in build-fuzz/corpus/<target>/ (not committed). Crashes land in
# build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DPROXYSMART_FUZZ=ON -DPROXYSMART_BUILD_GUI=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROXYSMART_WERROR=OFF >/dev/null
fi
ninja -C "$build" >/dev/null
targets=$(find "$build/tests/fuzz" -maxdepth 3 -type f -executable -name 'fuzz_*' -printf '%f\n' | sort)
if [ $# -eq 0 ]; then
  echo "fuzz targets:"; echo "$targets" | sed 's/^/  /'; exit 0
fi
target=$1 seconds=${2:-600}
binary=$(find "$build/tests/fuzz" -maxdepth 3 -type f -executable -name "$target" | head -n 1)
[ -n "$binary" ] || { echo "unknown fuzz target: $target" >&2; exit 2; }
seeds=$(find tests/fuzz -type d -path "*/corpus/$target" | head -n 1)
mkdir -p "$build/corpus/$target" "$build/crashes"
exec "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$build/crashes/$target-" -print_final_stats=1 \
  "$build/corpus/$target" ${seeds:+"$seeds"}
