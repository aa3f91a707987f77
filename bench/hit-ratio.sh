#!/usr/bin/env bash
# Cache hit ratio, Shoal against redis-server in one run, under a Zipf
# read-through workload (shoal-bench --read-through: GET, and SET the key
# after a miss) with maxmemory at a tenth of the key space, for allkeys-lru
# and allkeys-lfu.
#
# Both servers run single-threaded on SERVER_CPUS (shoal-server --threads 1
# --cpu-pinning no), the load on LOAD_CPUS, on free loopback ports, Redis
# without persistence (as bench/lib.sh starts them).
#
# 1. The memory of the full key space, per server: FLUSHALL, then the
#    baseline, used_memory while shoal-bench's CLIENTS connections send GETs
#    of absent keys at PIPELINE (so the budget below is left to the data, not
#    to connection buffers); fill every key (key:0 .. key:KEYS-1, SIZE-byte
#    values, in order); full = used_memory after minus used_memory before;
#    FLUSHALL.
# 2. Two budgets, both measured:
#    same-bytes: maxmemory = own baseline + SHARE % of Redis's full bytes
#                (the same bytes for data on both servers);
#    same-share: maxmemory = own baseline + SHARE % of its own full bytes
#                (each server holds about SHARE % of the keys).
# 3. For each policy in POLICIES and each budget, on each server: FLUSHALL,
#    CONFIG SET maxmemory-policy and maxmemory, a warm-up read-through pass,
#    CONFIG RESETSTAT, the measured pass (Zipf(ZIPF) keys, fixed SEED); its
#    GET hit ratio, and evicted_keys, used_memory and DBSIZE at its end.
#
# Settings come from the environment:
#   SERVER_CPUS (1)  LOAD_CPUS (0)  KEYS (1000000)  SIZE (32)
#   TEST_TIME (10: seconds of the measured pass)  WARMUP_TIME (TEST_TIME)
#   REQUESTS (unset: passes are timed; set: each pass is this many GETs)
#   SHARE (10: percent)  ZIPF (0.99)  POLICIES ("allkeys-lru allkeys-lfu")
#   CLIENTS (10)  PIPELINE (16)  SEED (1)
#   SHOAL (target/release/shoal-server)  SHOAL_BENCH (target/release/shoal-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-10}
THREADS=1
SHOAL_ARGS="--cpu-pinning no${SHOAL_ARGS:+ $SHOAL_ARGS}"
# shellcheck source=bench/lib.sh
. bench/lib.sh
TEST_TIME=${TEST_TIME:-10}
WARMUP_TIME=${WARMUP_TIME:-$TEST_TIME}
REQUESTS=${REQUESTS:-}
SHARE=${SHARE:-10}
ZIPF=${ZIPF:-0.99}
POLICIES=${POLICIES:-"allkeys-lru allkeys-lfu"}
PIPELINE=${PIPELINE:-16}
SEED=${SEED:-1}
MAXKEY=$((KEYS - 1))

for bin in "$SHOAL" "$SHOAL_BENCH"; do
  [ -x "$bin" ] || { echo "$bin not found: cargo build --release -p shoal-engine -p shoal-bench" >&2; exit 1; }
done

OUT=$(mktemp -d)
start_servers

# cli PORT ARGS... (fails the script on an error reply)
cli() {
  local port=$1 reply
  shift
  reply=$(redis-cli -p "$port" "$@")
  case "$reply" in ERR* | WRONGTYPE* | NOAUTH*) echo "redis-cli -p $port $*: $reply" >&2; exit 1 ;; esac
  echo "$reply"
}

