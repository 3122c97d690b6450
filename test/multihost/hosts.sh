#!/bin/sh
# Three throw-away "hosts" on this one machine for the multi-host tests: network
# namespaces at NET.2-4, each with its own hostname h1 h2 h3 (a persistent UTS
# namespace), its own /etc/hosts (h1 h2 h3, and `launcher` = NET.1) and its own sshd that
# lets root in with a key of ours. A bridge at NET.1 in this namespace joins them (veth
# pairs <-> eth0). No default route, no forwarding: nothing leaves the /24. The file
# system is shared, so the repository and node are at the same paths everywhere.
#
# Runs are independent (netns-run.sh): the machine-wide names are the run's PREFIX +
# h1..h3 (namespaces), br (bridge) and v1..v3 (veths), NET is a free 10.77.X picked at
# `up`, both recorded in STATE_DIR/run. The names h1..h3 inside a run (hostnames, ssh
# aliases, /etc/hosts) are its own, so two runs may coexist on one machine.
#
#   hosts.sh check                exit 0 when this machine can do it (root, tools, netns rights), else print why
#   hosts.sh up   [STATE_DIR]     tear down a previous run in STATE_DIR and runs whose owner is gone, start;
#                                 the last line of stdout is STATE_DIR (absolute)
#   hosts.sh down [STATE_DIR]     stop what this run started and remove it all (safe when nothing is up)
#   hosts.sh prune                take down every run whose owner process is gone
#   hosts.sh pids hN [STATE_DIR]  pids of the processes in hN's network namespace, one a line
#   hosts.sh kill-host hN [STATE_DIR]  kill -9 every process of hN except its sshd listener: all of the host's
#                                 processes (ranks, ssh sessions) die at once and peers see their sockets
#                                 close; the host stays reachable by ssh for later tests
#   hosts.sh link-down hN [STATE_DIR]  take hN's eth0 down: a silent partition (peers see no socket event)
#   hosts.sh link-up hN [STATE_DIR]    heal it
#
# STATE_DIR defaults to $TSMPI_HOSTS_DIR, else /tmp/tsmpi-hosts; PREFIX to $TSMPI_HOSTS_PREFIX,
# else one derived from STATE_DIR; OWNER (whose end makes the run stale) to $TSMPI_HOSTS_OWNER,
# else the caller of `up`.
#
# After `up`, STATE_DIR/ssh_config has `Host h1` (HostName NET.2) ... with everything ssh
# needs, and STATE_DIR/ssh is `ssh -F STATE_DIR/ssh_config "$@"` (usable as a launch agent).
# Root's login shell still reads its rc files on every ssh command; they must print nothing.
set -eu
cmd=${1:-}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns-run.sh"
HOSTS="1 2 3"
SSHD=/usr/sbin/sshd

state_dir() { S=${1:-${TSMPI_HOSTS_DIR:-/tmp/tsmpi-hosts}}; }

# The run in STATE_DIR (its PREFIX and NET), or exit saying there is none.
need_run() {
  load_run "$S" || { echo "no hosts are up in $S" >&2; exit 1; }
}

check() {
  if [ "$(id -u)" != 0 ]; then echo "needs root (network namespaces and an sshd per host)"; return 1; fi
  for program in ip nsenter unshare; do
    command -v "$program" >/dev/null 2>&1 || { echo "$program is missing (apt-get install -y iproute2 util-linux)"; return 1; }
  done
  for program in ssh ssh-keygen; do
    command -v "$program" >/dev/null 2>&1 || { echo "$program is missing (apt-get install -y openssh-client)"; return 1; }
  done
  [ -x "$SSHD" ] || { echo "$SSHD is missing (apt-get install -y openssh-server)"; return 1; }
  probe=tsmpi-probe-$$
  if ! ip netns add "$probe" 2>/dev/null; then echo "no rights to create network namespaces (needs CAP_SYS_ADMIN and CAP_NET_ADMIN)"; return 1; fi
  ip netns del "$probe"
  return 0
}

host_number() {
  case "$1" in
  h1 | h2 | h3) echo "${1#h}" ;;
  *) echo "unknown host '$1' (h1 h2 h3)" >&2; exit 2 ;;
  esac
}

# Pids in network namespace $1 (empty when it does not exist).
ns_pids() { ip netns pids "$1" 2>/dev/null || true; }

