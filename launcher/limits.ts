/**
 * Will the job fit this host's limits? Checked before anything starts, so a job too big
 * for them is refused with one line naming the limit instead of failing half-started:
 *
 * - processes: each local rank is at least one process. RLIMIT_NPROC (`ulimit -u`) counts
 *   every process and thread of the user, those already running included (root is exempt
 *   from it); kernel.pid_max bounds everyone.
 * - descriptors: tsmpirun holds {@link FDS_PER_RANK} descriptors for each local rank
 *   (stdout, stderr, lifeline; rank 0 also stdin) and three per remote host's ssh
 *   session, on top of those it has open now; RLIMIT_NOFILE (`ulimit -n`) bounds them.
 *
 * Reading the limits ({@link readLimits}) touches /proc; the check itself is pure.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Descriptors tsmpirun holds per local rank (stdout, stderr, lifeline). */
export const FDS_PER_RANK = 3;
/** Descriptors per ssh session (its stdin, stdout, stderr). */
const FDS_PER_SESSION = 3;
/** Headroom for what spawning needs for a moment (the child's ends of its pipes) and for node itself. */
const FD_SLACK = 16;

export interface HostLimits {
  /** RLIMIT_NPROC's soft value, null when unlimited or not enforced (root). */
  readonly processes: number | null;
  /** Processes and threads of this user now (what RLIMIT_NPROC counts). */
  readonly processesInUse: number;
  /** kernel.pid_max, null when unknown. */
  readonly pidMax: number | null;
  /** Process ids in use on the system now: every process's threads hold one each, as pid_max counts them. */
  readonly pidsInUse: number;
  /** RLIMIT_NOFILE's soft value, null when unlimited. */
  readonly descriptors: number | null;
  /** Descriptors this process has open now. */
  readonly descriptorsInUse: number;
}

/** What the job starts here: ranks on this host, ssh sessions to other hosts. */
export interface LocalLoad {
  readonly np: number;
  readonly localRanks: number;
  readonly sshSessions: number;
}

/** Why the job cannot fit `limits` (one line, naming the limit), or null when it fits (pure). */
export function checkLimits(load: LocalLoad, limits: HostLimits): string | null {
  const what = `-np ${load.np}`;
  if (limits.processes !== null && load.localRanks > limits.processes - limits.processesInUse) {
    const left = Math.max(0, limits.processes - limits.processesInUse);
    return `${what} needs ${load.localRanks} processes on this host but the process limit (RLIMIT_NPROC, ulimit -u) is ${limits.processes} with ${limits.processesInUse} in use, leaving ${left}; lower -np or raise ulimit -u`;
  }
  if (limits.pidMax !== null && load.localRanks > limits.pidMax - limits.pidsInUse) {
    return `${what} needs ${load.localRanks} processes on this host but the system allows ${limits.pidMax} in all (kernel.pid_max) with ${limits.pidsInUse} running; lower -np`;
  }
  const descriptors = limits.descriptorsInUse + FD_SLACK + FDS_PER_RANK * load.localRanks + 1 + FDS_PER_SESSION * load.sshSessions;
  if (limits.descriptors !== null && descriptors > limits.descriptors) {
    return `${what} needs about ${descriptors} file descriptors in tsmpirun (${FDS_PER_RANK} per local rank) but the descriptor limit (RLIMIT_NOFILE, ulimit -n) is ${limits.descriptors}; raise it (ulimit -n ${descriptors}) or lower -np`;
  }
  return null;
}

/** The soft value of a `/proc/self/limits` row, null for unlimited or a missing row (pure). */
export function softLimit(limitsText: string, row: string): number | null {
  const line = limitsText.split('\n').find((text) => text.startsWith(row));
  const soft = line?.slice(row.length).trim().split(/\s+/)[0];
  if (soft === undefined || soft === 'unlimited') return null;
  const value = Number(soft);
  return Number.isSafeInteger(value) ? value : null;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function entries(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/**
 * Tasks (processes and their threads) on the system now: the fourth field of /proc/loadavg,
 * `running/total`, one read instead of a walk of /proc (pure; null when `text` has none).
 */
export function tasksFromLoadavg(text: string): number | null {
  const total = Number(/^\S+ \S+ \S+ \d+\/(\d+) /.exec(text)?.[1]);
  return Number.isSafeInteger(total) && total > 0 ? total : null;
}

/** This process's limits and what is in use now (Linux /proc; limits unknown elsewhere are null). */
export function readLimits(): HostLimits {
  const limitsText = readOr('/proc/self/limits', '');
  const uid = process.getuid?.() ?? -1;
  // Only a user under RLIMIT_NPROC needs the walk of /proc (which tasks are theirs).
  const processIds = () => entries('/proc').filter((name) => /^\d+$/.test(name));
  const pids = uid === 0 ? [] : processIds();
  let processesInUse = 0;
  if (uid !== 0) {
    for (const pid of pids) {
      const status = readOr(`/proc/${pid}/status`, '');
      const realUid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (realUid === uid) processesInUse += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
    }
  }
  const pidMax = Number(readOr('/proc/sys/kernel/pid_max', '').trim());
  return {
    // The kernel does not apply RLIMIT_NPROC to root.
    processes: uid === 0 ? null : softLimit(limitsText, 'Max processes'),
    processesInUse,
    pidMax: Number.isSafeInteger(pidMax) && pidMax > 0 ? pidMax : null,
    pidsInUse: tasksFromLoadavg(readOr('/proc/loadavg', '')) ?? (uid === 0 ? processIds() : pids).length,
    descriptors: softLimit(limitsText, 'Max open files'),
    descriptorsInUse: entries('/proc/self/fd').length,
  };
}
