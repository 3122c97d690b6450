/**
 * A Cluster engine: the rank program the client starts through tsmpirun
 * (`tsmpirun --tag-output node engine.js`). It initialises tsmpi (so functions sent to it
 * get rank 0..n-1 of the engines' own world from `init()`), connects to the client, and
 * runs the calls it receives one at a time. See protocol.ts for the conversation.
 *
 * Functions arrive as source text and are compiled here by indirect eval: they see the
 * engine's globals only (no variable of this module, none of the client), and a dynamic
 * `import()` inside them resolves from this file, so `import('tsmpi')` gives this
 * engine's runtime. ESM only (top-level await): not part of the CommonJS build.
 */
import { hostname } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
// Through the package's own entry (the bundle): the very module a function's import('tsmpi') loads.
import * as tsmpi from 'tsmpi';
import { ChannelClient } from '../transport/channel.js';
import { readLines } from '../util/lines.js';
import { asMessage, engineId, type ConnectInfo, type EngineFailure, type FromEngine, type ToEngine } from './protocol.js';
import { INTERRUPT_ACK, RUNNING, type WatchdogData } from './watchdog.js';

const comm = await tsmpi.init();
const rank = comm.rank;
const info = (await comm.bcast(rank === 0 ? await readConnectLine() : null, 0)) as ConnectInfo;
const channel = new ChannelClient(info.endpoint, engineId(rank), info.keys);

// Code compiled by tsc or tslab as CommonJS calls require(); 'tsmpi' must be this engine's runtime.
const userRequire = createRequire(pathToFileURL(`${process.cwd()}/`));
(globalThis as { require?: unknown }).require ??= Object.assign(
  (id: string): unknown => (id === 'tsmpi' ? tsmpi : userRequire(id)),
  userRequire,
);
// tsc's CommonJS output (tslab's too) turns `await import('x')` into `__importStar(require('x'))`.
const engineGlobals = globalThis as Record<string, unknown>;
const isEsModule = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as { __esModule?: unknown }).__esModule === true;
engineGlobals.__importStar ??= (value: unknown): unknown => (isEsModule(value) ? value : { ...(value as object), default: value });
engineGlobals.__importDefault ??= (value: unknown): unknown => (isEsModule(value) ? value : { default: value });

const compiled = new Map<string, (...args: unknown[]) => unknown>();
function compile(source: string): (...args: unknown[]) => unknown {
  let fn = compiled.get(source);
  if (fn === undefined) {
    fn = (0, eval)(`(${source}\n)`) as (...args: unknown[]) => unknown;
    compiled.set(source, fn);
  }
  return fn;
}

/** Shared with the watchdog: [RUNNING] = 1 while a call runs, [INTERRUPT_ACK] = last interrupt epoch handled here. */
const shared = new Int32Array(new SharedArrayBuffer(8));
const queue: Extract<ToEngine, { id: number }>[] = [];
let current: { readonly id: number; readonly stop: () => void } | null = null;
let lastEpoch = 0;
/** The last interrupt epoch that arrived on the channel (the client sends each there and to the watchdog). */
let channelEpoch = 0;
let closing = false;

function failureOf(error: unknown, item?: number): EngineFailure {
  const base = error instanceof Error ? error : new Error(String(error));
  const undefinedName = base instanceof ReferenceError ? /^(\S+) is not defined$/.exec(base.message)?.[1] : undefined;
  return {
    rank,
    name: base.name,
    message: base.message,
    stack: base.stack ?? `${base.name}: ${base.message}`,
    ...(undefinedName === undefined ? {} : { undefinedName }),
    ...(item === undefined ? {} : { item }),
  };
}

/** A map item's failure, with the item's index in its chunk. */
class ChunkFailure {
  constructor(readonly failure: EngineFailure) {}
}

async function body(message: Extract<ToEngine, { id: number }>): Promise<unknown> {
  switch (message.kind) {
    case 'call':
      return compile(message.source)(...message.args);
    case 'run': {
      const module = (await import(message.module)) as Record<string, unknown>;
      const fn = module[message.name];
      if (typeof fn !== 'function') {
        const names = Object.keys(module).filter((name) => typeof module[name] === 'function');
        throw new TypeError(
          `run: '${message.name}' is not a function exported by ${message.module} (its functions: ${names.join(', ') || 'none'})`,
        );
      }
      return (fn as (...args: unknown[]) => unknown)(...message.args);
    }
    case 'chunk': {
      const fn = compile(message.source);
      const out: unknown[] = [];
      for (const [index, item] of message.items.entries()) {
        try {
          out.push(await (message.spread ? fn(...(item as unknown[])) : fn(item)));
        } catch (error) {
          throw new ChunkFailure(failureOf(error, index));
        }
      }
      return out;
    }
    default:
      return assertNever(message);
  }
}

