/**
 * The contract between the launcher and a rank: environment variables and the
 * lifeline protocol. This is the one place both are defined; the launcher imports
 * only this module from src/.
 *
 * Environment of every rank started by tsmpirun:
 * | variable            | meaning                                                          |
 * |---------------------|------------------------------------------------------------------|
 * | TSMPI_RANK          | rank in the world communicator                                   |
 * | TSMPI_SIZE          | number of ranks in the job                                       |
 * | TSMPI_LOCAL_RANK    | rank among the ranks on the same host                            |
 * | TSMPI_LOCAL_SIZE    | number of ranks on the same host                                 |
 * | TSMPI_HOST          | the host's name as the launcher placed it (ranks compare these)  |
 * | TSMPI_JOB_ID        | identifier of the job                                            |
 * | TSMPI_JOB_DIR       | private directory (mode 0700) for ipc endpoints on this host     |
 * | TSMPI_TCP_ADDRESS   | address to bind and announce for other hosts (multi-host only)   |
 * | TSMPI_LIFELINE_FD   | file descriptor of the lifeline to the launcher (normally 3)     |
 * | TSMPI_STDERR_TTY    | `1` when tsmpirun's stderr is a terminal (ranks' own is a pipe)  |
 * | TSMPI_CURVE_PUBLIC, TSMPI_CURVE_SECRET | the job's CURVE key pair (multi-host only; never on a command line) |
 *
 * A rank started by Slurm's `srun`, Open MPI's `mpirun` or MPICH's `mpiexec.hydra`
 * instead (no TSMPI_RANK) takes its rank and size from that launcher's variables
 * (SLURM_PROCID/SLURM_NTASKS, OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE, PMI_RANK/PMI_SIZE;
 * see foreign.ts) and wires up through a rendezvous with rank 0 (see
 * transport/rendezvous.ts and docs/cluster.md). Variables that tune it:
 * | variable                  | meaning                                                                |
 * |---------------------------|------------------------------------------------------------------------|
 * | TSMPI_RENDEZVOUS          | `host[:port]` where rank 0 listens (needed for Open MPI/MPICH across nodes) |
 * | TSMPI_RENDEZVOUS_TIMEOUT  | seconds to wait for rank 0 and for all ranks (default 120)             |
 * | TSMPI_JOB_KEY             | overrides the job key derived from the launcher's job id               |
 * | TSMPI_SECRET              | the secret the job's keys are derived from (else TSMPI_SECRET_FILE)    |
 * | TSMPI_SECRET_FILE         | file holding that secret (default ~/.tsmpi/secret, created mode 0600)  |
 * | TSMPI_FOREIGN=off         | ignore foreign launchers' variables: run as a singleton                |
 * | TSMPI_WATCH_PEERS=off     | do not end a rank when a peer ends without finalizing (the launcher does) |
 *
 * Under any launcher, `TSMPI_COLL_<NAME>=<algorithm>` forces the algorithm of a collective
 * (e.g. `TSMPI_COLL_ALLREDUCE=ring`; names and algorithms: src/collectives/select.ts), and
 * `TSMPI_COLL=linear` makes every collective a plain loop of sends and receives at its root
 * (src/collectives/linear.ts). A rank rejects an unknown name or mode at init; tsmpirun
 * passes these variables to every rank, on every host ({@link collectiveEnv}), and
 * TSMPI_SHM and TSMPI_SHM_THRESHOLD too ({@link transportEnv}).
 *
 * Read by every rank, however started:
 * | variable                  | meaning                                                                |
 * |---------------------------|------------------------------------------------------------------------|
 * | TSMPI_EAGER_LIMIT         | largest payload in bytes sent eagerly (copied, buffered by the receiver); larger ones use a rendezvous (default 65536) |
 * | TSMPI_SHM                 | `off`: never pass payloads through files in RAM, always over the sockets (default `on`: between ranks on one host whose job directory is on tmpfs, src/transport/shared-files.ts) |
 * | TSMPI_SHM_THRESHOLD       | smallest rendezvous payload in bytes passed through such a file (default 524288) |
 * | TSMPI_TRACE               | record a trace (README, "Tracing"): under tsmpirun (`--trace`, `--trace-summary`) any non-empty value, the ranks hand their records to tsmpirun; otherwise the file rank 0 writes |
 * | TSMPI_TRACE_LIMIT         | most events a rank records (default 200000); the trace notes when a rank reached it |
 *
 * The lifeline is a stream socket inherited from the launcher (or the host agent),
 * carrying one JSON object per line, {@link ToLauncher} one way and {@link ToRank} the
 * other. Its end-of-file tells a rank that the launcher is gone.
 *
 * Ending a job (so that exit never waits on a socket's linger): a rank whose program is
 * done (finalize) sends `finished` with the number of data messages it sent to each
 * rank. Once every rank has finished (or exited), the launcher sends each rank `drain`
 * with the number of messages every other rank sent it; the rank reads until all of them
 * have arrived, then answers `drained` listing those it never received. Once every rank
 * has drained, the launcher sends `exit`: every message has reached its receiver, so
 * each rank closes its sockets without lingering and exits.
 *
 * Tracing (TSMPI_TRACE set): before `finished`, a rank sends its trace record
 * (src/trace/events.ts) as JSON text in `trace` parts of at most {@link TRACE_PART_CHARS}
 * characters, each after the launcher's `trace-ack` for the previous one, so that no
 * write to the lifeline ever has to wait for room.
 *
 * A rank's stderr is the program's, but for one line its transport may print at exit
 * ({@link TRANSPORT_EXIT_NOTICE}), which tsmpirun does not forward.
 *
 * Deadlock check (unless the table says `deadlockCheck: false`): a rank sends `state`
 * ({@link WaitState}) whenever it becomes blocked or stops being blocked, and whenever
 * its counts change while blocked; the launcher answers a possible deadlock with
 * `confirm`, which every rank answers at once with a fresh `state` (launcher/deadlock.ts).
 */