# field PORT NAME -> the INFO field NAME
field() { redis-cli -p "$1" info | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'; }

BENCH_ARGS=(-c "$CLIENTS" -P "$PIPELINE" --key-maximum "$MAXKEY" -d "$SIZE" --seed "$SEED" -q)
bench() { # port args...
  local port=$1
  shift
  taskset -c "$LOAD_CPUS" "$SHOAL_BENCH" -p "$port" "${BENCH_ARGS[@]}" "$@" >/dev/null
}

# One pass of the read-through workload: timed, or REQUESTS GETs.
if [ -n "$REQUESTS" ]; then
  WARMUP_PASS=(--total-requests "$REQUESTS")
  MEASURED_PASS=(--total-requests "$REQUESTS")
else
  WARMUP_PASS=(--test-time "$WARMUP_TIME")
  MEASURED_PASS=(--test-time "$TEST_TIME")
fi
READ_THROUGH=(--read-through --key-pattern Z --key-zipf-exp "$ZIPF")

# footprint PORT -> "baseline full": used_memory under load with no data, and
# the bytes every key of the key space adds.
footprint() {
  local port=$1 base=0 used full pid
  cli "$port" flushall sync >/dev/null
  # GETs of absent keys, for long enough to sample used_memory as it is during a pass.
  bench "$port" --ratio 0:1 --key-prefix absent: --test-time 2 &
  pid=$!
  sleep 0.5
  for _ in 1 2 3 4 5; do
    used=$(field "$port" used_memory)
    [ "$used" -gt "$base" ] && base=$used
    sleep 0.2
  done
  wait "$pid"
  used=$(field "$port" used_memory)
  bench "$port" --ratio 1:0 --key-pattern S --total-requests "$KEYS"
  [ "$(cli "$port" dbsize)" -eq "$KEYS" ] || { echo "the fill of port $port did not write $KEYS keys" >&2; exit 1; }
  full=$(($(field "$port" used_memory) - used))
  cli "$port" flushall sync >/dev/null
  echo "$base $full"
}

# measure PORT POLICY MAXMEMORY -> "hit_ratio evicted_keys used_memory dbsize gets"
measure() {
  local port=$1 json="$OUT/pass.json"
  cli "$port" config set maxmemory 0 >/dev/null
  cli "$port" flushall sync >/dev/null
  cli "$port" config set maxmemory-policy "$2" >/dev/null
  cli "$port" config set maxmemory "$3" >/dev/null
  bench "$port" "${READ_THROUGH[@]}" "${WARMUP_PASS[@]}"
  cli "$port" config resetstat >/dev/null
  bench "$port" "${READ_THROUGH[@]}" "${MEASURED_PASS[@]}" --json-out "$json"
  local ratio gets
  read -r ratio gets < <(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
print(t["hit_ratio"], t["hits"] + t["misses"])' "$json")
  echo "$ratio $(field "$port" evicted_keys) $(field "$port" used_memory) $(cli "$port" dbsize) $gets"
}

read -r RBASE RFULL <<<"$(footprint "$RPORT")"
read -r SBASE SFULL <<<"$(footprint "$SPORT")"
SAME_BYTES=$((RFULL * SHARE / 100))

pass_text() { if [ -n "$REQUESTS" ]; then echo "$REQUESTS GETs"; else echo "$1 s"; fi; }
echo "$KEYS keys of $SIZE bytes, Zipf($ZIPF) read-through, shoal-bench -c $CLIENTS -P $PIPELINE --seed $SEED;" \
  "warm-up $(pass_text "$WARMUP_TIME"), measured $(pass_text "$TEST_TIME");" \
  "servers on CPU $SERVER_CPUS (shoal --threads 1), load on CPU $LOAD_CPUS"
printf '%-12s %12s %12s %10s\n' server baseline_B full_B B/key
printf '%-12s %12s %12s %10s\n' redis-server "$RBASE" "$RFULL" $((RFULL / KEYS))
printf '%-12s %12s %12s %10s\n' shoal-server "$SBASE" "$SFULL" $((SFULL / KEYS))
echo "maxmemory = baseline + $SHARE % of the full key space's bytes: Redis's for same-bytes, each server's own for same-share"
echo
printf '%-12s %-10s | %7s %7s %6s | %10s %10s | %10s %10s | %9s %9s | %9s %9s\n' \
  policy budget shoal redis ratio shoal_max redis_max shoal_used redis_used shoal_evic redis_evic shoal_keys redis_keys
for policy in $POLICIES; do
  for budget in same-bytes same-share; do
    if [ "$budget" = same-bytes ]; then
      rmax=$((RBASE + SAME_BYTES))
      smax=$((SBASE + SAME_BYTES))
    else
      rmax=$((RBASE + RFULL * SHARE / 100))
      smax=$((SBASE + SFULL * SHARE / 100))
    fi
    read -r rratio revicted rused rkeys _ <<<"$(measure "$RPORT" "$policy" "$rmax")"
    read -r sratio sevicted sused skeys _ <<<"$(measure "$SPORT" "$policy" "$smax")"
    awk -v p="$policy" -v b="$budget" -v s="$sratio" -v r="$rratio" \
      -v sm="$smax" -v rm="$rmax" -v su="$sused" -v ru="$rused" \
      -v se="$sevicted" -v re="$revicted" -v sk="$skeys" -v rk="$rkeys" \
      'BEGIN { printf "%-12s %-10s | %7.4f %7.4f %6.3f | %10d %10d | %10d %10d | %9d %9d | %9d %9d\n",
               p, b, s, r, (r > 0 ? s / r : 0), sm, rm, su, ru, se, re, sk, rk }'
  done
done
echo "shoal, redis: GET hit ratio of the measured pass; ratio: shoal/redis; *_max: maxmemory;"
echo "*_used, *_evic, *_keys: used_memory, evicted_keys (measured pass) and DBSIZE at its end"
echo
echo "Commands (PORT is each server's):"
echo "  taskset -c $SERVER_CPUS redis-server --port PORT --bind 127.0.0.1 --save '' --appendonly no --daemonize no"
echo "  taskset -c $SERVER_CPUS $SHOAL --port PORT --bind 127.0.0.1 --threads 1 --loglevel warning $SHOAL_ARGS"
echo "  baseline: taskset -c $LOAD_CPUS $SHOAL_BENCH -p PORT ${BENCH_ARGS[*]} --ratio 0:1 --key-prefix absent: --test-time 2 (used_memory sampled during it)"
echo "  fill:     taskset -c $LOAD_CPUS $SHOAL_BENCH -p PORT ${BENCH_ARGS[*]} --ratio 1:0 --key-pattern S --total-requests $KEYS"
echo "  per case: redis-cli -p PORT config set maxmemory 0; flushall sync; config set maxmemory-policy POLICY; config set maxmemory MAXMEMORY"
echo "  warm-up:  taskset -c $LOAD_CPUS $SHOAL_BENCH -p PORT ${BENCH_ARGS[*]} ${READ_THROUGH[*]} ${WARMUP_PASS[*]}"
echo "            redis-cli -p PORT config resetstat"
echo "  measured: taskset -c $LOAD_CPUS $SHOAL_BENCH -p PORT ${BENCH_ARGS[*]} ${READ_THROUGH[*]} ${MEASURED_PASS[*]} --json-out pass.json"
