/**
 * Three fake hosts h1..h3 on this machine (network namespaces, each with its own hostname
 * and sshd; see test/multihost/hosts.sh) for tests of launching ranks over ssh. Root only:
 * `multihostOrSkip()` gives the reason to skip elsewhere. Every method shells out to
 * hosts.sh; the hosts come up once per test process and go down at `down()` (call it in
 * `after`) or, failing that, when the process exits.
 *
 * Each test process is a run of its own: its namespaces, bridge and veths are named with
 * {@link RUN_PREFIX}, its network is a free 10.77.X.0/24 and its state directory is
 * {@link STATE_DIR}, so test runs on one machine (two worktrees, say) leave each other's
 * hosts alone. The names h1..h3 are the run's own (its ssh config, the hosts' hostnames).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCommand } from './job.js';

/** The harness script (in the source tree, not compiled). */
export const HOSTS_SH = join(ROOT, 'test/multihost/hosts.sh');
export const HOST_NAMES = ['h1', 'h2', 'h3'] as const;
export type HostName = (typeof HOST_NAMES)[number];
/**
 * This run's prefix of machine-wide names (TSMPI_HOSTS_PREFIX, else `t` and the pid in base
 * 36: at most 6 characters, so `${prefix}br` fits Linux's 15-character interface names).
 */
export const RUN_PREFIX = process.env['TSMPI_HOSTS_PREFIX'] || `t${process.pid.toString(36)}`;
/** This run's state directory (TSMPI_HOSTS_DIR, else one per test process). */
const STATE_DIR = process.env['TSMPI_HOSTS_DIR'] || join(tmpdir(), `tsmpi-hosts-${RUN_PREFIX}`);
/** What hosts.sh is told about this run. */
const RUN_ENV = { TSMPI_HOSTS_PREFIX: RUN_PREFIX, TSMPI_HOSTS_DIR: STATE_DIR, TSMPI_HOSTS_OWNER: String(process.pid) };

export interface SshResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface FakeHosts {
  readonly names: readonly ['h1', 'h2', 'h3'];
  /** h1 → NET.2 …, and `launcher` → NET.1 (this namespace's end of the bridge). */
  readonly ips: Readonly<Record<HostName | 'launcher', string>>;
  /** The hosts' network, `10.77.X.0/24` (for --if-include). */
  readonly subnet: string;
  /** An address on the hosts' network where nothing answers. */
  readonly unusedIp: string;
  /** The network namespace of each host (for `ip netns exec`). */
  readonly namespaces: Readonly<Record<HostName, string>>;
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
  const run = await runCommand('sh', [HOSTS_SH, ...args], { timeoutMs, env: RUN_ENV });
  if (run.exitCode !== 0)
    throw new Error(`hosts.sh ${args.join(' ')} failed (exit ${run.exitCode} ${run.signal ?? ''}):\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

let upPromise: Promise<FakeHosts> | null = null;
let isUp = false;

process.on('exit', () => {
  if (isUp) spawnSync('sh', [HOSTS_SH, 'down', STATE_DIR], { stdio: 'ignore', timeout: 30_000, env: { ...process.env, ...RUN_ENV } });
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
  // STATE_DIR/run: PREFIX=…, NET=10.77.X, OWNER=… (hosts.sh, netns-run.sh).
  const run = Object.fromEntries(
    readFileSync(join(stateDir, 'run'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as Record<string, string | undefined>;
  const net = run['NET'];
  if (net === undefined || !/^10\.77\.\d+$/.test(net)) throw new Error(`hosts.sh up recorded no network in ${stateDir}/run`);
  const hosts: FakeHosts = {
    names: ['h1', 'h2', 'h3'],
    ips: { h1: `${net}.2`, h2: `${net}.3`, h3: `${net}.4`, launcher: `${net}.1` },
    subnet: `${net}.0/24`,
    unusedIp: `${net}.9`,
    namespaces: { h1: `${RUN_PREFIX}h1`, h2: `${RUN_PREFIX}h2`, h3: `${RUN_PREFIX}h3` },
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
      await hostsSh(['link-down', host, stateDir]);
    },
    async linkUp(host) {
      await hostsSh(['link-up', host, stateDir]);
    },
    pidsIn(host) {
      const run = spawnSync('sh', [HOSTS_SH, 'pids', host, stateDir], { encoding: 'utf8', timeout: 30_000 });
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
