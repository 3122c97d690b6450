/**
 * `tsmpirun --check-hosts`: a preflight that reaches every host the way a job would
 * (the same launch agent, node path and working directory), runs a small probe there
 * and prints one table row per host — reachable, hostname, node version, tsmpi
 * version, whether the program is present — without launching anything. Exit code 0
 * when every host is ready, else 1.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from './agent-protocol.js';
import { isLocalHost } from './hostfile.js';
import { isNodeCommand } from './program.js';
import { agentArgv, type SshOptions } from './spawners/ssh.js';

export interface CheckOptions {
  readonly hosts: readonly string[];
  readonly ssh: SshOptions;
  readonly cwd: string;
  /** The program and arguments a job would run ('' when none was given). */
  readonly program: string;
  readonly args: readonly string[];
  /** This tsmpi's version, to compare with each host's. */
  readonly version: string;
  readonly out: (line: string) => void;
}

/** What the probe reports from one host. */
export interface ProbeResult {
  readonly hostname: string;
  readonly node: string;
  readonly tsmpi: string | null;
  readonly cwd: boolean;
  /** Each file the program needs, and whether it is there. */
  readonly files: readonly { readonly path: string; readonly present: boolean }[];
}

/**
 * The probe, run with `node -e` on each host: argv = [package.json path, cwd, files...].
 * Kept to plain JavaScript that any node ≥ 20 runs.
 */
const PROBE = `
const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
const [pkg, cwd, ...files] = process.argv.slice(1);
let tsmpi = null;
try { tsmpi = JSON.parse(fs.readFileSync(pkg, 'utf8')).version; } catch {}
const here = fs.existsSync(cwd) && fs.statSync(cwd).isDirectory();
const found = files.map((file) => {
  const full = path.resolve(cwd, file);
  try { fs.accessSync(full, file.endsWith('.js') || file.endsWith('.mjs') || file.endsWith('.cjs') ? fs.constants.R_OK : fs.constants.X_OK); return { path: full, present: true }; }
  catch { return { path: full, present: false }; }
});
process.stdout.write(JSON.stringify({ hostname: os.hostname(), node: process.version, tsmpi, cwd: here, files: found }) + '\\n');
`;

/** Files a job's program needs on a host: the command itself unless it is node, and node's script. */
export function programFiles(program: string, args: readonly string[]): string[] {
  if (program === '') return [];
  const isNode = isNodeCommand(program);
  const files: string[] = [];
  if (!isNode && (program.includes('/') || isAbsolute(program))) files.push(program);
  const script = isNode ? args.find((arg) => !arg.startsWith('-')) : undefined;
  if (script !== undefined) files.push(script);
  return files;
}

/** This installation's package.json (dist/launcher/ → the package root); each host reads it at the same path. */
const PACKAGE_JSON = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'package.json');

function probe(host: string, options: CheckOptions): Promise<ProbeResult> {
  const probeArgs = [PACKAGE_JSON, options.cwd, ...programFiles(options.program, options.args)];
  const local = isLocalHost(host, hostname());
  const [command, ...argv] = local
    ? [process.execPath, '-e', PROBE, ...probeArgs]
    : agentArgv(options.ssh, host, ['exec', shellQuote(options.ssh.node), '-e', shellQuote(PROBE), ...probeArgs.map(shellQuote)].join(' '));
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new Error(`cannot run '${command}': ${error.message}`)));
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ProbeResult);
      } catch {
        const said = stderr
          .trim()
          .split('\n')
          .filter((text) => text !== '')
          .pop();
        reject(new Error(said ?? `the probe exited with code ${code} and printed nothing`));
      }
    });
  });
}

/** Run the preflight; resolves with the exit code. */
export async function checkHosts(options: CheckOptions): Promise<number> {
  const results = await Promise.all(
    options.hosts.map((host) =>
      probe(host, options).then(
        (result) => ({ host, result }),
        (error: Error) => ({ host, error }),
      ),
    ),
  );
  const rows: string[][] = [['host', 'reachable', 'hostname', 'node', 'tsmpi', 'program']];
  let ok = true;
  for (const entry of results) {
    if ('error' in entry) {
      ok = false;
      rows.push([entry.host, 'no', '-', '-', '-', entry.error.message]);
      continue;
    }
    const { result } = entry;
    const missing = result.files.filter((file) => !file.present);
    const program = !result.cwd
      ? `working directory ${options.cwd} missing`
      : missing.length > 0
        ? `missing ${missing.map((file) => file.path).join(', ')}`
        : result.files.length === 0
          ? '-'
          : 'present';
    const tsmpi =
      result.tsmpi === null ? 'missing' : result.tsmpi === options.version ? result.tsmpi : `${result.tsmpi} (here ${options.version})`;
    if (!result.cwd || missing.length > 0 || result.tsmpi === null) ok = false;
    rows.push([entry.host, 'yes', result.hostname, result.node, tsmpi, program]);
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  for (const row of rows)
    options.out(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '));
  options.out(
    ok ? `tsmpirun: all ${results.length} host${results.length === 1 ? '' : 's'} ready` : 'tsmpirun: some hosts are not ready (see above)',
  );
  return ok ? 0 : 1;
}
