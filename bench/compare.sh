#!/usr/bin/env bash
# Runs the same shoal-bench workloads against redis-server and shoal-server in
# one run, with the servers and the load generator pinned to chosen CPUs,
# alternating between the two servers, and prints one table: the median of
# RUNS runs of throughput, p99 latency and server CPU time per request, each
# with its ratio. Then Shoal's GET throughput as a share of its PING
# throughput at pipeline 16 (how close keyspace work comes to the protocol
# ceiling).
#
# Settings come from the environment:
#   SERVER_CPUS (1)  LOAD_CPUS (0)  THREADS (1: shoal-server --threads)
#   CLIENTS (50)  KEYS (1000000)  SIZE (32)  TEST_TIME (3, seconds per run)
#   RUNS (3)  WORKLOADS (all, or a space-separated subset of the names below)
#   SHOAL (target/release/shoal-server)  SHOAL_BENCH (target/release/shoal-bench)
#
# Workloads (name: pipeline, shoal-bench arguments):
#   set-p1, get-p1, set-p16, get-p16: the SET and GET of issue 2's bar, random keys
#   mix-zipf: 1:10 SET:GET on a Zipf(0.99) key distribution, pipeline 16
#   mget10:   MGET of 10 random keys, pipeline 16
#   incr:     INCR of random counters (their own key space), pipeline 16
#   ping:     PING, pipeline 16: the ceiling, no keyspace work
#   mset10:   MSET of 10 random keys, pipeline 1 (with THREADS=2 nearly every
#             one spans both shards and runs as a transaction)
#   multi5:   MULTI, 5 SETs of random keys, EXEC, sent together (pipeline 7);
#             a transaction is 7 requests
# (not in the default set: WORKLOADS="mset10 multi5")
# Both servers are first filled with every key (KEYS keys of SIZE bytes), so
# GET and MGET hit.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
TEST_TIME=${TEST_TIME:-3}
RUNS=${RUNS:-3}
WORKLOADS=${WORKLOADS:-"set-p1 get-p1 set-p16 get-p16 mix-zipf mget10 incr ping"}

for bin in "$SHOAL" "$SHOAL_BENCH"; do
  [ -x "$bin" ] || { echo "$bin not found: cargo build --release -p shoal-engine -p shoal-bench" >&2; exit 1; }
done

MAXKEY=$((KEYS - 1))
MGET10="MGET$(printf ' __key__%.0s' $(seq 10))"
MSET10="MSET$(printf ' __key__ __data__%.0s' $(seq 10))"
MULTI5="MULTI;$(printf 'SET __key__ __data__;%.0s' $(seq 5))EXEC"

# workload NAME -> "pipeline|custom commands, ;-separated|other shoal-bench arguments"
workload() {
  case "$1" in
    set-p1) echo "1||--ratio 1:0" ;;
    get-p1) echo "1||--ratio 0:1" ;;
    set-p16) echo "16||--ratio 1:0" ;;
    get-p16) echo "16||--ratio 0:1" ;;
    mix-zipf) echo "16||--ratio 1:10 --key-pattern Z --key-zipf-exp 0.99" ;;
    mget10) echo "16|$MGET10|" ;;
    incr) echo "16|INCR __key__|--key-prefix counter:" ;;
    ping) echo "16|PING|" ;;
    mset10) echo "1|$MSET10|" ;;
    multi5) echo "7|$MULTI5|" ;;
    *) echo "unknown workload $1" >&2; exit 1 ;;
  esac
}

OUT=$(mktemp -d)
start_servers

bench() { # port pipeline json extra-args...
  local port=$1 pipeline=$2 json=$3
  shift 3
  taskset -c "$LOAD_CPUS" "$SHOAL_BENCH" -p "$port" -c "$CLIENTS" -P "$pipeline" \
    --key-maximum "$MAXKEY" -d "$SIZE" -q --json-out "$json" "$@" >/dev/null
}

# Fill both servers with every key, in order.
for port in "$RPORT" "$SPORT"; do
  bench "$port" 16 "$OUT/fill.json" --ratio 1:0 --key-pattern S --total-requests "$KEYS"
done

# run PORT PID NAME -> "ops_per_sec p99_ms cpu_us_per_op errors"
run() {
  local pipeline command args before after json="$OUT/run.json"
  IFS='|' read -r pipeline command args <<< "$(workload "$3")"
  local extra=()
  local commands=()
  [ -n "$command" ] && IFS=';' read -ra commands <<< "$command"
  for c in "${commands[@]}"; do extra+=(--command "$c"); done
  # shellcheck disable=SC2206 # the arguments are words
  extra+=($args)
  before=$(cpu_ticks "$2")
  bench "$1" "$pipeline" "$json" --test-time "$TEST_TIME" "${extra[@]}"
  after=$(cpu_ticks "$2")
  python3 - "$json" $((after - before)) "$TICK_US" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
ticks, tick_us = int(sys.argv[2]), int(sys.argv[3])
t = r["totals"]
ops = t["ops"]
print(t["ops_per_sec"], t["latency_ms"]["p99"], ticks * tick_us / ops if ops else 0, t["errors"])
EOF
}

echo "shoal-bench -c $CLIENTS, $KEYS keys of $SIZE bytes, ${TEST_TIME}s per run, median of $RUNS; servers on CPU $SERVER_CPUS, load on CPU $LOAD_CPUS; shoal --threads $THREADS"
printf '%-9s %3s %10s %10s %6s | %9s %9s %6s | %8s %8s %6s\n' \
  workload P redis_ops shoal_ops ratio redis_p99 shoal_p99 ratio redis_us shoal_us ratio
declare -A SHOAL_OPS
for name in $WORKLOADS; do
  spec=$(workload "$name")
  redis_runs=""
  shoal_runs=""
  for _ in $(seq "$RUNS"); do
    redis_runs+=$(run "$RPORT" "$RPID" "$name")$'\n'
    shoal_runs+=$(run "$SPORT" "$SPID" "$name")$'\n'
  done
  errors=$(echo "$redis_runs$shoal_runs" | awk 'NF { e += $4 } END { print e + 0 }')
  SHOAL_OPS[$name]=$(col "$shoal_runs" 1)
  awk -v t="$name" -v p="${spec%%|*}" \
    -v rr="$(col "$redis_runs" 1)" -v sr="$(col "$shoal_runs" 1)" \
    -v rl="$(col "$redis_runs" 2)" -v sl="$(col "$shoal_runs" 2)" \
    -v rc="$(col "$redis_runs" 3)" -v sc="$(col "$shoal_runs" 3)" -v e="$errors" \
    'BEGIN { printf "%-9s %3s %10.0f %10.0f %6.2f | %9.3f %9.3f %6.2f | %8.3f %8.3f %6.2f%s\n",
             t, p, rr, sr, sr / rr, rl, sl, (sl > 0 ? rl / sl : 0), rc, sc, (sc > 0 ? rc / sc : 0),
             (e > 0 ? "  (" e " error replies)" : "") }'
done
echo "ops: requests/s (ratio shoal/redis); p99 in ms and us: server CPU microseconds per request"
echo "(ratio redis/shoal for both: above 1 means Shoal's is lower)"
if [ -n "${SHOAL_OPS[get-p16]:-}" ] && [ -n "${SHOAL_OPS[ping]:-}" ]; then
  awk -v g="${SHOAL_OPS[get-p16]}" -v p="${SHOAL_OPS[ping]}" \
    'BEGIN { printf "shoal GET/PING throughput at pipeline 16: %.2f\n", g / p }'
fi