import { MpiError } from '../errors.js';
import type { RankAddress } from '../transport/transport.js';
export { TRANSPORT_EXIT_NOTICE } from '../transport/exit-notice.js';

export const ENV = {
  rank: 'TSMPI_RANK',
  size: 'TSMPI_SIZE',
  localRank: 'TSMPI_LOCAL_RANK',
  localSize: 'TSMPI_LOCAL_SIZE',
  host: 'TSMPI_HOST',
  jobId: 'TSMPI_JOB_ID',
  jobDir: 'TSMPI_JOB_DIR',
  tcpAddress: 'TSMPI_TCP_ADDRESS',
  lifelineFd: 'TSMPI_LIFELINE_FD',
  stderrTty: 'TSMPI_STDERR_TTY',
  curvePublic: 'TSMPI_CURVE_PUBLIC',
  curveSecret: 'TSMPI_CURVE_SECRET',
  rendezvous: 'TSMPI_RENDEZVOUS',
  rendezvousTimeout: 'TSMPI_RENDEZVOUS_TIMEOUT',
  jobKey: 'TSMPI_JOB_KEY',
  secret: 'TSMPI_SECRET',
  secretFile: 'TSMPI_SECRET_FILE',
  foreign: 'TSMPI_FOREIGN',
  watchPeers: 'TSMPI_WATCH_PEERS',
  eagerLimit: 'TSMPI_EAGER_LIMIT',
  shm: 'TSMPI_SHM',
  shmThreshold: 'TSMPI_SHM_THRESHOLD',
  trace: 'TSMPI_TRACE',
  traceLimit: 'TSMPI_TRACE_LIMIT',
  /** Read by tsmpirun only: `off` starts ranks on this host even inside a Slurm allocation. */
  srun: 'TSMPI_SRUN',
} as const;

/**
 * A fresh CURVE key pair for a job tsmpirun starts across hosts (handed to its ranks in
 * {@link ENV.curvePublic}/{@link ENV.curveSecret}): derived as for a foreign-launched job
 * (job-keys.ts) from 32 random bytes and the job id. node:crypto and the derivation are
 * loaded only when a job needs keys.
 */
export async function newJobCurve(jobId: string): Promise<{ publicKey: string; secretKey: string }> {
  const [{ randomBytes }, { deriveJobKeys }] = await Promise.all([import('node:crypto'), import('./job-keys.js')]);
  return deriveJobKeys(randomBytes(32), jobId).curve;
}

/**
 * The non-negative integer in variable `name` of `env`, or undefined when it is unset or
 * empty. @throws ERR_INIT naming the variable and its text for anything else
 */
export function intFromEnv(name: string, env: Readonly<Record<string, string | undefined>> = process.env): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new MpiError('ERR_INIT', `init: ${name}=${JSON.stringify(text)} is not a non-negative integer`);
  return value;
}

/** Prefix of the variables that force a collective's algorithm. */
export const COLL_ENV_PREFIX = 'TSMPI_COLL_';

/** The variable that makes every collective linear (`TSMPI_COLL=linear`). */
export const COLL_MODE_ENV = 'TSMPI_COLL';

/** The `TSMPI_COLL` and `TSMPI_COLL_*` entries of `env`: what tsmpirun forwards to every rank. */
export function collectiveEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if ((name === COLL_MODE_ENV || name.startsWith(COLL_ENV_PREFIX)) && value !== undefined) out[name] = value;
  }
  return out;
}

/** The TSMPI_SHM and TSMPI_SHM_THRESHOLD entries of `env`: tsmpirun forwards them to every rank, on every host. */
export function transportEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [ENV.shm, ENV.shmThreshold]) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Whether TSMPI_SHM allows passing payloads through files in RAM: unset, empty or `on`
 * allow it, `off` forbids it. @throws ERR_INIT for any other value
 */
