# Shared by bench/compare.sh and bench/redis-benchmark-compare.sh (sourced,
# not run): start redis-server and shoal-server on free loopback ports,
# pinned to $SERVER_CPUS, and the measuring helpers both scripts use.
# Sets the settings all the scripts share, unless the environment does:
#   SERVER_CPUS (1)  LOAD_CPUS (0)  THREADS (1)  CLIENTS (50)  KEYS (1000000)
#   SIZE (32)  SHOAL (target/release/shoal-server)
#   SHOAL_BENCH (target/release/shoal-bench)
#   SHOAL_ARGS (none: more shoal-server flags, e.g. "--cpu-pinning no")
# start_servers sets RPORT, RPID, SPORT, SPID and a trap that stops both
# servers (and removes $OUT if set); TICK_US is the length of a CPU tick.

SERVER_CPUS=${SERVER_CPUS:-1}
LOAD_CPUS=${LOAD_CPUS:-0}
THREADS=${THREADS:-1}
CLIENTS=${CLIENTS:-50}
KEYS=${KEYS:-1000000}
SIZE=${SIZE:-32}
SHOAL=${SHOAL:-target/release/shoal-server}
SHOAL_BENCH=${SHOAL_BENCH:-target/release/shoal-bench}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 200); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "server on $1 did not start" >&2
  exit 1
}

# Starts the shoal-server binary $1 pinned to $SERVER_CPUS on a free loopback
# port; sets STARTED_PORT and STARTED_PID.
start_shoal() {
  STARTED_PORT=$(free_port)
  # shellcheck disable=SC2086 # SHOAL_ARGS is words
  taskset -c "$SERVER_CPUS" "$1" --port "$STARTED_PORT" --bind 127.0.0.1 --threads "$THREADS" --loglevel warning ${SHOAL_ARGS:-} >/dev/null 2>&1 &
  STARTED_PID=$!
}

start_servers() {
  RPORT=$(free_port)
  taskset -c "$SERVER_CPUS" redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
  RPID=$!
  start_shoal "$SHOAL"
  SPORT=$STARTED_PORT
  SPID=$STARTED_PID
  trap 'kill $RPID $SPID 2>/dev/null || true; [ -n "${OUT:-}" ] && rm -rf "$OUT"' EXIT
  wait_port "$RPORT"
  wait_port "$SPORT"
}

TICK_US=$((1000000 / $(getconf CLK_TCK)))

# CPU ticks (user + system) of all threads of a process.
cpu_ticks() { cat /proc/"$1"/task/*/stat | awk '{ t += $14 + $15 } END { print t }'; }

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# Field $2 of the non-empty lines of $1, median.
col() { echo "$1" | awk -v c="$2" 'NF { print $c }' | median; }
