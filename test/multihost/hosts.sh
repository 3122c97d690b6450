#!/bin/sh
# Three throw-away "hosts" on this one machine for the multi-host tests: network
# namespaces h1 h2 h3 at 10.77.0.2-4, each with its own hostname (a persistent UTS
# namespace), its own /etc/hosts (h1 h2 h3, and `launcher` = 10.77.0.1) and its own sshd
# that lets root in with a key of ours. A bridge tsbr0 at 10.77.0.1 in this namespace joins
# them (veth pairs vtsN <-> eth0). No default route, no forwarding: nothing leaves the /24.
# The file system is shared, so the repository and node are at the same paths everywhere.
# Names of our own (tsbr0, vtsN, 10.77.0.0/24) keep it apart from slurm-hosts.sh.
#
#   hosts.sh check                exit 0 when this machine can do it (root, tools, netns rights), else print why
#   hosts.sh up   [STATE_DIR]     tear down leftovers, start; the last line of stdout is STATE_DIR
#   hosts.sh down [STATE_DIR]     stop what this script started and remove it all (safe when nothing is up)
#   hosts.sh pids hN              pids of the processes in hN's network namespace, one a line
#   hosts.sh kill-host hN [STATE_DIR]  kill -9 every process of hN except its sshd listener: all of the host's
#                                 processes (ranks, ssh sessions) die at once and peers see their sockets
#                                 close; the host stays reachable by ssh for later tests
#   hosts.sh link-down hN         take hN's eth0 down: a silent partition (peers see no socket event)
#   hosts.sh link-up hN           heal it
#
# After `up`, STATE_DIR/ssh_config has `Host h1` (HostName 10.77.0.2) ... with everything ssh
# needs, and STATE_DIR/ssh is `ssh -F STATE_DIR/ssh_config "$@"` (usable as a launch agent).
# Root's login shell still reads its rc files on every ssh command; they must print nothing.
set -eu
cmd=${1:-}
BR=tsbr0
NET=10.77.0
HOSTS="1 2 3"
SSHD=/usr/sbin/sshd

state_dir() { S=${1:-/tmp/tsmpi-hosts}; }

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

# Pids in namespace hN (empty when it does not exist).
ns_pids() { ip netns pids "$1" 2>/dev/null || true; }

# True while the process exists and is not a zombie (kill -0 is true for zombies).
alive() {
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

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
  for n in $HOSTS; do stop_pidfile "$S/h$n.sshd.pid"; done
  for n in $HOSTS; do
    # Whatever is still inside (ranks started over ssh, sessions): only our namespaces' processes.
    # shellcheck disable=SC2046
    kill_wait $(ns_pids "h$n")
    ip netns del "h$n" 2>/dev/null || true
    ip link del "vts$n" 2>/dev/null || true
    rm -rf "/etc/netns/h$n"
    if [ -e "$S/uts-h$n" ]; then umount "$S/uts-h$n" 2>/dev/null || true; fi
  done
  ip link del "$BR" 2>/dev/null || true
  if [ -f "$S/.tsmpi-hosts" ]; then
    rm -rf "$S"
  elif [ -d "$S" ]; then
    rmdir "$S" 2>/dev/null || true # not ours (no marker): remove only when empty
  fi
}

up() {
  down
  PATH=$PATH:/usr/sbin
  mkdir -p "$S"
  S=$(cd "$S" && pwd)
  chmod 700 "$S"
  : >"$S/.tsmpi-hosts"
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  ssh-keygen -q -t ed25519 -N '' -C tsmpi-hosts-client -f "$S/id_ed25519" </dev/null >/dev/null
  cp "$S/id_ed25519.pub" "$S/authorized_keys"
  ssh_bin=$(command -v ssh)

  ip link add "$BR" type bridge
  ip addr add "$NET.1/24" dev "$BR"
  ip link set "$BR" up

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
    ip netns add "$h"
    ip link add "vts$n" type veth peer name eth0 netns "$h"
    ip link set "vts$n" master "$BR" up
    ip -n "$h" addr add "$ip/24" dev eth0
    ip -n "$h" link set eth0 up
    ip -n "$h" link set lo up
    mkdir -p "/etc/netns/$h"
    printf '127.0.0.1 localhost\n%s.2 h1\n%s.3 h2\n%s.4 h3\n%s.1 launcher\n' "$NET" "$NET" "$NET" "$NET" >"/etc/netns/$h/hosts"
    touch "$S/uts-$h"
    unshare --uts="$S/uts-$h" hostname "$h"
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
    ip netns exec "$h" nsenter --uts="$S/uts-$h" "$SSHD" -f "$S/$h.sshd_config" -E "$S/$h.sshd.log" \
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
pids)
  host_number "${2:-}" >/dev/null
  ns_pids "$2"
  ;;
kill-host)
  state_dir "${3:-}"
  host_number "${2:-}" >/dev/null
  keep=$(cat "$S/$2.sshd.pid" 2>/dev/null || true)
  victims=
  for pid in $(ns_pids "$2"); do
    [ "$pid" = "$keep" ] || victims="$victims $pid"
  done
  # shellcheck disable=SC2086
  kill_wait $victims
  ;;
link-down | link-up)
  host_number "${2:-}" >/dev/null
  ip -n "$2" link set eth0 "${cmd#link-}"
  ;;
*)
  echo "usage: hosts.sh check | up [STATE_DIR] | down [STATE_DIR] | pids hN | kill-host hN [STATE_DIR] | link-down hN | link-up hN" >&2
  exit 2
  ;;
esac