export function sharedFilesAllowed(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const text = env[ENV.shm];
  if (text === undefined || text === '' || text === 'on') return true;
  if (text === 'off') return false;
  throw new MpiError('ERR_INIT', `init: ${ENV.shm}=${JSON.stringify(text)} is neither on nor off`);
}

/** Largest part of a trace record sent in one lifeline message. */
export const TRACE_PART_CHARS = 32 * 1024;

/** The file descriptor the launcher gives the lifeline. */
export const LIFELINE_FD = 3;

/** How a rank can be reached (announced in `hello`, handed out in `table`): the transport's address. */
export type { RankAddress };

/** Lifeline messages from a rank to the launcher. */
export type ToLauncher =
  | { readonly kind: 'hello'; readonly rank: number; readonly address: RankAddress }
  | { readonly kind: 'abort'; readonly rank: number; readonly code: number; readonly reason: string }
  | { readonly kind: 'error'; readonly rank: number; readonly message: string }
  | { readonly kind: 'report'; readonly rank: number; readonly waiting: readonly string[] }
  /** The rank's program is done; `sent` lists [world rank, data messages sent to it]. */
  | { readonly kind: 'finished'; readonly rank: number; readonly sent: readonly (readonly [number, number])[] }
  /** Every message sent to the rank has arrived; `unreceived` are those its program never received. */
  | { readonly kind: 'drained'; readonly rank: number; readonly unreceived: readonly UnreceivedFrom[] }
  /** Part of the rank's trace record (JSON text, cut into parts; `last` on the final one); answered by `trace-ack`. */
  | { readonly kind: 'trace'; readonly rank: number; readonly data: string; readonly last: boolean }
  /** The deadlock check: the rank's {@link WaitState} when it changed, or (with `epoch`) in answer to `confirm`. */
  | { readonly kind: 'state'; readonly rank: number; readonly state: WaitState; readonly epoch?: number };

/**
 * What a rank tells the launcher's deadlock check (launcher/deadlock.ts), taken at one
 * instant. `blocked`: the rank waits in at least one tsmpi operation and nothing else
 * (no timer, no file or network request, no child process, no stdin read) can run any of
 * its code, so only a message can wake it; or its program is done (`finished`).
 * `sent`/`arrived`: messages of every kind handed to the transport for / arrived from each
 * world rank, as [world rank, count] pairs (a message sent but not yet arrived is on its way).
 */
export interface WaitState {
  readonly blocked: boolean;
  readonly finished: boolean;
  /** What it waits in (`recv(source=1, tag=0)`, `bcast(root 0)`) and the world ranks that could complete each. */
  readonly waits: readonly { readonly label: string; readonly peers: readonly number[] }[];
  readonly sent: readonly (readonly [number, number])[];
  readonly arrived: readonly (readonly [number, number])[];
}

/** Messages from one sender that a rank never received (in the `drained` message). */
export interface UnreceivedFrom {
  /** World rank of the sender. */
  readonly origin: number;
  /** Tags of its point-to-point messages, in arrival order (at most {@link UNRECEIVED_TAGS_SHOWN}). */
  readonly tags: readonly number[];
  /** Number of its point-to-point messages (may exceed `tags.length`). */
  readonly count: number;
  /** Number of messages of collectives this rank never completed. */
  readonly collective: number;
}

/** How many tags a `drained` message lists per sender. */
export const UNRECEIVED_TAGS_SHOWN = 10;

/** Lifeline messages from the launcher to a rank. */
export type ToRank =
  /** The address of every rank; `deadlockCheck`: send `state` messages (off with --no-deadlock-check). */
  | { readonly kind: 'table'; readonly peers: readonly RankAddress[]; readonly deadlockCheck?: boolean }
  | { readonly kind: 'report' }
  /** The deadlock check found every rank blocked: answer with a fresh `state` carrying `epoch`. */
  | { readonly kind: 'confirm'; readonly epoch: number }
  /** Every rank has finished: read until `expect` ([world rank, messages it sent here]) have arrived. */
  | { readonly kind: 'drain'; readonly expect: readonly (readonly [number, number])[] }
  /** Every rank has drained: close without lingering and exit. */
  | { readonly kind: 'exit' }
  /** The launcher has read a `trace` part: the rank may send the next. */
  | { readonly kind: 'trace-ack' };

/**
 * The exit status of a job (and of the aborting process) for `Abort(code)`: the code's
 * low 8 bits, as a process exit status holds, but never 0 for a non-zero code (256, 1e10
 * would otherwise read as success): `code & 255 || 1`. `Abort(0)` still stops every rank
 * and exits 0, as MPI_Abort hands its error code to the environment unchanged (a search
 * that found its answer may stop the job early and succeed). Not an integer: 1.
 */
export function abortExitCode(code: number): number {
  if (!Number.isInteger(code)) return 1;
  if (code === 0) return 0;
  return code & 255 || 1;
}
