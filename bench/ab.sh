#!/usr/bin/env bash
# A/B test of two shoal-server binaries: both run at once, pinned to the same
# SERVER_CPUS, are filled with the same keys, and get the same shoal-bench
# workload in alternation, RUNS times each. Prints every run and the mean
# server CPU time per request of each. Alternating short runs of two resident
# servers cancels most of a shared machine's drift, which makes this the way
# to decide whether a change to the server stays.
#
#   bench/ab.sh BEFORE_BINARY AFTER_BINARY
#
# Settings come from the environment:
#   SERVER_CPUS (1)  LOAD_CPUS (0)  THREADS (1)  CLIENTS (50)  PIPELINE (16)
#   KEYS (1000000)  SIZE (32)  TEST_TIME (3)  RUNS (6)
#   ARGS (--ratio 0:1: the shoal-bench workload)
#   SHOAL_BENCH (target/release/shoal-bench)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BEFORE_BINARY AFTER_BINARY" >&2; exit 2; }
BEFORE=$(realpath "$1")
AFTER=$(realpath "$2")
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
PIPELINE=${PIPELINE:-16}
TEST_TIME=${TEST_TIME:-3}
RUNS=${RUNS:-6}
ARGS=${ARGS:-"--ratio 0:1"}

OUT=$(mktemp -d)
start_shoal "$BEFORE"
APORT=$STARTED_PORT
APID=$STARTED_PID
start_shoal "$AFTER"
BPORT=$STARTED_PORT
BPID=$STARTED_PID
trap 'kill $APID $BPID 2>/dev/null || true; rm -rf "$OUT"' EXIT
wait_port "$APORT"
wait_port "$BPORT"

bench() { # port json extra-args...
  local port=$1 json=$2
  shift 2
  taskset -c "$LOAD_CPUS" "$SHOAL_BENCH" -p "$port" -c "$CLIENTS" -P "$PIPELINE" \
    --key-maximum $((KEYS - 1)) -d "$SIZE" -q --json-out "$json" "$@" >/dev/null
}

for port in "$APORT" "$BPORT"; do
  bench "$port" "$OUT/fill.json" --ratio 1:0 --key-pattern S --total-requests "$KEYS"
done

echo "shoal-bench -c $CLIENTS -P $PIPELINE $ARGS, $KEYS keys of $SIZE bytes, ${TEST_TIME}s runs; servers on CPU $SERVER_CPUS, load on CPU $LOAD_CPUS"
echo "A = $BEFORE"
echo "B = $AFTER"
results=""
for _ in $(seq "$RUNS"); do
  for side in A B; do
    if [ "$side" = A ]; then port=$APORT pid=$APID; else port=$BPORT pid=$BPID; fi
    before=$(cpu_ticks "$pid")
    # shellcheck disable=SC2086 # ARGS are words
    bench "$port" "$OUT/run.json" --test-time "$TEST_TIME" $ARGS
    after=$(cpu_ticks "$pid")
    line=$(python3 - "$OUT/run.json" $((after - before)) "$TICK_US" "$side" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
ops = r["totals"]["ops"]
us = int(sys.argv[2]) * int(sys.argv[3]) / ops if ops else 0
print(sys.argv[4], round(r["totals"]["ops_per_sec"]), f"{us:.3f}", r["totals"]["latency_ms"]["p99"])
EOF
)
    echo "$line"
    results+="$line"$'\n'
  done
done
echo "$results" | awk 'NF { ops[$1] += $2; us[$1] += $3; n[$1]++ }
  END { for (s in n) printf "%s mean: %.0f ops/s, %.3f us CPU per request\n", s, ops[s] / n[s], us[s] / n[s]
        if (n["A"] && n["B"]) printf "B/A CPU per request: %.3f\n", (us["B"] / n["B"]) / (us["A"] / n["A"]) }' | sort
