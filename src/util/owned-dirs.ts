/**
 * Private directories tsmpi makes on a host, each owned by the one process that made it
 * and removes it: a job's directory `tsmpi-XXXXXX` (tsmpirun, or the host agent on another
 * host; ipc sockets and the shared payload files) and a Cluster client's `tsmpi-cluster-XXXXXX`.
 * When every process of a job is killed at once (SIGKILL, the OOM killer) nobody removes
 * it, and in /dev/shm its files stay in RAM. So, as Open MPI does with its session
 * directories, whoever makes such a directory first removes the stale ones: those whose
 * owner is gone.
 *
 * The owner is written into the directory at creation, in the file {@link OWNER_FILE}:
 * `tsmpi-owner 1 pid=P start=T boot=B pidns=N` — the maker's pid, its start time (field 22
 * of /proc/P/stat, in clock ticks since boot, so that a recycled pid is not taken for the
 * owner), the kernel's boot id and the pid namespace the pid means something in. A
 * directory is removed only when all of these hold:
 *
 * - its name is `tsmpi-` or `tsmpi-cluster-` and six letters or digits (mkdtemp's suffix),
 *   and `lstat` shows a directory (never a symbolic link) of the current user;
 * - its owner file is a regular file (opened without following links) in that exact format;
 * - the boot id and pid namespace are this process's (else the pid cannot be judged: kept);
 * - no process has that pid, or it is a zombie, or it started at another time.
 *
 * Anything unreadable or unexpected keeps the directory; without /proc (not Linux) the
 * pid alone is judged, by kill(pid, 0). Cost at each launch: one `readdir` of /dev/shm and
 * of the temporary directory; for each entry of such a name an access(2) of its owner
 * file; for each that has one an `lstat`, a read of it and of /proc/P/stat.
 *
 * Why not unlink each payload file as soon as it is made, so that a killed job leaves
 * nothing in RAM? The receiver opens the file by its name, and the ipc sockets must stay
 * in the directory while the job runs (peers connect by path): the directory would remain
 * anyway, and handing over open descriptors instead (SCM_RIGHTS, which zeromq.js cannot
 * send, or /proc/PID/fd, which ptrace rules and hidepid may refuse) is more machinery than
 * this one check at launch.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The RAM-backed directory preferred for job directories. */
export const RAM_DIR = '/dev/shm';

/** The file in an owned directory that names its owner. */
export const OWNER_FILE = '.owner';

/** Names of owned directories: the prefixes of {@link makeOwnedDir} and mkdtemp's six characters. */
const OWNED_NAME = /^tsmpi-(?:cluster-)?[A-Za-z0-9]{6}$/;

const MARKER = /^tsmpi-owner 1 pid=([1-9]\d*) start=(\d+|-) boot=([0-9a-f-]+|-) pidns=(pid:\[\d+\]|-)\n$/;

/** Who made a directory: enough to tell whether that very process still runs. */
export interface Owner {
  readonly pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22), or '-' where /proc is absent. */
  readonly start: string;
  /** /proc/sys/kernel/random/boot_id, or '-'. */
  readonly boot: string;
  /** The pid namespace (`pid:[INODE]`, the link /proc/self/ns/pid), or '-'. */
  readonly pidns: string;
}

/** The owner file's text for `owner`. */
export function formatOwner(owner: Owner): string {
  return `tsmpi-owner 1 pid=${owner.pid} start=${owner.start} boot=${owner.boot} pidns=${owner.pidns}\n`;
}

/** The owner an owner file names, or null when the text is not exactly that format. */
export function parseOwner(text: string): Owner | null {
  const match = MARKER.exec(text);
  if (match === null) return null;
  return { pid: Number(match[1]), start: match[2] as string, boot: match[3] as string, pidns: match[4] as string };
}

/**
 * State (field 3) and start time (field 22) of a /proc/PID/stat line, or null when it is
 * not one. The command name (field 2) is in parentheses and may hold spaces and ')'.
 */
