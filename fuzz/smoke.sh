#!/usr/bin/env bash
# Runs every fuzz target for 30 seconds (or $SECONDS_PER_TARGET), one at a time, at low
# priority. Not run in CI. Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable
# toolchain RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly-only flags. See
# docs/fuzzing.md.
#
#   fuzz/smoke.sh                 # all targets, 30 s each
#   fuzz/smoke.sh entry chain     # some targets
#   SECONDS_PER_TARGET=600 fuzz/smoke.sh checkpoint
#
# New interesting inputs go to fuzz/corpus/TARGET (not committed); a crash, timeout or
# out-of-memory input goes to fuzz/artifacts/TARGET and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")"

ALL=(entry chain checkpoint proof key_file wsoa asof_dates sheet)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")
secs=${SECONDS_PER_TARGET:-30}

export RUSTC_BOOTSTRAP=1
# key_file writes every input to a temporary file: keep those in memory when we can.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR=/dev/shm
fi
nice -n 19 cargo fuzz build -O
failed=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    dict=()
    [ -f "dicts/$t.dict" ] && dict=("-dict=dicts/$t.dict")
    echo "== $t: ${secs}s"
    if ! nice -n 19 cargo fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "${dict[@]}" 2>"corpus/$t.log"; then
        failed+=("$t")
        tail -n 40 "corpus/$t.log"
    fi
    grep -E '^stat::number_of_executed_units|^Done|cov:' "corpus/$t.log" | tail -n 3 || true
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]} (inputs under fuzz/artifacts/)"
    exit 1
fi
echo "smoke: all ${#targets[@]} targets ran ${secs}s without a finding"
