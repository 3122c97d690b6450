/**
 * The foreign launchers the scheduler tests run tsmpi programs under: how to call each,
 * whether this machine has it (or the reason to skip), and the throw-away Slurm cluster.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCommand, type JobRun, type RunOptions } from '../helpers/job.js';

export const SLURM_SH = join(ROOT, 'test/schedulers/slurm.sh');
/** The three-node variant on network namespaces h1..h3. */
export const SLURM_HOSTS_SH = join(ROOT, 'test/schedulers/slurm-hosts.sh');
const isRoot = process.getuid?.() === 0;

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** A foreign launcher: `argv(np)` is its command line up to the program. */
export interface Launcher {
  readonly name: string;
  readonly skip: string | false;
  readonly argv: (np: number) => string[];
  readonly env: () => Record<string, string>;
}

export const mpirun: Launcher = {
  name: 'mpirun (Open MPI)',
  skip: onPath('mpirun') && onPath('ompi_info') ? false : 'Open MPI mpirun is missing (apt-get install -y openmpi-bin)',
  // The tcp pin stops Open MPI wandering onto other bridges; ob1 skips probing absent fabrics.
  argv: (np) => [
    'mpirun',
    ...(isRoot ? ['--allow-run-as-root'] : []),
    '--oversubscribe',
    '--mca',
    'pml',
    'ob1',
    '--mca',
    'btl',
    'tcp,self',
    '--mca',
    'btl_tcp_if_include',
    'lo',
    '-np',
    String(np),
  ],
  env: () => ({}),
};

export const mpiexecHydra: Launcher = {
  name: 'mpiexec.hydra (MPICH)',
  skip: onPath('mpiexec.hydra') ? false : 'MPICH mpiexec.hydra is missing (apt-get install -y mpich)',
  argv: (np) => ['mpiexec.hydra', '-n', String(np)],
  env: () => ({}),
};

let slurmConf: string | null = null;

/** srun on the throw-away cluster (usable after {@link slurmUp}); always -I (never queue) and -K. */
export const srun: Launcher = {
  name: 'srun (Slurm)',
  skip: slurmSkip(SLURM_SH),
  argv: (np) => ['srun', '-I30', '-K', '-n', String(np)],
  env: () => (slurmConf === null ? {} : { SLURM_CONF: slurmConf }),
};

/** Why a Slurm harness cannot run here, or false. */
export function slurmSkip(script: string): string | false {
  const check = spawnSync('sh', [script, 'check'], { encoding: 'utf8' });
  return check.status === 0 ? false : `no Slurm test cluster: ${check.stdout.trim() || check.stderr.trim()}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

let slurmState: string | null = null;
let slurmScript = SLURM_SH;
let launcherAddress: string | null = null;

/** Where `SLURM_HOSTS_SH`'s nodes reach this namespace (the bridge's address of this run). */
export function slurmLauncherAddress(): string {
  if (launcherAddress === null) throw new Error('no three-node Slurm cluster is up');
  return launcherAddress;
}

/**
 * Start a throw-away Slurm cluster (single node, or `SLURM_HOSTS_SH`'s three) on free ports,
 * in a state directory of its own; the three nodes' namespaces and network are this test
 * process's own too (named `s` + its pid, see test/multihost/netns-run.sh).
 */
export async function slurmUp(script = SLURM_SH): Promise<void> {
  slurmScript = script;
  slurmState = mkdtempSync(join(tmpdir(), 'tsmpi-slurm-'));
  const env = {
    ...process.env,
    TSMPI_SLURMCTLD_PORT: String(await freePort()),
    TSMPI_SLURMD_PORT: String(await freePort()),
    TSMPI_HOSTS_PREFIX: `s${process.pid.toString(36)}`,
    TSMPI_HOSTS_OWNER: String(process.pid),
  };
  const out = execFileSync('sh', [script, 'up', slurmState], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const line = /^SLURM_CONF=(.*)$/m.exec(out);
  if (line?.[1] === undefined) throw new Error(`slurm.sh up printed no SLURM_CONF: ${out}`);
  slurmConf = line[1];
  launcherAddress = /^LAUNCHER_ADDRESS=(.*)$/m.exec(out)?.[1] ?? null;
}

export function slurmDown(): void {
  if (slurmState === null) return;
  spawnSync('sh', [slurmScript, 'down', slurmState], { stdio: 'ignore', timeout: 30_000 });
  slurmState = null;
  slurmConf = null;
  launcherAddress = null;
}
// A test file that ends without its `after` hook (an error, a cancelled run) still stops its cluster.
process.on('exit', slurmDown);

/** Every job gets a secret file of its own test run (never the user's ~/.tsmpi). */
const secretDir = mkdtempSync(join(tmpdir(), 'tsmpi-secret-'));
process.on('exit', () => rmSync(secretDir, { recursive: true, force: true }));
export const SECRET_ENV = { TSMPI_SECRET_FILE: join(secretDir, 'secret') };

/** Run `program args` as np ranks under `launcher`. */
export function runUnder(launcher: Launcher, np: number, program: readonly string[], options: RunOptions = {}): Promise<JobRun> {
  const [command, ...args] = [...launcher.argv(np), ...program];
  return runCommand(command as string, args, { timeoutMs: 120_000, ...options, env: { ...SECRET_ENV, ...launcher.env(), ...options.env } });
}
