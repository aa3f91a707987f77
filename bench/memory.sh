#!/usr/bin/env bash
# Memory per key, Shoal against redis-server in one run: starts both (as
# bench/lib.sh does), fills each with the same keys through redis-benchmark
# (SET of KEYS random keys `key:NNNNNNNNNNNN`, 16 bytes, with SIZE-byte
# values; REQUESTS sets so that nearly every key of the range is written),
# and prints for each server DBSIZE, used_memory and used_memory_rss before
# and after, the bytes per key of each (after minus before, over DBSIZE),
# and the Shoal/Redis ratios. used_memory is each server's count of the
# bytes its allocator gave out and not yet freed, in the allocator's size
# classes (jemalloc's for Redis, mimalloc's for Shoal).
# Settings come from the environment:
#   SERVER_CPUS (1)  LOAD_CPUS (0)  THREADS (1)  KEYS (1000000)  SIZE (16)
#   REQUESTS (4 x KEYS)  SHOAL (target/release/shoal-server)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-16}
# shellcheck source=bench/lib.sh
. bench/lib.sh
REQUESTS=${REQUESTS:-$((KEYS * 4))}

start_servers

field() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'; }

# measure PORT -> "keys used_per_key rss_per_key"
measure() {
  local used0 rss0 keys used1 rss1
  used0=$(field "$1" used_memory)
  rss0=$(field "$1" used_memory_rss)
  taskset -c "$LOAD_CPUS" redis-benchmark -p "$1" -t set -r "$KEYS" -d "$SIZE" -n "$REQUESTS" \
    -P 16 -c 50 -q >/dev/null 2>&1
  keys=$(redis-cli -p "$1" dbsize)
  used1=$(field "$1" used_memory)
  rss1=$(field "$1" used_memory_rss)
  echo "$keys $(((used1 - used0) / keys)) $(((rss1 - rss0) / keys))"
}

read -r rkeys rused rrss <<<"$(measure "$RPORT")"
read -r skeys sused srss <<<"$(measure "$SPORT")"
echo "redis-benchmark -t set -r $KEYS -d $SIZE -n $REQUESTS -P 16 -c 50; shoal --threads $THREADS"
printf '%-12s %9s %14s %13s\n' server keys used_B/key rss_B/key
printf '%-12s %9s %14s %13s\n' redis-server "$rkeys" "$rused" "$rrss"
printf '%-12s %9s %14s %13s\n' shoal-server "$skeys" "$sused" "$srss"
awk -v a="$sused" -v b="$rused" -v c="$srss" -v d="$rrss" \
  'BEGIN { printf "ratio shoal/redis: used %.2f, rss %.2f\n", a / b, c / d }'
