/**
 * Cluster: ipyparallel's client for tsmpi. Engines are the ranks of a tsmpirun job
 * (this host, a hostfile over ssh, or srun inside a Slurm allocation), so every
 * collective and point-to-point call works among them; the client drives them over a
 * control channel of its own (src/transport/channel.ts, protocol in protocol.ts).
 *
 * The client starts the launcher as a program (`dist/launcher/tsmpirun.cjs`, found from this
 * file's location), never importing it: the runtime stays apart from the launcher.
 * The launcher runs in a process group of its own, so a Ctrl-C meant for a REPL or a
 * Jupyter kernel does not reach the engines; the client stops them instead.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MpiError } from '../errors.js';
import { readLines } from '../util/lines.js';
import { makeOwnedDir } from '../util/owned-dirs.js';
import type { ChannelKeys, ChannelServer } from '../transport/channel.js';
import { ENGINE, LAUNCHER } from './location.js';
import { asMessage, engineId, functionSource, type ConnectInfo, type EngineFailure, type FromEngine, type ToEngine } from './protocol.js';
import { installReplInterrupt } from './repl.js';
import type { Watchdogs } from './watchdogs.js';

/** Options of {@link Cluster.start}. */
export interface ClusterOptions {
  /** Number of engines (default: tsmpirun's: the number of cores, or of slots in the hostfile). */
  readonly n?: number;
  /** Start engines on the hosts of this hostfile (tsmpirun `--hostfile`). */
  readonly hostfile?: string;
  /** Start engines on these hosts, e.g. `'h1:2,h2:2'` (tsmpirun `-H`). */
  readonly hosts?: string;
  /**
   * Address (name or IP) at which engines reach this client. Giving it, a hostfile,
   * hosts or running inside a Slurm allocation makes the control channel TCP with CURVE;
   * otherwise it is an ipc socket in a private directory. Default: this host's name.
   */
  readonly address?: string;
  /** Environment variables for the engines (tsmpirun `-x NAME=value`). */
  readonly env?: Readonly<Record<string, string>>;
  /** More tsmpirun options, e.g. `['--map-by', 'node']`. */
  readonly launcherArgs?: readonly string[];
  /** Working directory of the engines (default: this process's). */
  readonly cwd?: string;
  /**
   * Where engines' output lines go (default: `console.log('[stdout:2] ...')` and
   * `console.error('[stderr:2] ...')`, as they arrive).
   */
  readonly output?: (rank: number, stream: 'stdout' | 'stderr', line: string) => void;
}

/** Options of {@link Cluster.map}. */
export interface MapOptions {
  /** Items sent to an engine at a time (default 1): larger chunks cost fewer messages, balance less well. */
  readonly chunksize?: number;
}

/** An error from calls on engines: {@link failures} has, per failing rank, the message and engine-side stack. */
export class EngineError extends MpiError {
  constructor(
    operation: string,
    readonly failures: readonly EngineFailure[],
  ) {
    super(
      'ERR_ENGINE',
      `${operation}: failed on ${failures.length === 1 ? 'engine' : 'engines'} ${failures.map((failure) => failure.rank).join(', ')}\n${failures.map(describe).join('\n')}`,
    );
    this.name = 'EngineError';
  }
}

function describe(failure: EngineFailure): string {
  const item = failure.item === undefined ? '' : ` (item ${failure.item})`;
  const stack = failure.stack.includes(failure.message) ? failure.stack : `${failure.name}: ${failure.message}\n${failure.stack}`;
  return `[engine ${failure.rank}]${item} ${stack.replace(/\n/g, `\n[engine ${failure.rank}] `)}`;
}

type Reply = Extract<FromEngine, { id: number }>;
type Call = Extract<ToEngine, { id: number }>;
type CallBody = Call extends infer C ? (C extends Call ? Omit<C, 'id'> : never) : never;

interface Pending {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: Error) => void;
  readonly release: () => void;
}

const KEEP_STDERR_LINES = 40;
/** How long close() lets engines finish before the launcher is told to stop them. */
const CLOSE_GRACE_MS = 5000;

