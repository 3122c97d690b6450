#!/bin/sh
# A throw-away three-node Slurm cluster on network namespaces: nodes h1 h2 h3 at
# NET.2-4 (each with its own network, hostname and /etc/hosts), a bridge at NET.1 in
# this namespace carrying slurmctld; munge as in slurm.sh. Nothing leaves the /24 (no
# route out, no forwarding). As in ../multihost/hosts.sh, each run has machine-wide names
# of its own (PREFIX + h1..h3, br, v1..v3) and a free network 10.77.X (netns-run.sh), so
# runs coexist with each other and with the other namespace harness.
#
#   slurm-hosts.sh up   [STATE_DIR]   start (first taking down runs whose owner is gone);
#                                     prints `SLURM_CONF=...` and `LAUNCHER_ADDRESS=NET.1`
#   slurm-hosts.sh down [STATE_DIR]   stop what this run started and remove it all
#   slurm-hosts.sh check              exit 0 when this machine can do it, else print why
#
# STATE_DIR defaults to $TSMPI_HOSTS_DIR, else /tmp/tsmpi-slurm-hosts; PREFIX and OWNER
# come from TSMPI_HOSTS_PREFIX and TSMPI_HOSTS_OWNER as in hosts.sh.
set -eu
cmd=${1:-}
S=${2:-${TSMPI_HOSTS_DIR:-/tmp/tsmpi-slurm-hosts}}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../multihost/netns-run.sh"
NODES="1 2 3"

check() {
  sh "$HERE/slurm.sh" check || return 1
  for program in ip nsenter unshare; do
    command -v "$program" >/dev/null 2>&1 || { echo "$program is missing (apt-get install -y iproute2 util-linux)"; return 1; }
  done
  if ! ip netns add "tssl-probe-$$" 2>/dev/null; then echo "no rights to create network namespaces (needs CAP_SYS_ADMIN and CAP_NET_ADMIN)"; return 1; fi
  ip netns del "tssl-probe-$$"
  return 0
}

stop_pidfile() {
  if [ -f "$1" ]; then
    pid=$(cat "$1")
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      n=0; while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do n=$((n+1)); sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
}

down() {
  for n in $NODES; do stop_pidfile "$S/slurmd-h$n.pid"; done
  stop_pidfile "$S/slurmctld.pid"
  stop_pidfile "$S/munge/munged.pid"
  if load_run "$S"; then
    for n in $NODES; do remove_node "$n" "$S"; done
    ip link del "${PREFIX}br" 2>/dev/null || true
    forget_run slurm-hosts "$PREFIX"
  fi
  rm -rf "$S"
}

case "$cmd" in
check)
  check
  ;;
up)
  check >&2 || exit 1
  for dir in $(stale_runs slurm-hosts); do (S=$dir && down); done
  PATH=$PATH:/usr/sbin
  mkdir -p "$S/state" "$S/munge"
  S=$(cd "$S" && pwd)
  chmod 755 "$S" "$S/munge"
  run_prefix "$S"
  if ip netns list | grep -q "^${PREFIX}h1\( \|$\)"; then
    echo "namespace ${PREFIX}h1 exists: another run uses the prefix $PREFIX (set TSMPI_HOSTS_PREFIX)" >&2
    exit 1
  fi
  lock_net
  take_net "${PREFIX}br" slurm-hosts "$S"
  release_net
  dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 2>/dev/null
  chmod 600 "$S/munge/munge.key"
  munged --force --socket="$S/munge/munge.socket" --key-file="$S/munge/munge.key" \
    --pid-file="$S/munge/munged.pid" --log-file="$S/munge/munged.log" --seed-file="$S/munge/seed" </dev/null >/dev/null 2>>"$S/munge/err.log"
  ctl=$(hostname -s) # slurmctld runs only where its SlurmctldHost name is the hostname
  printf '%s.2 h1\n%s.3 h2\n%s.4 h3\n%s.1 %s\n127.0.0.1 localhost\n' "$NET" "$NET" "$NET" "$NET" "$ctl" >"$S/hosts"
  for n in $NODES; do add_node "$n" "$S"; done
  cat >"$S/slurm.conf" <<EOF
ClusterName=tsmpihosts
SlurmctldHost=$ctl($NET.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$S/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
SlurmdTimeout=10
KillWait=2
MpiDefault=none
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool-%n
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd-%n.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd-%n.log
SlurmctldPort=${TSMPI_SLURMCTLD_PORT:-6817}
SlurmdPort=${TSMPI_SLURMD_PORT:-6818}
NodeName=h1 NodeAddr=$NET.2 CPUs=8 RealMemory=1000
NodeName=h2 NodeAddr=$NET.3 CPUs=8 RealMemory=1000
NodeName=h3 NodeAddr=$NET.4 CPUs=8 RealMemory=1000
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
EOF
  export SLURM_CONF="$S/slurm.conf"
  slurmctld -f "$SLURM_CONF" </dev/null >/dev/null 2>>"$S/daemons.err"
  for n in $NODES; do
    # slurmd dies under `ip netns exec` (no cgroup fs there): enter the network and uts
    # namespaces directly and give it (and so its tasks) the nodes' /etc/hosts.
    nsenter --net="/run/netns/${PREFIX}h$n" --uts="$S/uts-h$n" unshare --mount sh -c \
      "mount --bind '$S/hosts' /etc/hosts && exec slurmd -f '$SLURM_CONF' -N h$n" </dev/null >/dev/null 2>>"$S/daemons.err"
  done
  n=0
  until timeout 5 srun -I3 -N3 -n3 true >/dev/null 2>&1; do
    n=$((n+1))
    if [ $n -ge 20 ]; then echo "the three-node slurm did not come up; see $S/*.log (slurm-hosts.sh down removes it)" >&2; exit 1; fi
    sleep 0.3
  done
  echo "SLURM_CONF=$SLURM_CONF"
  echo "LAUNCHER_ADDRESS=$NET.1"
  ;;
down)
  down
  ;;
*)
  echo "usage: slurm-hosts.sh up|down [STATE_DIR] | check" >&2
  exit 2
  ;;
esac
