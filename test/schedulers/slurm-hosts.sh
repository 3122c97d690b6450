#!/bin/sh
# A throw-away three-node Slurm cluster on network namespaces: nodes h1 h2 h3 at
# 10.77.1.2-4 (each with its own network, hostname and /etc/hosts), a bridge at 10.77.1.1
# in this namespace carrying slurmctld; munge as in slurm.sh. Nothing leaves the /24 (no
# route out, no forwarding). Names of our own (bridge tsslbr0, namespaces tssl-hN) keep
# it apart from any other namespace harness.
#
#   slurm-hosts.sh up   [STATE_DIR]   start; prints `SLURM_CONF=...`
#   slurm-hosts.sh down [STATE_DIR]   stop what this script started and remove it all
#   slurm-hosts.sh check              exit 0 when this machine can do it, else print why
set -eu
cmd=${1:-}
S=${2:-/tmp/tsmpi-slurm-hosts}
HERE=$(cd "$(dirname "$0")" && pwd)
BR=tsslbr0
NODES="1 2 3"

check() {
  sh "$HERE/slurm.sh" check || return 1
  for program in ip nsenter unshare; do
    command -v "$program" >/dev/null 2>&1 || { echo "$program is missing (apt-get install -y iproute2 util-linux)"; return 1; }
  done
  if ! ip netns add tssl-probe 2>/dev/null; then echo "no rights to create network namespaces (needs CAP_SYS_ADMIN and CAP_NET_ADMIN)"; return 1; fi
  ip netns del tssl-probe
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
  for n in $NODES; do
    ip netns del "tssl-h$n" 2>/dev/null || true
    ip link del "vtssl$n" 2>/dev/null || true
    umount "$S/uts-h$n" 2>/dev/null || true
  done
  ip link del "$BR" 2>/dev/null || true
  rm -rf "$S"
}

case "$cmd" in
check)
  check
  ;;
up)
  check >&2 || exit 1
  PATH=$PATH:/usr/sbin
  mkdir -p "$S/state" "$S/munge"
  chmod 755 "$S" "$S/munge"
  dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 2>/dev/null
  chmod 600 "$S/munge/munge.key"
  munged --force --socket="$S/munge/munge.socket" --key-file="$S/munge/munge.key" \
    --pid-file="$S/munge/munged.pid" --log-file="$S/munge/munged.log" --seed-file="$S/munge/seed" </dev/null >/dev/null 2>>"$S/munge/err.log"
  ip link add "$BR" type bridge
  ip addr add 10.77.1.1/24 dev "$BR"
  ip link set "$BR" up
  ctl=$(hostname -s) # slurmctld runs only where its SlurmctldHost name is the hostname
  printf '10.77.1.2 h1\n10.77.1.3 h2\n10.77.1.4 h3\n10.77.1.1 %s\n127.0.0.1 localhost\n' "$ctl" >"$S/hosts"
  for n in $NODES; do
    ip netns add "tssl-h$n"
    ip link add "vtssl$n" type veth peer name eth0 netns "tssl-h$n"
    ip link set "vtssl$n" master "$BR" up
    ip -n "tssl-h$n" addr add "10.77.1.$((n+1))/24" dev eth0
    ip -n "tssl-h$n" link set eth0 up
    ip -n "tssl-h$n" link set lo up
    touch "$S/uts-h$n"
    unshare --uts="$S/uts-h$n" hostname "h$n"
  done
  cat >"$S/slurm.conf" <<EOF
ClusterName=tsmpihosts
SlurmctldHost=$ctl(10.77.1.1)
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
NodeName=h1 NodeAddr=10.77.1.2 CPUs=8 RealMemory=1000
NodeName=h2 NodeAddr=10.77.1.3 CPUs=8 RealMemory=1000
NodeName=h3 NodeAddr=10.77.1.4 CPUs=8 RealMemory=1000
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
EOF
  export SLURM_CONF="$S/slurm.conf"
  slurmctld -f "$SLURM_CONF" </dev/null >/dev/null 2>>"$S/daemons.err"
  for n in $NODES; do
    # slurmd dies under `ip netns exec` (no cgroup fs there): enter the network and uts
    # namespaces directly and give it (and so its tasks) the nodes' /etc/hosts.
    nsenter --net="/run/netns/tssl-h$n" --uts="$S/uts-h$n" unshare --mount sh -c \
      "mount --bind '$S/hosts' /etc/hosts && exec slurmd -f '$SLURM_CONF' -N h$n" </dev/null >/dev/null 2>>"$S/daemons.err"
  done
  n=0
  until timeout 5 srun -I3 -N3 -n3 true >/dev/null 2>&1; do
    n=$((n+1))
    if [ $n -ge 20 ]; then echo "the three-node slurm did not come up; see $S/*.log (slurm-hosts.sh down removes it)" >&2; exit 1; fi
    sleep 0.3
  done
  echo "SLURM_CONF=$SLURM_CONF"
  ;;
down)
  down
  ;;
*)
  echo "usage: slurm-hosts.sh up|down [STATE_DIR] | check" >&2
  exit 2
  ;;
esac
