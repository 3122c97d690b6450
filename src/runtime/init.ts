/**
 * Process-level runtime: init/finalize, wire-up with the launcher, abort, and turning
 * an uncaught error in any rank into a prompt, clearly labelled end of the whole job.
 * The one place that picks the concrete transport.
 */
import { fstatSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { Comm, isCollectiveContext, type CommRuntime } from '../comm/comm.js';
import { Engine, type Unreceived } from '../comm/engine.js';
import { parseCollMode, parseOverrides } from '../collectives/select.js';
import { MpiError } from '../errors.js';
import { LoopbackHub } from '../transport/loopback.js';
import type { RankAddress, Transport } from '../transport/transport.js';
import type { ZmqTransport } from '../transport/zmq.js';
import { measureClock } from '../comm/clock.js';
import { DEFAULT_TRACE_LIMIT } from '../trace/events.js';
import { Recorder, tracing } from '../trace/recorder.js';
import {
  abortExitCode,
  COLL_ENV_PREFIX,
  COLL_MODE_ENV,
  collectiveEnv,
  ENV,
  intFromEnv,
  LIFELINE_FD,
  sharedFilesAllowed,
  TRACE_PART_CHARS,
  UNRECEIVED_TAGS_SHOWN,
  type UnreceivedFrom,
} from './env.js';
import { BlockedReporter } from './blocked.js';
import { detectForeign, watchForeign, wireUpForeign } from './foreign.js';
import { Lifeline } from './lifeline.js';

interface Runtime extends CommRuntime {
  readonly world: Comm;
  readonly lifeline: Lifeline | null;
  readonly host: string;
  /** The deadlock check's reporter (under tsmpirun, unless --no-deadlock-check). */
  readonly blocked: BlockedReporter | null;
}

let starting: Promise<Runtime> | null = null;
let current: Runtime | null = null;
let finalizing: Promise<void> | null = null;
/** Set by Abort: the process exits without telling its peers it finished normally. */
let aborted = false;

/**
 * Start tsmpi and return the world communicator (MPI_Init + COMM_WORLD).
 * Under tsmpirun the process learns its rank and size from the launcher; run as
 * `node prog.js` it is rank 0 of 1. Calling it again returns the same communicator.
 * @throws ERR_INIT when the launcher's environment is malformed or wire-up fails
 * @example const comm = await init(); console.log(comm.rank, comm.size);
 */
export async function init(): Promise<Comm> {
  starting ??= start();
  return (await starting).world;
}

/** True once init() has completed and finalize() has not been called. */
export function initialized(): boolean {
  return current !== null && finalizing === null;
}

/**
 * Shut tsmpi down: pending operations fail with ERR_COMM_CLOSED, and messages already
 * sent are delivered before the process exits. Runs automatically when the program's
 * work is done; calling it again is harmless.
 */
export async function finalize(): Promise<void> {
  if (starting === null) return;
  finalizing ??= (async () => {
    const runtime = await starting;
    if (runtime === null) return;
    const error = new MpiError('ERR_COMM_CLOSED', 'tsmpi was finalized while this operation was pending');
    if (runtime.lifeline === null) {
      if (runtime.engine.recorder !== null) await writeTrace(runtime);
      await runtime.engine.close(error);
    } else await endWithLauncher(runtime, runtime.lifeline, error);
  })();
  return finalizing;
}

/**
 * The end of a job under tsmpirun (the protocol is in env.ts): report what was sent,
 * wait until everything sent here has arrived, report what was never received, and
 * close without lingering once every rank is done.
 */
async function endWithLauncher(runtime: Runtime, lifeline: Lifeline, error: MpiError): Promise<void> {
  const engine = runtime.engine;
  const rank = engine.rank;
  lifeline.ref();
  try {
    const sent = await engine.finish(error);
    if (engine.recorder !== null)
      await sendTrace(lifeline, JSON.stringify(engine.recorder.snapshot(rank, engine.size, runtime.host)), rank);
    const drain = lifeline.next('drain');
    lifeline.send({ kind: 'finished', rank, sent: [...sent] });
    runtime.blocked?.check();
    const { expect } = await drain;
    await engine.drain(new Map(expect));
    const exit = lifeline.next('exit');
    lifeline.send({ kind: 'drained', rank, unreceived: summarize(engine.unreceived(isCollectiveContext)) });
    await exit;
  } finally {
    lifeline.unref();
  }
  await engine.close(error, { delivered: true });
}

/** Hand the trace record to the launcher in parts, each after the previous one was read (env.ts). */
async function sendTrace(lifeline: Lifeline, text: string, rank: number): Promise<void> {
  for (let at = 0; ; at += TRACE_PART_CHARS) {
    const last = at + TRACE_PART_CHARS >= text.length;
    const ack = lifeline.next('trace-ack');
    lifeline.send({ kind: 'trace', rank, data: text.slice(at, at + TRACE_PART_CHARS), last });
    await ack;
    if (last) return;
  }
}

/**
 * Without tsmpirun (a foreign launcher, or a singleton): rank 0 gathers every rank's
 * trace record over the world communicator and writes the trace file named by TSMPI_TRACE.
 * The gather itself is not recorded.
 */
async function writeTrace(runtime: Runtime): Promise<void> {
  const recorder = runtime.engine.recorder;
  const path = process.env[ENV.trace];
  if (recorder === null || path === undefined) return;
  recorder.stop();
  const mine = recorder.snapshot(runtime.engine.rank, runtime.engine.size, runtime.host);
  const all = await runtime.world.gather(mine, 0);
  if (all === undefined) return;
  const { writeTraceFile } = await import('../trace/chrome.js');
  try {
    writeTraceFile(path, all);
  } catch (cause) {
    process.stderr.write(`tsmpi: rank 0: cannot write the trace ${path}: ${cause instanceof Error ? cause.message : String(cause)}\n`);
  }
}

/** Unreceived messages grouped by sender, for the launcher's one-line warnings. */
function summarize(messages: readonly Unreceived[]): UnreceivedFrom[] {
  const bySender = new Map<number, { tags: number[]; count: number; collective: number }>();
  for (const message of messages) {
    let entry = bySender.get(message.origin);
    if (entry === undefined) bySender.set(message.origin, (entry = { tags: [], count: 0, collective: 0 }));
    if (message.collective) entry.collective++;
    else if (entry.count++ < UNRECEIVED_TAGS_SHOWN) entry.tags.push(message.tag);
  }
  return [...bySender].sort(([a], [b]) => a - b).map(([origin, entry]) => ({ origin, ...entry }));
}

/** Wall-clock time in seconds, high resolution (MPI_Wtime). Only differences are meaningful. */
export function Wtime(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Resolution of {@link Wtime} in seconds (MPI_Wtick): it counts nanoseconds. */
export function Wtick(): number {
  return 1e-9;
}

/**
 * Name of the host this rank runs on (MPI_Get_processor_name): the name tsmpirun placed
 * it on (as in the hostfile), else the machine's host name.
 */
export function Get_processor_name(): string {
  return process.env[ENV.host] || hostname();
}

async function start(): Promise<Runtime> {
  // Checked before wire-up: a misspelt override ends every rank at once with the valid names.
  const collectives = {
    ...parseOverrides(collectiveEnv(process.env), COLL_ENV_PREFIX),
    ...(parseCollMode(process.env[COLL_MODE_ENV], COLL_MODE_ENV) ? { linear: true } : {}),
  };
  const rank = intFromEnv(ENV.rank);
  const eagerLimit = intFromEnv(ENV.eagerLimit);
  const sharedMin = intFromEnv(ENV.shmThreshold);
  const shared = sharedFilesAllowed();
  const size = intFromEnv(ENV.size);
  const host = Get_processor_name();
  let transport: Transport;
  let lifeline: Lifeline | null = null;
  let deadlockCheck = false;
  const foreign = rank === undefined || size === undefined ? detectForeign(process.env, process.ppid, host) : null;
  if (foreign !== null) {
    const wired = await wireUpForeign(foreign, host, process.env);
    transport = wired.transport;
    watchForeign(wired.link, foreign, host, process.env, () => aborted);
  } else if (rank === undefined || size === undefined) {
    transport = new LoopbackHub(1).transport(0);
  } else {
    if (rank >= size) throw new MpiError('ERR_INIT', `init: ${ENV.rank}=${rank} is not below ${ENV.size}=${size}`);
    lifeline = new Lifeline(lifelineFd(rank));
    ({ transport, deadlockCheck } = await wireUp(rank, size, host, lifeline, shared));
  }
  const recorder = process.env[ENV.trace] ? new Recorder(intFromEnv(ENV.traceLimit) ?? DEFAULT_TRACE_LIMIT) : null;
  const engine = new Engine(transport, {
    ...(eagerLimit === undefined ? {} : { eagerLimit }),
    ...(sharedMin === undefined ? {} : { sharedMin }),
    recorder,
  });
  if (recorder !== null) {
    const { offsetMs, rttMs } = await measureClock(engine);
    recorder.setClock(offsetMs, rttMs);
    tracing.current = recorder;
  }
  const runtime: Runtime = {
    engine,
    host,
    lifeline,
    blocked: lifeline !== null && deadlockCheck ? new BlockedReporter(engine, lifeline, rank ?? 0) : null,
    abort: (code, reason) => abort(code, reason, rank ?? foreign?.rank ?? 0, lifeline),
    collectives,
    get world(): Comm {
      return world;
    },
  };
  const world = new Comm(
    runtime,
    0,
    Array.from({ length: transport.size }, (_, index) => index),
  );
  current = runtime;
  installHandlers(runtime, rank ?? foreign?.rank ?? 0);
  return runtime;
}

/**
 * The launcher's lifeline, checked before use: a process that inherited a rank's
 * environment without being that rank (a child process the rank started, or a worker
 * thread) has no lifeline of its own, and must not read the rank's.
 */
function lifelineFd(rank: number): number {
  const where = `init: this process has ${ENV.rank}=${rank} but`;
  if (!isMainThread) {
    throw new MpiError(
      'ERR_INIT',
      `${where} is a worker thread: only the rank's main thread may call init(); pass the worker what it needs (workerData, postMessage)`,
    );
  }
  const fd = intFromEnv(ENV.lifelineFd) ?? LIFELINE_FD;
  let isSocket = false;
  try {
    isSocket = fstatSync(fd).isSocket();
  } catch {
    // not open: not started by tsmpirun
  }
  if (!isSocket) {
    throw new MpiError(
      'ERR_INIT',
      `${where} was not started by tsmpirun (fd ${fd} is not its lifeline); it looks like a child process of rank ${rank}, which inherited its environment. ` +
        `Start the child without the TSMPI_* variables to make it a program of its own (rank 0 of 1), or start it with tsmpirun`,
    );
  }
  return fd;
}

async function wireUp(
  rank: number,
  size: number,
  host: string,
  lifeline: Lifeline,
  shared: boolean,
): Promise<{ transport: Transport; deadlockCheck: boolean }> {
  const lost = new Promise<never>((_, reject) => {
    lifeline.onLost(() => reject(new MpiError('ERR_INIT', `init: rank ${rank} lost its launcher during wire-up`)));
  });
  // A world of one has no peers: no sockets, and zeromq is never loaded (a faster start).
  const bound = size === 1 ? null : await bindInbox(rank, size, host, shared);
  const table = lifeline.next('table');
  lifeline.send({ kind: 'hello', rank, address: bound?.address ?? { host } });
  const { peers, deadlockCheck = false } = await Promise.race([table, lost]);
  if (peers.length !== size) throw new MpiError('ERR_INIT', `init: the launcher sent ${peers.length} addresses for ${size} ranks`);
  if (bound === null) return { transport: new LoopbackHub(1).transport(0), deadlockCheck };
  bound.transport.setPeers(peers);
  return { transport: bound.transport, deadlockCheck };
}

async function bindInbox(
  rank: number,
  size: number,
  host: string,
  shared: boolean,
): Promise<{ transport: ZmqTransport; address: RankAddress }> {
  const jobDir = process.env[ENV.jobDir];
  const tcpAddress = process.env[ENV.tcpAddress];
  const curvePublic = process.env[ENV.curvePublic];
  const curveSecret = process.env[ENV.curveSecret];
  const { ZmqTransport } = await import('../transport/zmq.js');
  return ZmqTransport.bind({
    sharedFiles: shared,
    rank,
    size,
    host,
    ...(jobDir ? { ipcDir: jobDir } : {}),
    ...(tcpAddress ? { tcpAddress } : {}),
    ...(curvePublic && curveSecret ? { curve: { publicKey: curvePublic, secretKey: curveSecret } } : {}),
  });
}

function abort(code: number, reason: string, rank: number, lifeline: Lifeline | null): never {
  aborted = true;
  lifeline?.send({ kind: 'abort', rank, code, reason });
  if (lifeline === null) process.stderr.write(`tsmpi: ${reason}\n`);
  process.exit(abortExitCode(code));
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

function installHandlers(runtime: Runtime, rank: number): void {
  const lifeline = runtime.lifeline;
  if (lifeline !== null) {
    lifeline.unref();
    lifeline.onLost(() => {
      process.stderr.write(`tsmpi: rank ${rank} on ${runtime.host}: lost contact with tsmpirun; exiting\n`);
      // The launcher cannot remove the job's ipc directory any more: the ranks do (any may; rm is idempotent).
      const jobDir = process.env[ENV.jobDir];
      if (jobDir) rmSync(jobDir, { recursive: true, force: true });
      process.exit(1);
    });
    lifeline.on((message) => {
      if (message.kind === 'report') lifeline.send({ kind: 'report', rank, waiting: runtime.engine.waitingReport() });
    });
  }
  const fail = (what: string) => (error: unknown) => {
    const text = describeError(error);
    const where = `rank ${rank} (pid ${process.pid} on ${runtime.host})`;
    process.stderr.write(`tsmpi: ${where}: ${what}:\n${text.replace(/^/gm, `[rank ${rank}] `)}\n`);
    const first = (text.split('\n')[0] ?? '').trim();
    lifeline?.send({ kind: 'error', rank, message: `${what}: ${first}` });
    process.exit(1);
  };
  process.on('uncaughtException', fail('uncaught exception'));
  process.on('unhandledRejection', fail('unhandled rejection'));
  process.on('beforeExit', () => {
    if (finalizing === null) void finalize();
  });
}