const live = new Set<Cluster>();
let exitHookInstalled = false;

/**
 * A set of engines to run functions on, like ipyparallel's `Client` with MPI engines.
 *
 * Functions travel as their source text and run on the engines with the engines'
 * globals: `import('tsmpi')` inside them gives the engine's runtime, whose `init()`
 * returns the engines' own world (rank 0..size-1). A function cannot use a variable
 * of the client (a closure): pass it as an argument, or put the code in a module and
 * call it with {@link run}. Arguments and results travel with tsmpi's codec (typed
 * arrays included). Each engine runs calls one at a time, in the order they were made.
 *
 * Nothing outlives the client: {@link close}, the client process exiting (even killed:
 * rank 0 sees its stdin end), or Ctrl-C stop every engine.
 *
 * @example
 * const cluster = await Cluster.start({ n: 4 });
 * const hello = await cluster.apply(async () => {
 *   const { init } = await import('tsmpi');
 *   const comm = await init();
 *   return `Hello World from rank ${comm.rank}. Total ranks=${comm.size}`;
 * });
 * await cluster.close();
 */
export class Cluster {
  private readonly pending = new Map<number, Pending>();
  private readonly idleWaiters = new Map<number, { count: number; done: () => void }>();
  private readonly stderrTail: string[] = [];
  private nextId = 1;
  private epoch = 0;
  private stopped: MpiError | null = null;
  private closing: Promise<void> | null = null;
  private readonly exited: Promise<void>;
  private removeReplHook: () => void = () => {};

  private constructor(
    private readonly launcher: ChildProcessWithoutNullStreams,
    private readonly channel: ChannelServer,
    private readonly watchdogs: Watchdogs,
    private readonly dir: string | null,
    /** Number of engines. */
    readonly size: number,
    /** Process id of each engine, by rank. */
    readonly pids: readonly number[],
  ) {
    this.exited = new Promise((resolveExit) => launcher.once('exit', () => resolveExit()));
  }

