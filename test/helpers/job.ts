/**
 * The one way tests run real jobs: spawn `node dist/launcher/tsmpirun.cjs ...args` in a
 * process group of its own, collect its output and exit, and kill the whole group on
 * a generous deadline (a hung job fails its test instead of hanging the suite). A job
 * still running when its test file ends (its test was cancelled by a timeout, its own
 * or its suite's) or when the file's process is stopped is killed with it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Repository root (tests run from dist/test/...). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const LAUNCHER = join(ROOT, 'dist/launcher/tsmpirun.cjs');
export const SHARED = resolve(ROOT, '../shared');

/** Path of a built example or fixture: `built('examples/hello.js')`. */
export function built(path: string): string {
  return join(ROOT, 'dist', path);
}

/** The shared data directory, or a reason to skip when it is absent. */
export function sharedOrSkip(sub: string): { path: string; skip: false } | { path: string; skip: string } {
  const path = join(SHARED, sub);
  return existsSync(path) ? { path, skip: false } : { path, skip: `${path} is absent (the shared data sits beside the repository in CI)` };
}

export interface JobRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout split into lines, without the trailing empty one. */
  readonly lines: string[];
  readonly pid: number;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly timeoutMs?: number;
  /** Text for the launcher's stdin (default: none, stdin closed). */
  readonly input?: string;
  /** Called with the launcher's pid once it started (e.g. to signal it) and its stdin. */
  readonly onStart?: (pid: number, stdin: NodeJS.WritableStream) => void;
  /** Leave stdin open for onStart's caller to write and end (instead of `input`). */
  readonly keepStdinOpen?: boolean;
  /** Called with each chunk of stderr as it arrives. */
  readonly onStderr?: (text: string) => void;
  /** Called with each chunk of stdout as it arrives. */
  readonly onStdout?: (text: string) => void;
}

/** Process groups of the jobs still running. */
const live = new Set<number>();

function killLive(): void {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

// A test cancelled by a timeout leaves its job's promise unawaited and the job running:
// the file's last hook ends it (else the file would wait for the job's own deadline).
after(killLive);
process.on('exit', killLive);
// The runner stops a file with a signal (interrupted run): 'exit' handlers do not run then.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killLive();
    process.kill(process.pid, signal);
  });
}

/** Run tsmpirun with `args`; resolves when it exits (or is killed at the deadline). */
export function runJob(args: readonly string[], options: RunOptions = {}): Promise<JobRun> {
  return runCommand(process.execPath, [LAUNCHER, ...args], options);
}

/** Run any command the same way (used for programs run without the launcher). */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<JobRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid;
    if (pid === undefined) {
      child.on('error', reject);
      return;
    }
    live.add(pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      options.onStdout?.(text);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      options.onStderr?.(text);
    });
    child.stdin.on('error', () => {});
    if (options.keepStdinOpen !== true) child.stdin.end(options.input ?? '');
    const deadline = setTimeout(() => {
      stderr += `\n[test helper: killed after ${options.timeoutMs ?? 120_000} ms]\n`;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, options.timeoutMs ?? 120_000);
    child.on('close', (exitCode, signal) => {
      clearTimeout(deadline);
      live.delete(pid);
      const lines = stdout.split('\n');
      if (lines.at(-1) === '') lines.pop();
      resolvePromise({ exitCode, signal, stdout, stderr, lines, pid });
    });
    options.onStart?.(pid, child.stdin);
  });
}

/**
 * Wait for a condition that no event announces (processes leaving /proc): true once it
 * holds, false if it still does not after `ms` (the caller's assertion then fails).
 */
export async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !condition()) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

/** True while a process exists and is not a zombie (`kill -0` is true for zombies). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Pids of all processes whose command line contains `needle` (for "nothing left running" checks). */
export function pidsMatching(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle) && alive(Number(entry))) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/**
 * The peak resident size in MiB from a `LABEL VmHWM: N kB` line (a rank prints its
 * launcher's or agent's /proc/PID/status lines prefixed with LABEL).
 */
export function peakMiB(text: string, label: string): number {
  const match = new RegExp(`${label} VmHWM:\\s+(\\d+) kB`).exec(text);
  if (match === null) throw new Error(`no ${label} VmHWM line in: ${text}`);
  return Number(match[1]) / 1024;
}

/** A word for a POSIX shell: `'...'`, with `'` written `'\\''`. */
export function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Each rank's whole --timeout report: the `rank N (pid P on HOST): ...` lines of `stderr`
 * grouped by rank, in order, without their durations (` for 1.0 s`), so that a test
 * compares every line a rank reported (a stale extra line fails it, as a missing one does).
 */
export function timeoutReports(stderr: string): Record<number, string[]> {
  const reports: Record<number, string[]> = {};
  for (const line of stderr.split('\n')) {
    const match = /^rank (\d+) \(pid \d+ on [^)]+\): (.*?)(?: for \d+\.\d s)?$/.exec(line);
    if (match === null) continue;
    (reports[Number(match[1])] ??= []).push(match[2] as string);
  }
  return reports;
}
