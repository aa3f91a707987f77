#!/usr/bin/env bash
# Runs the same redis-benchmark workloads against redis-server and
# shoal-server, alternating between them in one run, with the servers and the
# load generator pinned to chosen CPUs. For each test and pipeline depth it
# prints the median of RUNS runs of: throughput, p99 latency, and the server's
# CPU time per request (user + system, from /proc, all threads), each with
# the Shoal/Redis ratio. CPU per request is the steadiest of the three on a
# shared machine: it does not depend on how fast the load generator was.
# Settings come from the environment:
#   SERVER_CPUS (1)  LOAD_CPUS (0)  THREADS (1)  CLIENTS (50)  KEYS (1000000)
#   SIZE (32)  REQUESTS (1000000)  PIPELINES ("1 16")  TESTS ("set get")
#   RUNS (3)  SHOAL (target/release/shoal-server)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
REQUESTS=${REQUESTS:-1000000}
PIPELINES=${PIPELINES:-"1 16"}
TESTS=${TESTS:-"set get"}
RUNS=${RUNS:-3}

start_servers

# run PORT PID TEST PIPELINE -> "rps p99_ms cpu_us_per_request"
run() {
  local before after line
  before=$(cpu_ticks "$2")
  line=$(taskset -c "$LOAD_CPUS" redis-benchmark -p "$1" -t "$3" -P "$4" -c "$CLIENTS" -r "$KEYS" \
    -d "$SIZE" -n "$REQUESTS" --csv 2>/dev/null | tail -n 1 | tr -d '"')
  after=$(cpu_ticks "$2")
  echo "$line" | awk -F, -v ticks=$((after - before)) -v tick_us="$TICK_US" -v n="$REQUESTS" \
    '{ printf "%s %s %.3f\n", $2, $7, ticks * tick_us / n }'
}

echo "redis-benchmark -c $CLIENTS -r $KEYS -d $SIZE -n $REQUESTS; servers on CPU $SERVER_CPUS, load on CPU $LOAD_CPUS; shoal --threads $THREADS; median of $RUNS runs"
printf '%-5s %3s %10s %10s %6s | %9s %9s %6s | %8s %8s %6s\n' \
  test P redis_rps shoal_rps ratio redis_p99 shoal_p99 ratio redis_us shoal_us ratio
for P in $PIPELINES; do
  for test in $TESTS; do
    redis_runs=""
    shoal_runs=""
    for _ in $(seq "$RUNS"); do
      redis_runs+=$(run "$RPORT" "$RPID" "$test" "$P")$'\n'
      shoal_runs+=$(run "$SPORT" "$SPID" "$test" "$P")$'\n'
    done
    awk -v t="$test" -v p="$P" \
      -v rr="$(col "$redis_runs" 1)" -v sr="$(col "$shoal_runs" 1)" \
      -v rl="$(col "$redis_runs" 2)" -v sl="$(col "$shoal_runs" 2)" \
      -v rc="$(col "$redis_runs" 3)" -v sc="$(col "$shoal_runs" 3)" \
      'BEGIN { printf "%-5s %3s %10.0f %10.0f %6.2f | %9.3f %9.3f %6.2f | %8.3f %8.3f %6.2f\n",
               toupper(t), p, rr, sr, sr / rr, rl, sl, (sl > 0 ? rl / sl : 0), rc, sc, (sc > 0 ? rc / sc : 0) }'
  done
done
echo "rps: requests/s (ratio shoal/redis); p99 in ms and us: server CPU microseconds per request"
echo "(ratio redis/shoal for both: above 1 means Shoal's is lower)"
