#!/usr/bin/env bash
# Runs the same redis-benchmark workloads against redis-server and
# shoal-server, alternating between them in one run, with the servers and the
# load generator pinned to chosen CPUs, and prints the median throughput and
# p99 of RUNS runs each with the Shoal/Redis ratio. Settings come from the
# environment:
#   SERVER_CPUS (1)  LOAD_CPUS (0)  THREADS (1)  CLIENTS (50)  KEYS (1000000)
#   SIZE (32)  REQUESTS (1000000)  PIPELINES ("1 16")  TESTS ("set,get")
#   RUNS (3)  SHOAL (target/release/shoal-server)
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER_CPUS=${SERVER_CPUS:-1}
LOAD_CPUS=${LOAD_CPUS:-0}
THREADS=${THREADS:-1}
CLIENTS=${CLIENTS:-50}
KEYS=${KEYS:-1000000}
SIZE=${SIZE:-32}
REQUESTS=${REQUESTS:-1000000}
PIPELINES=${PIPELINES:-"1 16"}
TESTS=${TESTS:-"set,get"}
RUNS=${RUNS:-3}
SHOAL=${SHOAL:-target/release/shoal-server}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; exit 1; }

RPORT=$(free_port)
taskset -c "$SERVER_CPUS" redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
RPID=$!
SPORT=$(free_port)
taskset -c "$SERVER_CPUS" "$SHOAL" --port "$SPORT" --bind 127.0.0.1 --threads "$THREADS" --loglevel warning >/dev/null 2>&1 &
SPID=$!
trap 'kill $RPID $SPID 2>/dev/null || true' EXIT
wait_port "$RPORT"
wait_port "$SPORT"

run() { # port pipeline -> csv lines "test,rps,p99"
  taskset -c "$LOAD_CPUS" redis-benchmark -p "$1" -t "$TESTS" -P "$2" -c "$CLIENTS" -r "$KEYS" -d "$SIZE" -n "$REQUESTS" --csv 2>/dev/null |
    tail -n +2 | tr -d '"' | awk -F, '{print $1","$2","$7}'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "redis-benchmark -t $TESTS -c $CLIENTS -r $KEYS -d $SIZE -n $REQUESTS; servers on CPU $SERVER_CPUS, load on CPU $LOAD_CPUS; shoal --threads $THREADS; median of $RUNS runs"
printf '%-6s %3s %14s %14s %7s %12s %12s %7s\n' test P redis_rps shoal_rps ratio redis_p99ms shoal_p99ms ratio
for P in $PIPELINES; do
  redis_out=""
  shoal_out=""
  for _ in $(seq "$RUNS"); do
    redis_out+=$(run "$RPORT" "$P")$'\n'
    shoal_out+=$(run "$SPORT" "$P")$'\n'
  done
  for test in $(echo "$redis_out" | cut -d, -f1 | awk 'NF && !seen[$0]++'); do
    rrps=$(echo "$redis_out" | grep "^$test," | cut -d, -f2 | median)
    rp99=$(echo "$redis_out" | grep "^$test," | cut -d, -f3 | median)
    srps=$(echo "$shoal_out" | grep "^$test," | cut -d, -f2 | median)
    sp99=$(echo "$shoal_out" | grep "^$test," | cut -d, -f3 | median)
    awk -v t="$test" -v p="$P" -v rr="$rrps" -v sr="$srps" -v rp="$rp99" -v sp="$sp99" \
      'BEGIN { printf "%-6s %3s %14.0f %14.0f %7.2f %12.3f %12.3f %7.2f\n", t, p, rr, sr, sr/rr, rp, sp, (sp>0? rp/sp : 0) }'
  done
done
echo "(p99 ratio is redis/shoal: above 1 means Shoal's p99 is lower)"
