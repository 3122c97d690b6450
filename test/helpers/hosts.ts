/**
 * Three fake hosts h1..h3 on this machine (network namespaces, each with its own hostname
 * and sshd; see test/multihost/hosts.sh) for tests of launching ranks over ssh. Root only:
 * `multihostOrSkip()` gives the reason to skip elsewhere. Every method shells out to
 * hosts.sh; the hosts come up once per test process and go down at `down()` (call it in
 * `after`) or, failing that, when the process exits.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, runCommand } from './job.js';

/** The harness script (in the source tree, not compiled). */
export const HOSTS_SH = join(ROOT, 'test/multihost/hosts.sh');
export const HOST_NAMES = ['h1', 'h2', 'h3'] as const;
export type HostName = (typeof HOST_NAMES)[number];
const STATE_DIR = '/tmp/tsmpi-hosts';

export interface SshResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface FakeHosts {
  readonly names: readonly ['h1', 'h2', 'h3'];
  /** h1 → 10.77.0.2 …, and `launcher` → 10.77.0.1 (this namespace's end of the bridge). */
  readonly ips: Readonly<Record<string, string>>;
  readonly stateDir: string;
  /** STATE_DIR/ssh: `ssh -F STATE_DIR/ssh_config "$@"`, usable as a launch agent. */
  readonly sshWrapper: string;
  /** STATE_DIR/ssh_config (Host h1..h3, user root, our key, batch mode, ConnectTimeout 5). */
  readonly sshConfig: string;
  /**
   * Run `command` on `host` through the wrapper. A string goes to the remote shell as is; an
   * array is quoted word by word. The remote command starts in $HOME, not in the caller's cwd.
   */
  ssh(host: string, command: string | readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<SshResult>;
  /** kill -9 every process of `host` except its sshd listener (a host whose processes all die). */
  killHost(host: HostName): Promise<void>;
  /** Take `host`'s only interface down: a silent partition. */
  linkDown(host: HostName): Promise<void>;
  linkUp(host: HostName): Promise<void>;
  /** Pids of the processes in `host`'s network namespace (its sshd listener included). */
  pidsIn(host: HostName): number[];
  /** Stop everything and remove it; the next `multihostOrSkip()` brings the hosts up again. */
  down(): Promise<void>;
}

/** Quote one word for a POSIX shell (ssh hands its command line to the remote shell). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function hostsSh(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const run = await runCommand('sh', [HOSTS_SH, ...args], { timeoutMs });
  if (run.exitCode !== 0)
    throw new Error(`hosts.sh ${args.join(' ')} failed (exit ${run.exitCode} ${run.signal ?? ''}):\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

let upPromise: Promise<FakeHosts> | null = null;
let isUp = false;

process.on('exit', () => {
  if (isUp) spawnSync('sh', [HOSTS_SH, 'down', STATE_DIR], { stdio: 'ignore', timeout: 30_000 });
});

/** Why the multi-host tests cannot run here, or false. */
export function multihostSkip(): string | false {
  if (process.env['TSMPI_SKIP_MULTIHOST']) return 'TSMPI_SKIP_MULTIHOST is set';
  if (process.getuid?.() !== 0) return 'the fake hosts need root (network namespaces and an sshd per host)';
  const check = spawnSync('sh', [HOSTS_SH, 'check'], { encoding: 'utf8', timeout: 30_000 });
  return check.status === 0
    ? false
    : `no fake hosts: ${check.stdout.trim() || check.stderr.trim() || `hosts.sh check exit ${check.status}`}`;
}

/** The reason to skip, or the three hosts (brought up once per process; a failing `up` throws). */
export async function multihostOrSkip(): Promise<{ skip: string } | { skip: false; hosts: FakeHosts }> {
  const reason = multihostSkip();
  if (reason !== false) return { skip: reason };
  upPromise ??= bringUp();
  try {
    return { skip: false, hosts: await upPromise };
  } catch (error) {
    upPromise = null;
    throw error;
  }
}

/**
 * What a test file needs: the reason to skip (or false), an accessor for the hosts (throws
 * when skipped), and `down` for its `after` hook.
 */
export async function fakeHostsForTests(): Promise<{ skip: string | false; hosts: () => FakeHosts; down: () => Promise<void> }> {
  const setup = await multihostOrSkip();
  const up = setup.skip === false ? setup.hosts : null;
  return {
    skip: setup.skip,
    hosts: () => {
      if (up === null) throw new Error('no fake hosts');
      return up;
    },
    down: async () => up?.down(),
  };
}

async function bringUp(): Promise<FakeHosts> {
  isUp = true; // a half-done `up` is torn down at exit too
  const out = await hostsSh(['up', STATE_DIR]);
  const stateDir = out.trimEnd().split('\n').at(-1) ?? STATE_DIR;
  const sshWrapper = join(stateDir, 'ssh');
  const hosts: FakeHosts = {
    names: ['h1', 'h2', 'h3'],
    ips: { h1: '10.77.0.2', h2: '10.77.0.3', h3: '10.77.0.4', launcher: '10.77.0.1' },
    stateDir,
    sshWrapper,
    sshConfig: join(stateDir, 'ssh_config'),
    async ssh(host, command, options = {}) {
      const line = typeof command === 'string' ? command : command.map(shellQuote).join(' ');
      const run = await runCommand(sshWrapper, [host, line], {
        timeoutMs: options.timeoutMs ?? 60_000,
        ...(options.input === undefined ? {} : { input: options.input }),
      });
      return { code: run.exitCode, stdout: run.stdout, stderr: run.stderr };
    },
    async killHost(host) {
      await hostsSh(['kill-host', host, stateDir]);
    },
    async linkDown(host) {
      await hostsSh(['link-down', host]);
    },
    async linkUp(host) {
      await hostsSh(['link-up', host]);
    },
    pidsIn(host) {
      const run = spawnSync('sh', [HOSTS_SH, 'pids', host], { encoding: 'utf8', timeout: 30_000 });
      return run.stdout
        .split(/\s+/)
        .filter((pid) => pid !== '')
        .map(Number);
    },
    async down() {
      upPromise = null;
      await hostsSh(['down', stateDir]);
      isUp = false;
    },
  };
  return hosts;
}
