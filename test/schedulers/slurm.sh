#!/bin/sh
# A throw-away Slurm cluster for the scheduler tests: munge + slurmctld + slurmd on this
# machine, every file under one state directory, nothing in /etc touched.
#
#   slurm.sh up   [STATE_DIR]   start; prints the lines `SLURM_CONF=...` to put in the environment
#   slurm.sh down [STATE_DIR]   stop the daemons this script started (by their pid files) and remove STATE_DIR
#   slurm.sh check              exit 0 when this machine can run it, else print the reason and exit 1
#
# Needs root (slurmd runs tasks as any user) and Debian's slurm-wlm and munge packages.
# Daemons get /dev/null for stdio so that a CI runner never waits on their output.
set -eu
cmd=${1:-}
S=${2:-/tmp/tsmpi-slurm}

check() {
  if [ "$(id -u)" != 0 ]; then echo "not root (slurmd must run as root)"; return 1; fi
  for program in munged slurmctld slurmd srun scontrol; do
    if ! command -v "$program" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$program" ]; then
      echo "$program is missing (apt-get install -y slurm-wlm munge)"; return 1
    fi
  done
  return 0
}

stop_pidfile() {
  if [ -f "$1" ]; then
    pid=$(cat "$1")
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      # wait for it to go (bounded): its ports must be free for the next run
      n=0; while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do n=$((n+1)); sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
}

case "$cmd" in
check)
  check
  ;;
up)
  check >&2 || exit 1
  PATH=$PATH:/usr/sbin
  mkdir -p "$S/state" "$S/spool" "$S/munge"
  chmod 755 "$S" "$S/munge"
  [ -f "$S/munge/munge.key" ] || dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 2>/dev/null
  chmod 600 "$S/munge/munge.key"
  munged --force --socket="$S/munge/munge.socket" --key-file="$S/munge/munge.key" \
    --pid-file="$S/munge/munged.pid" --log-file="$S/munge/munged.log" --seed-file="$S/munge/seed" </dev/null >/dev/null 2>>"$S/munge/err.log"
  host=$(hostname -s)
  cpus=${TSMPI_SLURM_CPUS:-8}
  cat >"$S/slurm.conf" <<EOF
ClusterName=tsmpitest
SlurmctldHost=$host(127.0.0.1)
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
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
SlurmctldPort=${TSMPI_SLURMCTLD_PORT:-6817}
SlurmdPort=${TSMPI_SLURMD_PORT:-6818}
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
EOF
  export SLURM_CONF="$S/slurm.conf"
  slurmctld -f "$SLURM_CONF" </dev/null >/dev/null 2>>"$S/daemons.err"
  slurmd -f "$SLURM_CONF" </dev/null >/dev/null 2>>"$S/daemons.err"
  # Wait (bounded) until the node takes jobs.
  n=0
  until timeout 10 srun -I5 -n1 true >/dev/null 2>&1; do
    n=$((n+1))
    if [ $n -ge 30 ]; then echo "slurm did not come up; see $S/*.log" >&2; exit 1; fi
    sleep 0.3
  done
  echo "SLURM_CONF=$SLURM_CONF"
  ;;
down)
  stop_pidfile "$S/slurmd.pid"
  stop_pidfile "$S/slurmctld.pid"
  stop_pidfile "$S/munge/munged.pid"
  rm -rf "$S"
  ;;
*)
  echo "usage: slurm.sh up|down [STATE_DIR] | check" >&2
  exit 2
  ;;
esac