# kill -9 the given pids and wait (up to ~3 s) until they are gone.
kill_wait() {
  [ $# -gt 0 ] || return 0
  kill -9 "$@" 2>/dev/null || true
  n=0
  while [ $n -lt 30 ]; do
    left=
    for pid in "$@"; do alive "$pid" && left=1; done
    [ -z "$left" ] && return 0
    n=$((n + 1)); sleep 0.1
  done
}

stop_pidfile() {
  [ -f "$1" ] || return 0
  pid=$(cat "$1" 2>/dev/null || true)
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    n=0; while alive "$pid" && [ $n -lt 30 ]; do n=$((n + 1)); sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
}

down() {
  if load_run "$S"; then
    for n in $HOSTS; do stop_pidfile "$S/h$n.sshd.pid"; done
    for n in $HOSTS; do
      # Whatever is still inside (ranks started over ssh, sessions): only our namespaces' processes.
      # shellcheck disable=SC2046
      kill_wait $(ns_pids "${PREFIX}h$n")
      remove_node "$n" "$S"
      rm -rf "/etc/netns/${PREFIX}h$n"
    done
    ip link del "${PREFIX}br" 2>/dev/null || true
    forget_run hosts "$PREFIX"
  fi
  if [ -f "$S/.tsmpi-hosts" ]; then
    rm -rf "$S"
  elif [ -d "$S" ]; then
    rmdir "$S" 2>/dev/null || true # not ours (no marker): remove only when empty
  fi
}

prune() {
  for dir in $(stale_runs hosts); do (S=$dir && down); done
}

up() {
  down
  prune
  PATH=$PATH:/usr/sbin
  mkdir -p "$S"
  S=$(cd "$S" && pwd)
  chmod 700 "$S"
  : >"$S/.tsmpi-hosts"
  run_prefix "$S"
  if ip netns list | grep -q "^${PREFIX}h1\( \|$\)"; then
    echo "namespace ${PREFIX}h1 exists: another run uses the prefix $PREFIX (set TSMPI_HOSTS_PREFIX)" >&2
    exit 1
  fi
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  ssh-keygen -q -t ed25519 -N '' -C tsmpi-hosts-client -f "$S/id_ed25519" </dev/null >/dev/null
  cp "$S/id_ed25519.pub" "$S/authorized_keys"
  ssh_bin=$(command -v ssh)

  lock_net
  take_net "${PREFIX}br" hosts "$S"
  release_net

  {
    for n in $HOSTS; do
      printf 'Host h%s\n  HostName %s.%s\n' "$n" "$NET" "$((n + 1))"
    done
    printf 'Host *\n'
    printf '  User root\n  IdentityFile %s/id_ed25519\n  IdentitiesOnly yes\n  BatchMode yes\n' "$S"
    printf '  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  ConnectTimeout 5\n'
  } >"$S/ssh_config"
  printf '#!/bin/sh\nexec '\''%s'\'' -F '\''%s/ssh_config'\'' "$@"\n' "$ssh_bin" "$S" >"$S/ssh"
  chmod 755 "$S/ssh"

  for n in $HOSTS; do
    h=h$n
    ip=$NET.$((n + 1))
    add_node "$n" "$S" # sets ns
    mkdir -p "/etc/netns/$ns"
    printf '127.0.0.1 localhost\n%s.2 h1\n%s.3 h2\n%s.4 h3\n%s.1 launcher\n' "$NET" "$NET" "$NET" "$NET" >"/etc/netns/$ns/hosts"
    ssh-keygen -q -t ed25519 -N '' -C "tsmpi-hosts-$h" -f "$S/$h.host_key" </dev/null >/dev/null
    cat >"$S/$h.sshd_config" <<EOF
ListenAddress $ip:22
HostKey $S/$h.host_key
PidFile $S/$h.sshd.pid
AuthorizedKeysFile $S/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 200
MaxSessions 200
PrintMotd no
PrintLastLog no
X11Forwarding no
UseDNS no
EOF
    # sshd wants its absolute path; it daemonizes. ip netns exec also gives it hN's /etc/hosts.
    ip netns exec "$ns" nsenter --uts="$S/uts-$h" "$SSHD" -f "$S/$h.sshd_config" -E "$S/$h.sshd.log" \
      </dev/null >/dev/null 2>>"$S/daemons.err"
  done

  for n in $HOSTS; do
    tries=0
    until "$S/ssh" "h$n" true </dev/null >/dev/null 2>>"$S/daemons.err"; do
      tries=$((tries + 1))
      if [ $tries -ge 25 ]; then
        echo "sshd on h$n does not accept logins:" >&2
        cat "$S/daemons.err" "$S/h$n.sshd.log" >&2 2>/dev/null || true
        down
        exit 1
      fi
      sleep 0.2
    done
  done
  echo "$S"
}

case "$cmd" in
check)
  check
  ;;
up)
  check >&2 || exit 1
  state_dir "${2:-}"
  up
  ;;
down)
  state_dir "${2:-}"
  down
  ;;
prune)
  prune
  ;;
pids)
  host_number "${2:-}" >/dev/null
  state_dir "${3:-}"
  need_run
  ns_pids "$PREFIX$2"
  ;;
kill-host)
  host_number "${2:-}" >/dev/null
  state_dir "${3:-}"
  need_run
  keep=$(cat "$S/$2.sshd.pid" 2>/dev/null || true)
  victims=
  for pid in $(ns_pids "$PREFIX$2"); do
    [ "$pid" = "$keep" ] || victims="$victims $pid"
  done
  # shellcheck disable=SC2086
  kill_wait $victims
  ;;
link-down | link-up)
  host_number "${2:-}" >/dev/null
  state_dir "${3:-}"
  need_run
  ip -n "$PREFIX$2" link set eth0 "${cmd#link-}"
  ;;
*)
  echo "usage: hosts.sh check | up [STATE_DIR] | down [STATE_DIR] | prune | pids hN [STATE_DIR] | kill-host hN [STATE_DIR] | link-down hN [STATE_DIR] | link-up hN [STATE_DIR]" >&2
  exit 2
  ;;
esac