async function execute(message: Extract<ToEngine, { id: number }>): Promise<void> {
  let stop: () => void = () => {};
  const stopped = new Promise<'interrupted'>((resolve) => (stop = () => resolve('interrupted')));
  current = { id: message.id, stop };
  startWatchdog();
  Atomics.store(shared, RUNNING, 1);
  let reply: FromEngine;
  try {
    // Start user code from a macrotask of Node's own, never inside a microtask checkpoint run by
    // zeromq's native callback: a terminated execution there aborts the process (see watchdog.ts).
    const started = new Promise<void>((resolve) => setImmediate(resolve)).then(() => body(message));
    const outcome = await Promise.race([started.then((value) => ({ value })), stopped]);
    reply = outcome === 'interrupted' ? { kind: 'interrupted', id: message.id } : { kind: 'done', id: message.id, value: outcome.value };
  } catch (error) {
    const failure = error instanceof ChunkFailure ? error.failure : failureOf(error);
    reply = { kind: 'failed', id: message.id, failure: { ...failure, rank } };
  } finally {
    Atomics.store(shared, RUNNING, 0);
    current = null;
  }
  try {
    await channel.send(reply, 'engine');
  } catch (error) {
    await channel.send(
      {
        kind: 'failed',
        id: message.id,
        failure: failureOf(new Error(`the result cannot be sent back: ${error instanceof Error ? error.message : String(error)}`)),
      },
      'engine',
    );
  }
}

let draining = false;
async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  try {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await execute(next);
  } finally {
    draining = false;
  }
}

/** Stop the running call and drop the queued ones (each answered `interrupted`), once per epoch. */
function interrupt(epoch: number): void {
  if (epoch <= lastEpoch) return;
  lastEpoch = epoch;
  Atomics.store(shared, INTERRUPT_ACK, epoch);
  Atomics.notify(shared, INTERRUPT_ACK);
  for (const dropped of queue.splice(0)) void channel.send({ kind: 'interrupted', id: dropped.id }, 'engine');
  current?.stop();
  void channel.send({ kind: 'idle', epoch }, 'engine');
}

/**
 * The interrupt watchdog, started with the first call rather than at start: booting a thread
 * costs tens of milliseconds of CPU, which would otherwise compete with the other engines'
 * start on a machine with fewer cores than engines. Its thread boots even while the call
 * keeps this one busy, and it hears interrupts sent before it connected (watchdogs.ts).
 */
let watchdog: Worker | null = null;
function startWatchdog(): void {
  if (watchdog !== null) return;
  const watchdogData: WatchdogData = { info, rank, shared };
  watchdog = new Worker(new URL('./watchdog.js', import.meta.url), { workerData: watchdogData });
  watchdog.on('message', (epoch: number) => interrupt(epoch));
  watchdog.on('error', (error) =>
    process.stderr.write(`engine ${rank}: interrupt watchdog failed (${error.message}); cluster.interrupt() cannot stop busy loops\n`),
  );
  watchdog.unref();
}

async function close(): Promise<void> {
  closing = true;
  if (watchdog !== null) {
    const running = watchdog;
    const stopped = new Promise((resolve) => running.once('exit', resolve));
    running.postMessage('close');
    await stopped;
  }
  await channel.close();
  await tsmpi.finalize();
  process.exit(0);
}

/** Rank 0: the connection line from the client; afterwards, the end of stdin means the client is gone. */
function readConnectLine(): Promise<ConnectInfo> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const stop = readLines(process.stdin, (line) => {
      stop();
      connected = true;
      resolve(JSON.parse(line) as ConnectInfo);
    });
    process.stdin.on('end', () => {
      if (!connected) reject(new Error('engine: stdin ended before the client sent its address'));
      else if (!closing) comm.Abort(1);
    });
  });
}

function assertNever(value: never): never {
  throw new Error(`engine: unexpected message ${JSON.stringify(value)}`);
}

await channel.send(
  { kind: 'ready', rank, size: comm.size, pid: process.pid, host: process.env.TSMPI_HOST || hostname() } satisfies FromEngine,
  'engine',
);
for await (const value of channel.messages()) {
  const message = asMessage<ToEngine>(value);
  if (message === null) continue;
  switch (message.kind) {
    case 'call':
    case 'run':
    case 'chunk':
      // The watchdog may have delivered an interrupt before this channel caught up: a call that
      // arrives ahead of that interrupt's own channel message was made before it, so it is dropped.
      if (lastEpoch > channelEpoch) void channel.send({ kind: 'interrupted', id: message.id }, 'engine');
      else {
        queue.push(message);
        void drain();
      }
      break;
    case 'interrupt':
      channelEpoch = Math.max(channelEpoch, message.epoch);
      interrupt(message.epoch);
      break;
    case 'close':
      await close();
      break;
    default:
      assertNever(message);
  }
}
