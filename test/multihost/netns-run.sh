# Sourced by hosts.sh and ../schedulers/slurm-hosts.sh: what makes one run of a namespace
# harness independent of any other run on the same machine.
#
# - Names: every name that is global on the machine (network namespaces, the bridge, the
#   host ends of the veth pairs, /etc/netns/NAME) starts with the run's PREFIX: the
#   environment's TSMPI_HOSTS_PREFIX, else one derived from the state directory. A prefix
#   is a lower-case letter and at most 8 more letters or digits, so that `${PREFIX}br`
#   stays well inside Linux's 15-character interface names.
# - Network: the first 10.77.X.0/24 (X from 2) that no interface of this machine uses,
#   picked and taken (the bridge gets X.1) under a lock, so two runs starting at once
#   cannot pick the same one. 10.77.0 and 10.77.1 are left out: earlier versions of
#   these scripts used them with fixed names.
# - Record: STATE_DIR/run holds PREFIX, NET and OWNER (the pid whose end ends the run,
#   TSMPI_HOSTS_OWNER or the caller of `up`); the run is listed in $RUNS_ROOT, and `up` first
#   takes down every listed run whose owner is gone (a test process that was SIGKILLed).

RUNS_ROOT=${TSMPI_HOSTS_RUNS:-/tmp/tsmpi-netns-runs}
NET_LOCK=$RUNS_ROOT/.lock

# PREFIX for state directory $1: TSMPI_HOSTS_PREFIX, else `t` + 6 hex digits of its checksum.
run_prefix() {
  if [ -n "${TSMPI_HOSTS_PREFIX:-}" ]; then
    PREFIX=$TSMPI_HOSTS_PREFIX
  else
    sum=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
    PREFIX=$(printf 't%06x' $((sum % 16777216)))
  fi
  case "$PREFIX" in [a-z]*) ;; *) bad_prefix ;; esac
  case "$PREFIX" in *[!a-z0-9]*) bad_prefix ;; esac
  [ "${#PREFIX}" -le 9 ] || bad_prefix
}

bad_prefix() {
  echo "TSMPI_HOSTS_PREFIX '$PREFIX' must be a lower-case letter and up to 8 more letters or digits (interface names are at most 15 characters)" >&2
  exit 2
}

# True while pid $1 exists and is not a zombie (kill -0 is true for zombies).
alive() {
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Read STATE_DIR/run (PREFIX, NET, OWNER) of state directory $1; false when there is none.
load_run() {
  [ -f "$1/run" ] || return 1
  PREFIX=$(sed -n 's/^PREFIX=//p' "$1/run")
  NET=$(sed -n 's/^NET=//p' "$1/run")
  OWNER=$(sed -n 's/^OWNER=//p' "$1/run")
  [ -n "$PREFIX" ] && [ -n "$NET" ]
}

# State directories of listed runs of kind $1 whose owner is gone, one a line.
stale_runs() {
  [ -d "$RUNS_ROOT/$1" ] || return 0
  for entry in "$RUNS_ROOT/$1"/*; do
    [ -f "$entry" ] || continue
    dir=$(cat "$entry")
    owner=$(sed -n 's/^OWNER=//p' "$dir/run" 2>/dev/null || true)
    if [ -z "$owner" ] || ! alive "$owner"; then echo "$dir"; fi
  done
}

# Take the lock on the network choice (fd 9) until release_net.
lock_net() {
  mkdir -p "$RUNS_ROOT"
  exec 9>"$NET_LOCK"
  flock 9
}
release_net() { flock -u 9; exec 9>&-; }

# Pick a free 10.77.X (sets NET), create bridge $1 with NET.1/24, record the run of kind $2
# for state directory $3 (call between lock_net and release_net).
take_net() {
  used=$(ip -4 -o addr show 2>/dev/null || true)
  x=2
  while [ $x -le 254 ] && printf '%s\n' "$used" | grep -q " 10\.77\.$x\."; do x=$((x + 1)); done
  if [ $x -gt 254 ]; then
    echo "no free 10.77.X.0/24 network left for another run" >&2
    exit 1
  fi
  NET=10.77.$x
  # Recorded first: whatever exists of the run from here on, `down` finds it.
  printf 'PREFIX=%s\nNET=%s\nOWNER=%s\n' "$PREFIX" "$NET" "${TSMPI_HOSTS_OWNER:-$PPID}" >"$3/run"
  mkdir -p "$RUNS_ROOT/$2"
  printf '%s\n' "$3" >"$RUNS_ROOT/$2/$PREFIX"
  ip link add "$1" type bridge
  ip addr add "$NET.1/24" dev "$1"
  ip link set "$1" up
}

# Forget the run of kind $1 with prefix $2.
forget_run() { rm -f "$RUNS_ROOT/$1/$2"; }

# Node $1 of the run in state directory $2: network namespace ${PREFIX}h$1 at NET.($1+1)
# on the bridge (its end of the veth pair is eth0), and a persistent UTS namespace
# ($2/uts-h$1) whose hostname is h$1.
add_node() {
  ns=${PREFIX}h$1
  ip netns add "$ns"
  ip link add "${PREFIX}v$1" type veth peer name eth0 netns "$ns"
  ip link set "${PREFIX}v$1" master "${PREFIX}br" up
  ip -n "$ns" addr add "$NET.$(($1 + 1))/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  touch "$2/uts-h$1"
  unshare --uts="$2/uts-h$1" hostname "h$1"
}

# Remove node $1 of the run in state directory $2 (what exists of it).
remove_node() {
  ip netns del "${PREFIX}h$1" 2>/dev/null || true
  ip link del "${PREFIX}v$1" 2>/dev/null || true
  if [ -e "$2/uts-h$1" ]; then umount "$2/uts-h$1" 2>/dev/null || true; fi
}
