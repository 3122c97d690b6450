/**
 * tsmpirun: argv → options → plan → job. The only place that calls process.exit
 * and maps errors to exit codes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ENV } from '../src/runtime/env.js';
import { Job } from './job.js';
import { OutputForwarder, processOutput } from './output.js';
import { plan } from './plan.js';
import { allocatedSlots, slurmAllocation, srunLaunch } from './slurm.js';
import { LocalSpawner } from './spawners/local.js';
import { SrunSpawner } from './spawners/srun.js';

/** A launcher error: printed as one line `tsmpirun: <message>` with exit code 2 (usage) or 1. */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'LaunchError';
  }
}

export interface CliOptions {
  np?: number;
  export: string[];
  wdir?: string;
  tagOutput: boolean;
  timeout?: number;
  oversubscribe: boolean;
}

export interface ParsedCommand {
  readonly options: CliOptions;
  readonly program: string;
  readonly args: string[];
}

function positiveInt(name: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
      throw new InvalidArgumentError(`${name} must be a positive integer (got '${text}')`);
    }
    return value;
  };
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`must be a positive number of seconds (got '${text}')`);
  return value;
}

function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * Open MPI spells the rank count `-np`; commander would read that as `-n -p`.
 * Rewrite `-np` (and `-np=N`) to `--np` in the launcher's own options, i.e. before
 * the program name; everything from the program on is left untouched.
 */
export function normaliseArgv(argv: readonly string[], takesValue: (flag: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return [...out, ...argv.slice(i)];
    if (!arg.startsWith('-') || arg === '-') return [...out, '--', ...argv.slice(i)];
    if (arg === '-np') out.push('--np');
    else if (arg.startsWith('-np=')) out.push(`--np=${arg.slice(4)}`);
    else out.push(arg);
    if (!arg.includes('=') && takesValue(arg) && i + 1 < argv.length) out.push(argv[++i] as string);
  }
  return out;
}

/** The commander program for tsmpirun; `configure` lets other modules add their options. */
export function buildProgram(): Command {
  const program = new Command('tsmpirun')
    .description('Run an SPMD program as N ranked processes that talk through tsmpi')
    .usage('[options] <program> [args...]')
    .version(packageVersion(), '-V, --version')
    .addOption(new Option('-n, --np <N>', 'number of ranks to start').argParser(positiveInt('-np')))
    .option('-x <VAR[=value]>', 'export VAR (from this environment, or set to value) to every rank (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--wdir <dir>', 'working directory of every rank (default: the current directory)')
    .option('--tag-output', 'prefix every output line with [rank]', false)
    .addOption(new Option('--timeout <seconds>', 'stop the job after this long and report where each rank was waiting').argParser(positiveNumber))
    .option('--oversubscribe', 'allow more ranks than slots', false)
    .argument('<program>', 'the program to run, e.g. node')
    .argument('[args...]', 'its arguments, passed untouched')
    .allowExcessArguments(true)
    .showHelpAfterError('(run tsmpirun --help for usage)')
    .exitOverride();
  return program;
}

export function parse(argv: readonly string[]): ParsedCommand {
  const program = buildProgram();
  const valued = new Set<string>();
  for (const option of program.options) {
    if (option.required || option.optional) {
      if (option.short) valued.add(option.short);
      if (option.long) valued.add(option.long);
    }
  }
  valued.add('-np');
  const normalised = normaliseArgv(argv, (flag) => valued.has(flag));
  program.configureOutput({ writeErr: () => {}, writeOut: (text) => process.stdout.write(text) });
  try {
    program.parse(normalised, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') throw error;
      throw new LaunchError(error.message.replace(/^error: /, ''));
    }
    throw error;
  }
  const [command, rest] = program.processedArgs as [string, string[]];
  const opts = program.opts<{ np?: number; x: string[]; wdir?: string; tagOutput: boolean; timeout?: number; oversubscribe: boolean }>();
  return {
    options: {
      ...(opts.np === undefined ? {} : { np: opts.np }),
      export: opts.x,
      ...(opts.wdir === undefined ? {} : { wdir: opts.wdir }),
      tagOutput: opts.tagOutput,
      ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
      oversubscribe: opts.oversubscribe,
    },
    program: command,
    args: rest ?? [],
  };
}

/** -x VAR and -x VAR=value → the variables to export. */
export function exportedEnv(specs: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? spec : spec.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new LaunchError(`-x ${spec}: '${name}' is not a valid environment variable name`);
    if (eq >= 0) out[name] = spec.slice(eq + 1);
    else {
      const value = env[name];
      if (value === undefined) throw new LaunchError(`-x ${spec}: ${name} is not set in tsmpirun's environment; use -x ${name}=value`);
      out[name] = value;
    }
  }
  return out;
}

/** Run tsmpirun with `argv` (without node and script); resolves with the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const { options, program, args } = parse(argv);
  // Inside salloc/sbatch: the allocation is the host list, and srun starts the ranks.
  const allocation = process.env.TSMPI_SRUN === 'off' ? null : slurmAllocation(process.env);
  const np = options.np ?? (allocation === null ? availableParallelism() : allocatedSlots(allocation));
  const cwd = options.wdir === undefined ? process.cwd() : isAbsolute(options.wdir) ? options.wdir : resolve(options.wdir);
  const exported = exportedEnv(options.export, process.env);
  const host = hostname();
  const cores = availableParallelism();
  if (np > cores && allocation === null) process.stderr.write(`tsmpirun: note: ${np} ranks on ${cores} cores (oversubscribed); ranks will take turns on the cores\n`);
  const jobDir = mkdtempSync(join(tmpdir(), 'tsmpi-'));
  const jobId = randomBytes(6).toString('hex');
  const hosts = allocation !== null ? [srunLaunch(allocation, np, program, args, cwd, exported)] : plan({
    size: np,
    placement: [{ host, ranks: Array.from({ length: np }, (_, rank) => rank) }],
    command: program,
    args,
    cwd,
    jobId,
    exported,
    hostEnv: () => ({ [ENV.jobDir]: jobDir }),
  });
  const spawner = allocation !== null ? new SrunSpawner({ extraArgs: options.oversubscribe ? ['--overcommit'] : [] }) : new LocalSpawner();
  const job = new Job({
    size: np,
    hosts,
    spawnerFor: () => spawner,
    output: new OutputForwarder(processOutput, options.tagOutput),
    log: (line) => process.stderr.write(`${line}\n`),
    ...(options.timeout === undefined ? {} : { timeoutSeconds: options.timeout }),
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, () => job.interrupt(signal));
  process.stdin.on('data', (chunk: Buffer) => job.stdin(chunk));
  process.stdin.on('end', () => job.stdin(null));
  process.stdin.on('error', () => job.stdin(null));
  try {
    const result = await job.run();
    return result.exitCode;
  } finally {
    rmSync(jobDir, { recursive: true, force: true });
  }
}

/** Entry point: run and exit with the job's code; usage errors exit 2 with one line. */
export async function main(argv: readonly string[]): Promise<never> {
  try {
    process.exit(await run(argv));
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof LaunchError) {
      process.stderr.write(`tsmpirun: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    process.stderr.write(`tsmpirun: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}
