/** Shared pieces of the benchmarks: running jobs, finding Open MPI + mpi4py, printing tables. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const LAUNCHER = join(ROOT, 'dist/launcher/tsmpirun.cjs');

/** Run a command to completion; returns stdout, or throws with its stderr. */
export function run(command: string, args: readonly string[], env: Record<string, string> = {}): string {
  const result = spawnSync(command, [...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}`);
  return result.stdout;
}

/** {@link run} without blocking this process, so that several commands can run at once. */
export function runAsync(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal}):\n${stderr}`)),
    );
  });
}

/** The last JSON line a job printed. */
export function lastJson<T>(stdout: string): T {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((text) => text.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON result in:\n${stdout}`);
  return JSON.parse(line) as T;
}

/** How Open MPI's ranks talk: TCP over loopback (what mpi4py uses between hosts) or shared memory. */
export type MpiTransport = 'tcp' | 'sm';

/**
 * Open MPI's mpirun with Debian's python3 and mpi4py, if installed; else the reason it is not used.
 * `tcp`: TCP over loopback only (without the interface pin Open MPI may wander onto other
 * bridges and hang); `sm`: shared memory between the ranks of this host (the btl is `vader`
 * in Open MPI 4, `sm` from 5 on). `pml ob1` skips ~230 ms of probing for absent network drivers.
 */
export function mpi4py(transport: MpiTransport = 'tcp'): { mpirun: string[]; python: string } | { missing: string } {
  const python = '/usr/bin/python3';
  if (!existsSync('/usr/bin/mpirun')) return { missing: 'Open MPI is not installed (apt-get install openmpi-bin python3-mpi4py)' };
  const probe = spawnSync(python, ['-c', 'import mpi4py'], { encoding: 'utf8' });
  if (probe.status !== 0) return { missing: 'mpi4py is not installed for /usr/bin/python3 (apt-get install python3-mpi4py)' };
  const btl =
    transport === 'tcp' ? ['--mca', 'btl', 'tcp,self', '--mca', 'btl_tcp_if_include', 'lo'] : ['--mca', 'btl', `${sharedMemoryBtl()},self`];
  return { mpirun: ['/usr/bin/mpirun', '--allow-run-as-root', '--oversubscribe', ...btl, '--mca', 'pml', 'ob1'], python };
}

let smBtl: string | undefined;
function sharedMemoryBtl(): string {
  smBtl ??= /mca:btl:vader:/.test(spawnSync('ompi_info', ['--parsable'], { encoding: 'utf8' }).stdout ?? '') ? 'vader' : 'sm';
  return smBtl;
}

/** The median (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Print an aligned text table. */
export function table(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${bytes / 1024 / 1024} MiB`;
  if (bytes >= 1024) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}
