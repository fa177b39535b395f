#!/usr/bin/env bash
# Fuzzes meshscope: builds the cargo-fuzz targets in fuzz/, writes seed
# corpora from the demo mesh (examples/fuzz_seeds.rs), runs each target for
# SECONDS (default 120), prints target / runs / execs per s / result, and exits
# 1 when any target crashed (its input is under fuzz/artifacts/TARGET/).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Stable rustc is told to accept cargo-fuzz's -Z flags with RUSTC_BOOTSTRAP=1.
# Environment: FUZZ_SANITIZER (default none; address works too, slower),
# FUZZ_NICE (default 19), FUZZ_MAX_LEN (default 65536), FUZZ_JOBS (targets
# run at once, default 1), FUZZ_SEEDS=0 to keep the corpus as it is.
# Not part of .ci/run: it takes SECONDS x targets / FUZZ_JOBS.
set -euo pipefail

secs=${1:-120}
shift || true
case "$secs" in
'' | *[!0-9]*)
	echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
	exit 2
	;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export RUSTC_BOOTSTRAP=1
sanitizer=${FUZZ_SANITIZER:-none}
nice_level=${FUZZ_NICE:-19}
max_len=${FUZZ_MAX_LEN:-65536}
run() { nice -n "$nice_level" "$@"; }

if ! cargo fuzz --version >/dev/null 2>&1; then
	echo "cargo-fuzz is missing: installing it" >&2
	run cargo install cargo-fuzz --locked
fi

if [ "$#" -gt 0 ]; then
	targets=("$@")
else
	mapfile -t targets < <(cd fuzz && cargo fuzz list)
fi

if [ "${FUZZ_SEEDS:-1}" != 0 ]; then
	echo "writing seeds from the demo mesh into fuzz/corpus/" >&2
	run cargo run --quiet --example fuzz_seeds -- fuzz/corpus >&2
fi

echo "building ${#targets[@]} targets (sanitizer: $sanitizer)" >&2
if [ "$#" -gt 0 ]; then
	for t in "${targets[@]}"; do
		(cd fuzz && run cargo fuzz build --sanitizer "$sanitizer" "$t" >&2)
	done
else
	(cd fuzz && run cargo fuzz build --sanitizer "$sanitizer" >&2)
fi

mkdir -p fuzz/artifacts

# Runs one target; leaves its libFuzzer output in fuzz/artifacts/TARGET.log
# and its exit status in fuzz/artifacts/TARGET.rc.
fuzz_one() {
	local t=$1 rc
	mkdir -p "fuzz/corpus/$t"
	echo "fuzzing $t for ${secs}s" >&2
	set +e
	(cd fuzz && nice -n "$nice_level" cargo fuzz run --sanitizer "$sanitizer" "$t" "corpus/$t" -- \
		-max_total_time="$secs" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1) >"fuzz/artifacts/$t.log" 2>&1
	rc=$?
	set -e
	echo "$rc" >"fuzz/artifacts/$t.rc"
}
export -f fuzz_one
export secs sanitizer nice_level max_len
printf '%s\n' "${targets[@]}" | xargs -P "${FUZZ_JOBS:-1}" -I{} bash -c 'fuzz_one "$1"' _ {}

failed=0
printf '%-18s %12s %10s %7s %6s  %s\n' TARGET RUNS EXECS/S CORPUS TIME RESULT
for t in "${targets[@]}"; do
	log="fuzz/artifacts/$t.log"
	rc=$(cat "fuzz/artifacts/$t.rc" 2>/dev/null || echo 1)
	# A target that crashed on its seeds printed no stats: each may be empty.
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" 2>/dev/null | tail -1 || true)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" 2>/dev/null | tail -1 || true)
	corpus=$( (grep -ao 'corp: [0-9]*' "$log" 2>/dev/null || true) | tail -1 | cut -d' ' -f2)
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		failed=1
		artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" 2>/dev/null | tail -1 || true)
		result="CRASH ${artifact:-(see $log)}"
	fi
	printf '%-18s %12s %10s %7s %6s  %s\n' "$t" "${runs:--}" "${speed:--}" "${corpus:--}" "${secs}s" "$result"
done
exit "$failed"