export function parseStat(text: string): { state: string; start: string } | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // Fields from 3 on: the state is the first, the start time the twentieth.
  const fields = text.slice(close + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  if (state === undefined || start === undefined || !/^\d+$/.test(start)) return null;
  return { state, start };
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

let self: Owner | null = null;

/** This process as an owner (read once). */
export function thisProcess(): Owner {
  if (self !== null) return self;
  let pidns = '-';
  try {
    pidns = readlinkSync('/proc/self/ns/pid');
  } catch {
    // no /proc: the pid alone is judged, with kill(pid, 0)
  }
  self = {
    pid: process.pid,
    start: parseStat(readOr('/proc/self/stat', ''))?.start ?? '-',
    boot: readOr('/proc/sys/kernel/random/boot_id', '-').trim() || '-',
    pidns,
  };
  return self;
}

/** True unless `owner` (a process of this boot and pid namespace) has certainly ended. */
export function ownerAlive(owner: Owner): boolean {
  if (owner.start === '-') {
    try {
      process.kill(owner.pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code !== 'ESRCH';
    }
  }
  let text: string;
  try {
    text = readFileSync(`/proc/${owner.pid}/stat`, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  const stat = parseStat(text);
  if (stat === null) return true;
  // A zombie has ended (its parent has not yet collected it); another start time is another process.
  return stat.state !== 'Z' && stat.state !== 'X' && stat.start === owner.start;
}

/** The owner file of `dir` (a regular file, links not followed), or null. */
function readOwner(dir: string): Owner | null {
  let fd: number;
  try {
    fd = openSync(join(dir, OWNER_FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const buffer = Buffer.alloc(256);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return parseOwner(buffer.toString('utf8', 0, length));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** True when `path` is a directory this process may remove: see the module's rules. */
export function isStale(path: string, me: Owner = thisProcess(), uid = process.getuid?.()): boolean {
  if (uid === undefined) return false;
  try {
    // Cheapest first (existsSync makes no Stats and no exception): a directory without an
    // owner file, from a version that wrote none, costs one access(2).
    if (!existsSync(join(path, OWNER_FILE))) return false;
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory() !== true || stat.uid !== uid) return false;
  } catch {
    return false; // another user's directory (EACCES), a file of that name (ENOTDIR)
  }
  const owner = readOwner(path);
  if (owner === null || owner.boot !== me.boot || owner.pidns !== me.pidns) return false;
  return !ownerAlive(owner);
}

/**
 * Remove the stale owned directories in `parents`; returns their paths. Never throws: a
 * directory it cannot judge or remove stays.
 */
export function pruneStaleDirs(parents: readonly string[]): string[] {
  const removed: string[] = [];
  for (const parent of new Set(parents)) {
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!OWNED_NAME.test(name)) continue;
      const path = join(parent, name);
      if (!isStale(path)) continue;
      try {
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      } catch {
        // removed meanwhile by another launcher, or not removable: left as it is
      }
    }
  }
  return removed;
}

/**
 * Remove stale owned directories in `pruneIn` (see {@link pruneStaleDirs}), then make a
 * fresh private directory (mode 0700) `<parent>/<prefix>XXXXXX` owned by this process: its
 * owner file is written at once, so that later launches keep it while this process runs
 * and remove it once the process is gone. (Between mkdtemp and that write a directory has
 * no owner file yet, and is kept by everyone.)
 */
export function makeOwnedDir(
  parent: string,
  prefix: 'tsmpi-' | 'tsmpi-cluster-',
  pruneIn: readonly string[] = [RAM_DIR, tmpdir()],
): string {
  pruneStaleDirs(pruneIn);
  const dir = mkdtempSync(join(parent, prefix));
  try {
    writeFileSync(join(dir, OWNER_FILE), formatOwner(thisProcess()), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}
