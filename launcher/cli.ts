/**
 * tsmpirun: argv → options → a launch mode's launches (modes/select.ts) → the job
 * (job.ts), wired to this process's signals, stdin and stdout. The only place that calls
 * process.exit and maps errors to exit codes.
 */
import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { isatty } from 'node:tty';
import { basename, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { Command, CommanderError } from 'commander';
import { ENV, collectiveEnv, transportEnv } from '../src/runtime/env.js';
import { makeJobDir } from './job-dir.js';
import { HostfileError, parseHostList, readHostfile, type HostSlots } from './hostfile.js';
import { Job, type JobResult } from './job.js';
import { LaunchError } from './launch-error.js';
import { launchesFor, selectMode } from './modes/select.js';
import { traceCollector, type TraceCollector } from './trace.js';
import { OutputForwarder, processOutput } from './output.js';
import { flushThenExit } from './flush.js';
import { paced } from './streams.js';
import type { MapBy } from './placement.js';
import type { SshOptions } from './spawners/ssh.js';

export interface CliOptions {
  np?: number;
  export: string[];
  wdir?: string;
  tagOutput: boolean;
  timeout?: number;
  /** Stop a deadlocked job at once (default; --no-deadlock-check turns it off). */
  deadlockCheck: boolean;
  oversubscribe: boolean;
  hostfile?: string;
  host: string[];
  mapBy: MapBy;
  displayMap: boolean;
  launchAgent: string;
  node?: string;
  checkHosts: boolean;
  ifInclude?: string;
  connectTimeout: number;
  trace?: string;
  traceSummary: boolean;
}

export interface ParsedCommand {
  readonly options: CliOptions;
  readonly program: string;
  readonly args: string[];
}

/**
 * commander, loaded on first use: the common `tsmpirun -np N program args…` never needs it
 * (see {@link quickParse}), and loading it is a fifth of the launcher's own start-up.
 */
let commanderModule: typeof import('commander') | undefined;
function commander(): typeof import('commander') {
  return (commanderModule ??= createRequire(import.meta.url)('commander') as typeof import('commander'));
}

/** Whether `error` is commander's (--help, --version, or a usage error it found). */
function isCommanderError(error: unknown): error is CommanderError {
  return commanderModule !== undefined && error instanceof commanderModule.CommanderError;
}

/** A whole positive integer, e.g. a rank count, as written (no sign, exponent or point). */
function asPositiveInt(text: string): number | undefined {
  const value = Number(text);
  return /^\d+$/.test(text.trim()) && Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

function positiveInt(name: string) {
  return (text: string): number => {
    const value = asPositiveInt(text);
    if (value === undefined) throw new (commander().InvalidArgumentError)(`${name} must be a positive integer (got '${text}')`);
    return value;
  };
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new (commander().InvalidArgumentError)(`must be a positive number of seconds (got '${text}')`);
  return value;
}

/** Every option's value when the command line does not give it (commander's defaults below). */
const DEFAULTS = {
  export: [] as string[],
  tagOutput: false,
  deadlockCheck: true,
  oversubscribe: false,
  host: [] as string[],
  mapBy: 'slot' as MapBy,
  displayMap: false,
  launchAgent: 'ssh',
  checkHosts: false,
  connectTimeout: 10,
  traceSummary: false,
} as const;

/**
 * The command line without commander, for the two forms nearly every run uses:
 * `[-np|-n|--np N] program [args…]`, with N a positive integer and a program that is not an
 * option. Anything else (other options, a bad N, `--help`) returns undefined and goes to
 * commander, which gives the same result for these forms (test/unit/cli.test.ts compares them).
 */
export function quickParse(argv: readonly string[]): ParsedCommand | undefined {
  let np: number | undefined;
  let at = 0;
  const first = argv[0];
  if (first === '-np' || first === '-n' || first === '--np') {
    np = asPositiveInt(argv[1] ?? '');
    if (np === undefined) return undefined;
    at = 2;
  }
  const program = argv[at];
  if (program === undefined || program.startsWith('-')) return undefined;
  return {
    options: { ...(np === undefined ? {} : { np }), ...DEFAULTS, export: [], host: [] },
    program,
    args: argv.slice(at + 1),
  };
}

export function packageVersion(): string {
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
  const { Command, Option } = commander();
  const program = new Command('tsmpirun')
    .description('Run an SPMD program as N ranked processes that talk through tsmpi')
    .usage('[options] <program> [args...]')
    .version(packageVersion(), '-V, --version')
    .addOption(new Option('-n, --np <N>', 'number of ranks to start').argParser(positiveInt('-np')))
    .option(
      '-x <VAR[=value]>',
      'export VAR (from this environment, or set to value) to every rank (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--wdir <dir>', 'working directory of every rank (default: the current directory)')
    .option('--tag-output', 'prefix every output line with [rank]', DEFAULTS.tagOutput)
    .addOption(
      new Option('--timeout <seconds>', 'stop the job after this long and report where each rank was waiting').argParser(positiveNumber),
    )
    .option('--no-deadlock-check', 'do not stop the job when every rank waits for a message no rank will send (exit code 125)')
    .option('--oversubscribe', 'allow more ranks than slots', DEFAULTS.oversubscribe)
    .option('--hostfile <file>', 'run on the hosts listed in file (Open MPI `h slots=N` or MPICH `h:N` lines)')
    .addOption(new Option('--machinefile <file>', 'alias of --hostfile').hideHelp())
    .option(
      '-H, --host <hosts>',
      'run on these hosts, e.g. h1:2,h2:2 (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addOption(
      new Option('--map-by <policy>', "place ranks by filling each host's slots in turn (slot) or one per host round-robin (node)")
        .choices(['slot', 'node'])
        .default(DEFAULTS.mapBy),
    )
    .option('--display-map', 'print which rank runs on which host before starting', DEFAULTS.displayMap)
    .option('--launch-agent <command>', 'command that runs a program on another host', DEFAULTS.launchAgent)
    .option('--node <path>', 'node executable on the remote hosts (default: the same path as here)')
    .option('--if-include <cidr|interface>', 'address ranks announce to other hosts: the one in this network or on this interface')
    .addOption(
      new Option('--connect-timeout <seconds>', 'give up on a host that does not answer ssh within this time')
        .argParser(positiveInt('--connect-timeout'))
        .default(DEFAULTS.connectTimeout),
    )
    .option('--check-hosts', 'reach every host, print what it has (node, tsmpi, the program) and launch nothing', DEFAULTS.checkHosts)
    .option(
      '--trace <file.json>',
      'record every message and call of every rank and write a Chrome trace-event file (Perfetto; tsmpi-trace makes a report of it)',
    )
    .option(
      '--trace-summary',
      "at the end print, on stderr, each rank's compute / point-to-point / collective time and the matrix of messages between ranks",
      DEFAULTS.traceSummary,
    )
    .argument('[program]', 'the program to run, e.g. node')
    .argument('[args...]', 'its arguments, passed untouched')
    .allowExcessArguments(true)
    .showHelpAfterError('(run tsmpirun --help for usage)')
    .exitOverride();
  return program;
}

export function parse(argv: readonly string[]): ParsedCommand {
  return quickParse(argv) ?? parseWithCommander(argv);
}

/** The whole command line through commander: every option, --help, --version and usage errors. */
export function parseWithCommander(argv: readonly string[]): ParsedCommand {
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
    if (isCommanderError(error)) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') throw error;
      throw new LaunchError(error.message.replace(/^error: /, ''));
    }
    throw error;
  }
  const [command, rest] = program.processedArgs as [string | undefined, string[]];
  const opts = program.opts<{
    np?: number;
    x: string[];
    wdir?: string;
    tagOutput: boolean;
    timeout?: number;
    deadlockCheck: boolean;
    oversubscribe: boolean;
    hostfile?: string;
    machinefile?: string;
    host: string[];
    mapBy: MapBy;
    displayMap: boolean;
    launchAgent: string;
    node?: string;
    ifInclude?: string;
    connectTimeout: number;
    checkHosts: boolean;
    trace?: string;
    traceSummary: boolean;
  }>();
  if (command === undefined && !opts.checkHosts)
    throw new LaunchError("missing the program to run, e.g. 'tsmpirun -np 4 node prog.js' (run tsmpirun --help for usage)");
  if (opts.hostfile !== undefined && opts.machinefile !== undefined) throw new LaunchError('give --hostfile or --machinefile, not both');
  const hostfile = opts.hostfile ?? opts.machinefile;
  if (opts.launchAgent.trim() === '') throw new LaunchError('--launch-agent must name a command');
  return {
    options: {
      ...(opts.np === undefined ? {} : { np: opts.np }),
      export: opts.x,
      ...(opts.wdir === undefined ? {} : { wdir: opts.wdir }),
      tagOutput: opts.tagOutput,
      ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
      deadlockCheck: opts.deadlockCheck,
      oversubscribe: opts.oversubscribe,
      ...(hostfile === undefined ? {} : { hostfile }),
      host: opts.host,
      mapBy: opts.mapBy,
      displayMap: opts.displayMap,
      launchAgent: opts.launchAgent,
      ...(opts.node === undefined ? {} : { node: opts.node }),
      checkHosts: opts.checkHosts,
      ...(opts.ifInclude === undefined ? {} : { ifInclude: opts.ifInclude }),
      connectTimeout: opts.connectTimeout,
      ...(opts.trace === undefined ? {} : { trace: opts.trace }),
      traceSummary: opts.traceSummary,
    },
    program: command ?? '',
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

/** The hosts of a hostfile and/or -H, or null when neither was given. */
function hostList(options: CliOptions): HostSlots[] | null {
  if (options.hostfile === undefined && options.host.length === 0) return null;
  try {
    const fromFile = options.hostfile === undefined ? [] : readHostfile(options.hostfile);
    const fromFlag = options.host.flatMap((spec) => parseHostList(spec));
    return [...fromFile, ...fromFlag];
  } catch (error) {
    if (error instanceof HostfileError) throw new LaunchError(error.message);
    throw error;
  }
}

/** Run tsmpirun with `argv` (without node and script); resolves with the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const { options, program, args } = parse(argv);
  const hosts = hostList(options);
  const cwd = options.wdir === undefined ? process.cwd() : isAbsolute(options.wdir) ? options.wdir : resolve(options.wdir);
  const ssh = sshOptions(options);
  if (options.checkHosts) return checkHostsOnly(hosts, ssh, cwd, program, args);
  const mode = selectMode(hosts, process.env);
  const traces = traceCollector(options.trace ?? (process.env[ENV.trace] || undefined), options.traceSummary, cwd);
  const jobDir = makeJobDir();
  try {
    const { np, launches, spawnerFor } = await launchesFor(mode, {
      program,
      args,
      cwd,
      exported: rankEnv(options, traces),
      jobDir,
      // The directory's random suffix names the job: node:crypto (~15 modules to load) is needed
      // only across hosts, for the job's keys.
      jobId: basename(jobDir).slice('tsmpi-'.length),
      here: hostname(),
      np: options.np,
      mapBy: options.mapBy,
      oversubscribe: options.oversubscribe,
      displayMap: options.displayMap,
      ifInclude: options.ifInclude,
      ssh,
      path: process.env.PATH,
      note: (line) => process.stderr.write(`${line}\n`),
    });
    const output = new OutputForwarder(processOutput, { tag: options.tagOutput, ranks: np });
    const job = new Job({
      size: np,
      hosts: launches,
      spawnerFor,
      output,
      log: (line) => output.note('stderr', line),
      ...(options.timeout === undefined ? {} : { timeoutSeconds: options.timeout }),
      ...(traces === null ? {} : { onTrace: (rank: number, data: string, last: boolean) => traces.part(rank, data, last) }),
      deadlockCheck: options.deadlockCheck,
    });
    const { exitCode } = await supervise(job);
    const traced = traces?.finish((line) => output.note('stderr', line)) ?? true;
    return traced || exitCode !== 0 ? exitCode : 1;
  } finally {
    rmSync(jobDir, { recursive: true, force: true });
  }
}

/** How other hosts are reached (--launch-agent, --node, --connect-timeout, --if-include). */
function sshOptions(options: CliOptions): SshOptions {
  return {
    agent: options.launchAgent.trim().split(/\s+/),
    node: options.node ?? process.execPath,
    agentScript: fileURLToPath(new URL('./agent.js', import.meta.url)),
    connectTimeout: options.connectTimeout,
    ...(options.ifInclude === undefined ? {} : { ifInclude: options.ifInclude }),
  };
}

/** --check-hosts: probe every host (this one when none is given) and launch nothing. */
async function checkHostsOnly(
  hosts: readonly HostSlots[] | null,
  ssh: SshOptions,
  cwd: string,
  program: string,
  args: readonly string[],
): Promise<number> {
  const { checkHosts } = await import('./check-hosts.js');
  const names = hosts?.map((entry) => entry.host) ?? [hostname()];
  return checkHosts({
    hosts: [...new Set(names)],
    ssh,
    cwd,
    program,
    args,
    version: packageVersion(),
    out: (line) => process.stdout.write(`${line}\n`),
  });
}

/** The variables tsmpirun gives every rank: its own, the collectives', tracing's, and -x. */
function rankEnv(options: CliOptions, traces: TraceCollector | null): Record<string, string> {
  return {
    // Ranks write to pipes; tell them when the user will see their stderr on a terminal (progress lines).
    ...(isatty(2) ? { [ENV.stderrTty]: '1' } : {}),
    ...collectiveEnv(process.env),
    ...transportEnv(process.env),
    ...(traces === null ? {} : traces.env),
    ...exportedEnv(options.export, process.env),
  };
}

/** Run the job with this process's signals, stdin and stdout wired to it. */
async function supervise(job: Job): Promise<JobResult> {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, () => job.interrupt(signal));
  const finished = job.run();
  // Opening stdin and stdout takes a few milliseconds: done once the ranks are starting.
  // The reader of our stdout went away (`tsmpirun … | head`): stop the job as SIGPIPE would.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') job.interrupt('SIGPIPE');
  });
  // stdin is read no faster than rank 0 takes it (a rank that never reads it holds it back).
  paced(process.stdin, (chunk, keepPaused) => job.stdin(chunk, keepPaused()));
  process.stdin.on('end', () => job.stdin(null));
  process.stdin.on('error', () => job.stdin(null));
  return finished;
}

/** Entry point: run and exit with the job's code; usage errors exit 2 with one line. */
export async function main(argv: readonly string[]): Promise<never> {
  let code: number;
  try {
    code = await run(argv);
  } catch (error) {
    if (isCommanderError(error)) code = error.exitCode;
    else if (error instanceof LaunchError) {
      process.stderr.write(`tsmpirun: ${error.message}\n`);
      code = error.exitCode;
    } else {
      process.stderr.write(`tsmpirun: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      code = 1;
    }
  }
  return flushThenExit(code);
}