  /**
   * Start engines and resolve once every one of them is connected and ready.
   * @throws ERR_ARG for bad options; ERR_CLUSTER when an engine cannot start or dies
   *   during start (the message carries the engines' and tsmpirun's stderr)
   * @example const cluster = await Cluster.start({ n: 4 });
   */
  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const n = options.n;
    if (n !== undefined && (!Number.isSafeInteger(n) || n < 1))
      throw new MpiError('ERR_ARG', `Cluster.start: n must be a positive integer (got ${String(n)})`);
    for (const name of Object.keys(options.env ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new MpiError('ERR_ARG', `Cluster.start: '${name}' is not a valid environment variable name`);
    }
    const inAllocation =
      process.env.TSMPI_SRUN !== 'off' &&
      process.env.SLURM_JOB_ID !== undefined &&
      (process.env.SLURM_JOB_NODELIST ?? process.env.SLURM_NODELIST) !== undefined;
    const remote = options.hostfile !== undefined || options.hosts !== undefined || options.address !== undefined || inAllocation;
    // Owned by this process, so that a later launch removes it if this process is killed.
    const dir = remote ? null : makeOwnedDir(tmpdir(), 'tsmpi-cluster-');
    const removeDir = (): void => {
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    };
    const args = [
      LAUNCHER,
      '--tag-output',
      // Idle engines wait on the client's channel, which tsmpirun's deadlock check cannot see.
      '--no-deadlock-check',
      ...(n === undefined ? [] : ['-np', String(n)]),
      ...(options.hostfile === undefined ? [] : ['--hostfile', options.hostfile]),
      ...(options.hosts === undefined ? [] : ['-H', options.hosts]),
      ...Object.entries(options.env ?? {}).flatMap(([name, value]) => ['-x', `${name}=${value}`]),
      ...(options.launcherArgs ?? []),
      process.execPath,
      ENGINE,
    ];
    // The launcher starts first: its start and the engines' overlap with opening the channel,
    // whose address reaches rank 0 on the launcher's stdin once it is open.
    // node:child_process (and the dgram it loads) only here: every rank imports this module.
    const { spawn } = await import('node:child_process');
    const launcher = spawn(process.execPath, args, { cwd: options.cwd ?? process.cwd(), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    launcher.stdin.on('error', () => {});
    const ended = new Promise<Error | null>((resolveEnd) => {
      launcher.once('close', () => resolveEnd(null));
      launcher.once('error', (error) => resolveEnd(error));
    });

    const output = options.output ?? defaultOutput;
    const stderrTail: string[] = [];
    const ready = new Map<number, Extract<FromEngine, { kind: 'ready' }>>();
    let cluster: Cluster | null = null;
    readLines(
      launcher.stdout,
      (line) => {
        const tagged = /^\[(\d+)\] ?(.*)$/.exec(line);
        if (tagged !== null) output(Number(tagged[1]), 'stdout', tagged[2] ?? '');
        else output(-1, 'stdout', line);
      },
      { lastLine: true },
    );
    readLines(
      launcher.stderr,
      (line) => {
        const tail = cluster?.stderrTail ?? stderrTail;
        tail.push(line);
        if (tail.length > KEEP_STDERR_LINES) tail.shift();
        const tagged = /^\[(\d+)\] ?(.*)$/.exec(line);
        if (tagged !== null) output(Number(tagged[1]), 'stderr', tagged[2] ?? '');
      },
      { lastLine: true },
    );

    const announce = options.address ?? hostname();
    let keys: ChannelKeys | null;
    let channel: ChannelServer;
    let watchdogs: Watchdogs;
    try {
      // Loaded here, not at import: the runtime every rank imports exports Cluster, and the
      // channel loads zeromq, the watchdogs node:crypto.
      const [{ ChannelServer, channelKeys }, { Watchdogs }] = await Promise.all([
        import('../transport/channel.js'),
        import('./watchdogs.js'),
      ]);
      keys = remote ? channelKeys() : null;
      channel = remote
        ? await ChannelServer.bind('tcp://0.0.0.0:*', keys, announce)
        : await ChannelServer.bind(`ipc://${join(dir as string, 'client')}`, null);
      try {
        watchdogs = await Watchdogs.listen(dir, announce);
      } catch (error) {
        channel.close();
        throw error;
      }
    } catch (error) {
      killGroup(launcher, 'SIGKILL');
      removeDir();
      throw new MpiError(
        'ERR_CLUSTER',
        `Cluster.start: cannot open the control channel (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      );
    }
    const connect: ConnectInfo = { endpoint: channel.endpoint, keys, watchdog: watchdogs.location, token: watchdogs.token };
    launcher.stdin.write(`${JSON.stringify(connect)}\n`);

    const release = channel.keepReceiving();
    try {
      const size = await new Promise<number>((resolveStart, rejectStart) => {
        let expected = n;
        let started = false;
        // 'close' comes after the launcher's output has ended: the engines' last stderr lines are in.
        void ended.then((error) => {
          if (started) return;
          if (error !== null)
            rejectStart(new MpiError('ERR_CLUSTER', `Cluster.start: cannot start tsmpirun (${error.message})`, { cause: error }));
          else
            rejectStart(
              new MpiError(
                'ERR_CLUSTER',
                `Cluster.start: the engines stopped before all of them were ready (${ready.size} of ${expected ?? '?'})${formatTail(stderrTail)}`,
              ),
            );
        });
        channel.onMessage((_peer, value) => {
          const message = asMessage<FromEngine>(value);
          if (message?.kind !== 'ready') return;
          ready.set(message.rank, message);
          expected = message.size;
          if (ready.size === message.size) {
            started = true;
            resolveStart(message.size);
          }
        });
      });
      const pids = Array.from({ length: size }, (_, rank) => ready.get(rank)?.pid ?? -1);
      cluster = new Cluster(launcher, channel, watchdogs, dir, size, pids);
      cluster.stderrTail.push(...stderrTail);
      cluster.attach();
      return cluster;
    } catch (error) {
      killGroup(launcher, 'SIGKILL');
      channel.close();
      watchdogs.close();
      removeDir();
      throw error;
    } finally {
      release();
    }
  }

  private attach(): void {
    this.channel.onMessage((_peer, value) => this.receive(value));
    live.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const cluster of live) killGroup(cluster.launcher, 'SIGTERM');
      });
    }
    this.launcher.once('close', (code, signal) => {
      this.fail(
        new MpiError('ERR_CLUSTER', `cluster: the engines stopped (tsmpirun exited with ${signal ?? code})${formatTail(this.stderrTail)}`),
      );
    });
    // An idle cluster keeps nothing alive: a script that forgets close() still ends (and its engines with it).
    this.launcher.unref();
    for (const stream of [this.launcher.stdin, this.launcher.stdout, this.launcher.stderr])
      (stream as unknown as { unref?: () => void }).unref?.();
    this.removeReplHook = installReplInterrupt(() => {
      if (this.pending.size > 0) void this.interrupt();
    });
  }

  private receive(value: unknown): void {
    const message = asMessage<FromEngine>(value);
    if (message === null) return;
    switch (message.kind) {
      case 'ready':
        return;

      case 'idle': {
        const waiter = this.idleWaiters.get(message.epoch);
        if (waiter !== undefined && --waiter.count === 0) waiter.done();
        return;
      }
      case 'done':
      case 'failed':
      case 'interrupted': {
        const pending = this.pending.get(message.id);
        if (pending === undefined) return;
        this.pending.delete(message.id);
        pending.release();
        pending.resolve(message);
        return;
      }
      default:
        assertNever(message);
    }
  }

  private fail(error: MpiError): void {
    if (this.stopped !== null) return;
    this.stopped = error;
    live.delete(this);
    this.removeReplHook();
    for (const pending of this.pending.values()) {
      pending.release();
      pending.reject(error);
    }
    this.pending.clear();
    for (const waiter of this.idleWaiters.values()) waiter.done();
    this.channel.close();
    this.watchdogs.close();
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
  }

  private check(operation: string): void {
    if (this.stopped !== null)
      throw new MpiError('ERR_CLUSTER', `${operation}: the cluster has stopped (${this.stopped.message.split('\n')[0]})`, {
        cause: this.stopped,
      });
  }

  /** Send one call to one engine; resolves with its reply. */
  private submit(rank: number, body: CallBody): Promise<Reply> {
    const id = this.nextId++;
    const message = { ...body, id } as Call;
    return new Promise<Reply>((resolveCall, rejectCall) => {
      const release = this.channel.keepReceiving();
      this.pending.set(id, { resolve: resolveCall, reject: rejectCall, release });
      this.channel.send(engineId(rank), message, 'cluster').catch((error: unknown) => {
        this.pending.delete(id);
        release();
        rejectCall(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  /** One call on every engine; results in rank order, failures gathered into one error. */
  private async everywhere(operation: string, body: CallBody): Promise<unknown[]> {
    this.check(operation);
    const replies = await Promise.all(Array.from({ length: this.size }, (_, rank) => this.submit(rank, body)));
    const failures = replies.flatMap((reply) => (reply.kind === 'failed' ? [reply.failure] : []));
    if (failures.length > 0) throw failureError(operation, failures);
    if (replies.some((reply) => reply.kind === 'interrupted')) throw interrupted(operation);
    return replies.map((reply) => (reply.kind === 'done' ? reply.value : undefined));
  }

  /**
   * Run `fn(...args)` on every engine; resolves with the results in rank order once all
   * engines are done (ipyparallel's `view.apply_sync`).
   * @throws ERR_ARG when `fn` cannot travel (native, bound); ERR_CODEC when an argument or
   *   result cannot be encoded; ERR_CLOSURE when `fn` uses a variable the engines do not
   *   have (a closure); ERR_ENGINE ({@link EngineError}) listing every failing rank's
   *   message and stack; ERR_INTERRUPTED after {@link interrupt}; ERR_CLUSTER when the
   *   engines stopped
   * @example const ranks = await cluster.apply(async () => (await (await import('tsmpi')).init()).rank);
   */
  apply<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>[]> {
    const operation = 'apply';
    return this.everywhere(operation, { kind: 'call', source: functionSource(fn, operation), args }) as Promise<Awaited<R>[]>;
  }

  /**
   * Import `modulePath` on every engine and call its export `exportName(...args)`
   * (ipyparallel's `sync_imports` + `apply`). A relative path is resolved from the
   * client's working directory; a bare name is imported as a package.
   * @throws as {@link apply}; ERR_ENGINE when the module cannot be imported or the export is not a function
   * @example const acf = await cluster.run('./dist/examples/exercises/acf-mpi.js', 'mpiAcf', 'book.txt');
   */
  run(modulePath: string, exportName: string, ...args: unknown[]): Promise<unknown[]> {
    const operation = 'run';
    if (typeof modulePath !== 'string' || modulePath === '')
      throw new MpiError('ERR_ARG', `${operation}: expected a module path (got ${String(modulePath)})`);
    if (typeof exportName !== 'string' || exportName === '')
      throw new MpiError('ERR_ARG', `${operation}: expected the name of an exported function (got ${String(exportName)})`);
    const module = modulePath.startsWith('.') || isAbsolute(modulePath) ? pathToFileURL(resolve(modulePath)).href : modulePath;
    return this.everywhere(operation, { kind: 'run', module, name: exportName, args });
  }

  /**
   * `fn(item)` for every item, load-balanced: each engine takes the next chunk as soon
   * as it is free. Resolves with the results in input order (ipyparallel's load-balanced
   * `map_sync`).
   * @throws as {@link apply}; the first failing item ends the map (its index is in the error)
   * @example const squares = await cluster.map((x: number) => x * x, [...Array(20).keys()]);
   */
  async map<T, R>(fn: (item: T) => R, items: Iterable<T>, options: MapOptions = {}): Promise<Awaited<R>[]> {
    const out: Awaited<R>[] = [];
    for await (const [index, value] of this.schedule('map', fn, [...items], false, options.chunksize ?? 1))
      out[index] = value as Awaited<R>;
    return out;
  }

  /**
   * The engine of map, starmap, imap and imapUnordered: yields `[index, result]` as
   * chunks complete. Internal (Pool uses it).
   * @internal
   */
  async *schedule(
    operation: string,
    fn: unknown,
    items: readonly unknown[],
    spread: boolean,
    chunksize: number,
  ): AsyncGenerator<[number, unknown]> {
    if (!Number.isSafeInteger(chunksize) || chunksize < 1)
      throw new MpiError('ERR_ARG', `${operation}: chunksize must be a positive integer (got ${String(chunksize)})`);
    if (spread) {
      const bad = items.findIndex((item) => !Array.isArray(item));
      if (bad >= 0) throw new MpiError('ERR_ARG', `${operation}: item ${bad} is not an array of arguments`);
    }
    const source = functionSource(fn, operation);
    this.check(operation);
    const chunks: { start: number; items: unknown[] }[] = [];
    for (let start = 0; start < items.length; start += chunksize) chunks.push({ start, items: items.slice(start, start + chunksize) });
    let next = 0;
    const done: [number, unknown][] = [];
    let error: Error | null = null;
    let running = 0;
    let wake: (() => void) | null = null;
    const feed = (rank: number): void => {
      const chunk = chunks[next++];
      if (chunk === undefined || error !== null) return;
      running++;
      this.submit(rank, { kind: 'chunk', source, items: chunk.items, spread }).then(
        (reply) => {
          running--;
          if (reply.kind === 'done') {
            (reply.value as unknown[]).forEach((value, offset) => done.push([chunk.start + offset, value]));
            feed(rank);
          } else if (reply.kind === 'failed') {
            const item = chunk.start + (reply.failure.item ?? 0);
            error ??= failureError(operation, [{ ...reply.failure, item }]);
          } else error ??= interrupted(operation);
          wake?.();
        },
        (failure: unknown) => {
          running--;
          error ??= failure instanceof Error ? failure : new Error(String(failure));
          wake?.();
        },
      );
    };
    for (let rank = 0; rank < this.size; rank++) feed(rank);
    while (true) {
      while (done.length > 0) yield done.shift() as [number, unknown];
      if (error !== null) throw error;
      if (running === 0 && next >= chunks.length) return;
      await new Promise<void>((resolveWake) => (wake = resolveWake));
      wake = null;
    }
  }

  /**
   * Stop what the engines are running and drop their queued calls, keeping the engines:
   * pending calls reject with ERR_INTERRUPTED. A call waiting on something (I/O, a
   * message, a timer) stops at once; one computing without ever yielding is ended by
   * the engine's watchdog after a short grace. In the node REPL, Ctrl-C during a call does this.
   * Communication that was in progress when a call was stopped is not undone: a later
   * call should start on a fresh communicator (`comm.Dup()`).
   * @example setTimeout(() => cluster.interrupt(), 1000); await cluster.apply(() => { for (;;); }).catch(() => {});
   */
  async interrupt(): Promise<void> {
    if (this.stopped !== null) return;
    const epoch = ++this.epoch;
    const release = this.channel.keepReceiving();
    try {
      await new Promise<void>((done) => {
        this.idleWaiters.set(epoch, { count: this.size, done });
        this.watchdogs.interrupt(epoch);
        for (let rank = 0; rank < this.size; rank++) {
          void this.channel.send(engineId(rank), { kind: 'interrupt', epoch }, 'interrupt').catch(() => {});
        }
      });
    } finally {
      this.watchdogs.settled(epoch);
      this.idleWaiters.delete(epoch);
      release();
    }
  }

  /**
   * Stop every engine and wait until they are gone. Pending calls reject with
   * ERR_CLUSTER. Engines still busy after a grace period are stopped by tsmpirun
   * (SIGTERM, then SIGKILL). Repeatable.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.stopped === null) {
        for (let rank = 0; rank < this.size; rank++) void this.channel.send(engineId(rank), { kind: 'close' }, 'close').catch(() => {});
        this.launcher.ref();
        const guard = setTimeout(() => killGroup(this.launcher, 'SIGTERM'), CLOSE_GRACE_MS);
        try {
          await this.exited;
        } finally {
          clearTimeout(guard);
        }
      }
      this.launcher.stdin.destroy();
      this.fail(new MpiError('ERR_CLUSTER', 'cluster: closed'));
    })();
    return this.closing;
  }

  /** `await using cluster = await Cluster.start(...)` closes the cluster at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function failureError(operation: string, failures: readonly EngineFailure[]): MpiError {
  const names = [...new Set(failures.map((failure) => failure.undefinedName))];
  const name = names[0];
  if (names.length === 1 && name !== undefined) {
    const ranks = failures.map((failure) => failure.rank).join(', ');
    return new MpiError(
      'ERR_CLOSURE',
      `${operation}: the function uses '${name}', which is not defined on the engines (ranks ${ranks}) — a variable of the client? Functions travel as source text, without their closure: pass '${name}' as an argument (cluster.apply((${name}) => ..., ${name})) or export the code from a module and call it with cluster.run(path, exportName)`,
      { cause: new EngineError(operation, failures) },
    );
  }
  return new EngineError(operation, failures);
}

function interrupted(operation: string): MpiError {
  return new MpiError('ERR_INTERRUPTED', `${operation}: interrupted (cluster.interrupt())`);
}

function formatTail(lines: readonly string[]): string {
  const shown = lines.filter((line) => line.trim() !== '');
  return shown.length === 0 ? '' : `; their stderr:\n${shown.join('\n')}`;
}

function defaultOutput(rank: number, stream: 'stdout' | 'stderr', line: string): void {
  const text = rank < 0 ? line : `[${stream}:${rank}] ${line}`;
  if (stream === 'stdout') console.log(text);
  else console.error(text);
}

function killGroup(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function assertNever(value: never): never {
  throw new MpiError('ERR_INTERN', `cluster: unexpected message ${JSON.stringify(value)}`);
}
