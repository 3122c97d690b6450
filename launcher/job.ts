/**
 * The job supervisor: starting → running → terminating → done.
 *
 * It starts every host's ranks through a Spawner, completes wire-up (collects each
 * rank's address from its `hello` and hands the whole table to every rank), forwards
 * output, and watches exits. The first rank to fail (non-zero exit, signal, abort,
 * unreachable host) ends the job: the others get SIGTERM, then SIGKILL after a grace
 * period. Why the job ended is a {@link JobCause} (job-end.ts: its exit code — the
 * failed rank's, 128 + signal number when it was killed by a signal — and its message).
 * Clocks and spawners are injected so unit tests need no real processes.
 */
import type { RankAddress, ToLauncher, UnreceivedFrom } from '../src/runtime/env.js';
import { realClock, type Clock } from './clock.js';
import { DeadlockWatch, type Deadlock, type RankStatus } from './deadlock.js';
import { describeCause, exitCodeOf, type JobCause, type RankPlace } from './job-end.js';
import type { OutputForwarder } from './output.js';
import { KILL_GRACE_MS, type HostHandle, type HostLaunch, type Spawner } from './spawners/spawner.js';

export type JobState = 'starting' | 'running' | 'terminating' | 'done';

export interface JobOptions {
  readonly size: number;
  readonly hosts: readonly HostLaunch[];
  readonly spawnerFor: (host: string) => Spawner;
  readonly output: OutputForwarder;
  /** One line of launcher diagnostics (without the trailing newline). */
  readonly log: (line: string) => void;
  /** Default: the process's {@link realClock}. */
  readonly clock?: Clock;
  /** Time between SIGTERM and SIGKILL when stopping ranks; default {@link KILL_GRACE_MS}. */
  readonly graceMs?: number;
  /** End the job after this many seconds (--timeout). */
  readonly timeoutSeconds?: number;
  /** Takes each part of a rank's trace record (--trace); parts are acknowledged once taken. */
  readonly onTrace?: (rank: number, data: string, last: boolean) => void;
  /** Stop a deadlocked job at once (launcher/deadlock.ts); default true (--no-deadlock-check: false). */
  readonly deadlockCheck?: boolean;
}

export interface JobResult {
  /** tsmpirun's exit code: 0, or {@link exitCodeOf} the cause. */
  readonly exitCode: number;
  /** Why the job ended early, if it did (logged as {@link describeCause} renders it). */
  readonly cause?: JobCause;
}

interface RankState {
  readonly host: string;
  pid: number | undefined;
  address: RankAddress | undefined;
  exited: boolean;
  /** What the rank said about its own failure (abort, uncaught error), if anything. */
  reportedError: string | undefined;
  abortCode: number | undefined;
  /** Its program is done: [world rank, data messages sent to it] (see the end protocol in env.ts). */
  finished: readonly (readonly [number, number])[] | undefined;
  /** Every message sent to it has arrived. */
  drained: boolean;
}

const REPORT_WAIT_MS = 2000;
/** The longest delay setTimeout accepts. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ended with 3 unreceived messages from rank 0, tags 77 78 79` (one sender's part of a `drained` message). */
export function describeUnreceived(from: UnreceivedFrom): string {
  const parts: string[] = [];
  if (from.count > 0) {
    const more = from.count > from.tags.length ? ' ...' : '';
    parts.push(
      `${from.count} unreceived message${from.count === 1 ? '' : 's'} from rank ${from.origin}, tag${from.tags.length === 1 ? '' : 's'} ${from.tags.join(' ')}${more}`,
    );
  }
  if (from.collective > 0)
    parts.push(`${from.collective} message${from.collective === 1 ? '' : 's'} from rank ${from.origin} of a collective it never completed`);
  return `ended with ${parts.join(', and ')}`;
}

/** Where a rank runs, for a {@link JobCause}. */
function place(rank: number, state: RankState): RankPlace {
  return { rank, pid: state.pid, host: state.host };
}

/**
 * Why rank `rank` failed: its Abort, an error it (or its spawner) reported, else its signal or code.
 * `stopped`: the other ranks still running.
 */
function failedRank(rank: number, state: RankState, code: number | null, signal: NodeJS.Signals | null, stopped: number): JobCause {
  const where = place(rank, state);
  if (state.abortCode !== undefined) return { kind: 'abort', place: where, code: state.abortCode, stopped };
  if (state.reportedError !== undefined) return { kind: 'error', place: where, message: state.reportedError, code, signal, stopped };
  if (signal !== null) return { kind: 'signal', place: where, signal, stopped };
  return { kind: 'exit', place: where, code: code ?? 1, stopped };
}

/** A rank's status for the deadlock check. */
function rankStatus(state: RankState): RankStatus {
  if (state.exited) return 'exited';
  return state.finished === undefined ? 'running' : 'finished';
}

export class Job {
  private state: JobState = 'starting';
  private readonly ranks = new Map<number, RankState>();
  private readonly handles = new Map<string, HostHandle>();
  private readonly clock: Clock;
  private readonly pendingTimers = new Set<unknown>();
  private hellos = 0;
  private live = 0;
  private result: JobResult | null = null;
  private finish: (result: JobResult) => void = () => {};
  private reports: Map<number, readonly string[]> | null = null;
  private draining = false;
  private exiting = false;
  private readonly deadlocks: DeadlockWatch | null;

  constructor(private readonly options: JobOptions) {
    this.clock = options.clock ?? realClock;
    this.deadlocks =
      options.deadlockCheck === false
        ? null
        : new DeadlockWatch({
            statuses: () => [...this.ranks].map(([rank, state]) => ({ rank, status: rankStatus(state) })),
            confirm: (rank, epoch) => this.handles.get(this.ranks.get(rank)?.host ?? '')?.control(rank, { kind: 'confirm', epoch }),
            found: (deadlock) => this.deadlocked(deadlock),
          });
  }

  get currentState(): JobState {
    return this.state;
  }

  /** Pids of ranks that have started and not exited (for cleanup checks). */
  livePids(): number[] {
    return [...this.ranks.values()].filter((rank) => !rank.exited && rank.pid !== undefined).map((rank) => rank.pid as number);
  }

  /** Start every rank; resolves when all have exited. */
  run(): Promise<JobResult> {
    const done = new Promise<JobResult>((resolve) => (this.finish = resolve));
    for (const host of this.options.hosts) {
      for (const { rank } of host.ranks) {
        this.ranks.set(rank, {
          host: host.host,
          pid: undefined,
          address: undefined,
          exited: false,
          reportedError: undefined,
          abortCode: undefined,
          finished: undefined,
          drained: false,
        });
        this.live++;
      }
    }
    for (const host of this.options.hosts) {
      if (this.stopping()) {
        // A launch failed: the ranks of the hosts not started yet will never run.
        for (const { rank } of host.ranks) this.neverStarted(rank);
        continue;
      }
      const handle = this.options.spawnerFor(host.host).launch(host, {
        started: (rank, pid) => this.started(rank, pid),
        output: (rank, stream, chunk, done) => this.options.output.write(rank, stream, chunk, done),
        control: (rank, message) => this.control(rank, message),
        exited: (rank, code, signal) => this.exited(rank, code, signal),
        hostFailed: (name, error) => this.hostFailed(name, error),
      });
      this.handles.set(host.host, handle);
      // A failure reported while launching (before this handle was known) stops what did start.
      if (this.stopping()) handle.kill('SIGTERM');
    }
    if (this.options.timeoutSeconds !== undefined) {
      this.timer(() => this.timedOut(), this.options.timeoutSeconds * 1000);
    }
    if (this.live === 0) this.done();
    return done;
  }

  /** Stop the job from outside (Ctrl-C, SIGTERM to the launcher). */
  interrupt(signal: NodeJS.Signals): void {
    if (this.state === 'done') return;
    this.terminate({ kind: 'interrupted', signal });
  }

  /** Forward stdin to rank 0; `done` runs once rank 0 can take more (or is gone). */
  stdin(chunk: Buffer | null, done: () => void = () => {}): void {
    const handle = this.handles.get(this.ranks.get(0)?.host ?? '');
    if (handle === undefined) done();
    else handle.writeStdin(0, chunk, done);
  }

  private started(rank: number, pid: number | undefined): void {
    const state = this.ranks.get(rank);
    if (state !== undefined) state.pid = pid;
    if (this.state === 'terminating') this.handles.get(state?.host ?? '')?.kill('SIGTERM');
  }

  private control(rank: number, message: ToLauncher): void {
    const state = this.ranks.get(rank);
    if (state === undefined) return;
    switch (message.kind) {
      case 'hello':
        if (state.address === undefined) {
          state.address = message.address;
          this.hellos++;
        }
        if (this.hellos === this.options.size && this.state === 'starting') this.handOutTable();
        return;
      case 'abort':
        // Abort stops the job whatever the code, even 0 (the rank may then exit 0).
        state.abortCode = message.code;
        state.reportedError = message.reason;
        if (this.state !== 'terminating' && this.state !== 'done') {
          const stopped = this.runningRanks().filter((other) => other !== rank).length;
          this.terminate({ kind: 'abort', place: place(rank, state), code: message.code, stopped });
        }
        return;
      case 'error':
        state.reportedError = message.message;
        return;
      case 'report':
        this.reports?.set(rank, message.waiting);
        if (this.reports !== null && this.reports.size >= this.runningRanks().length) this.printReports();
        return;
      case 'finished':
        state.finished = message.sent;
        this.maybeDrain();
        if (this.state === 'running') this.deadlocks?.changed();
        return;
      case 'state':
        if (this.state === 'running') this.deadlocks?.report(rank, message.state, message.epoch);
        return;
      case 'trace':
        this.options.onTrace?.(rank, message.data, message.last);
        this.handles.get(state.host)?.control(rank, { kind: 'trace-ack' });
        return;
      case 'drained':
        state.drained = true;
        for (const from of message.unreceived) this.options.log(`tsmpirun: rank ${rank} ${describeUnreceived(from)}`);
        this.maybeExit();
        return;
      default: {
        const unexpected: never = message;
        this.options.log(`tsmpirun: ignoring an unknown message from rank ${rank}: ${JSON.stringify(unexpected)}`);
      }
    }
  }

  private handOutTable(): void {
    this.state = 'running';
    const peers: RankAddress[] = [];
    for (let rank = 0; rank < this.options.size; rank++) {
      const address = this.ranks.get(rank)?.address;
      if (address === undefined) return;
      peers.push(address);
    }
    for (const [rank, state] of this.ranks)
      this.handles.get(state.host)?.control(rank, { kind: 'table', peers, deadlockCheck: this.deadlocks !== null });
  }

  private exited(rank: number, code: number | null, signal: NodeJS.Signals | null): void {
    const state = this.ranks.get(rank);
    if (state === undefined || state.exited) return;
    state.exited = true;
    this.live--;
    this.options.output.flush(rank);
    const failed = signal !== null || (code !== null && code !== 0);
    if (failed && this.state !== 'terminating') this.terminate(failedRank(rank, state, code, signal, this.live));
    else if (!failed && this.state === 'starting' && state.address === undefined) {
      // A rank that ends without ever calling init() is fine, but the others must not wait for its hello.
      this.hellos++;
      state.address = { host: state.host };
      if (this.hellos === this.options.size) this.handOutTable();
    }
    if (!failed) {
      this.maybeDrain();
      this.maybeExit();
      if (this.state === 'running') this.deadlocks?.changed();
    }
    if (this.live === 0) this.done();
  }

  /** The job is being stopped (a method: the state changes inside spawner callbacks). */
  private stopping(): boolean {
    return this.state === 'terminating';
  }

  /** A rank that will not run (or report) any more, without an exit of its own. */
  private neverStarted(rank: number): void {
    const state = this.ranks.get(rank);
    if (state === undefined || state.exited) return;
    state.exited = true;
    this.live--;
  }

  /** Every rank has finished (or exited): tell each one how many messages to wait for. */
  private maybeDrain(): void {
    if (this.state !== 'running' || this.draining) return;
    const ranks = [...this.ranks.values()];
    if (!ranks.every((state) => state.exited || state.finished !== undefined)) return;
    this.draining = true;
    const expect = new Map<number, [number, number][]>();
    for (const [origin, state] of this.ranks) {
      for (const [dest, count] of state.finished ?? []) {
        let list = expect.get(dest);
        if (list === undefined) expect.set(dest, (list = []));
        list.push([origin, count]);
      }
    }
    for (const [rank, state] of this.ranks) {
      if (!state.exited) this.handles.get(state.host)?.control(rank, { kind: 'drain', expect: expect.get(rank) ?? [] });
    }
  }

  /** Every rank has drained: every message has arrived, so they may close without lingering. */
  private maybeExit(): void {
    if (this.state !== 'running' || !this.draining || this.exiting) return;
    if (![...this.ranks.values()].every((state) => state.exited || state.drained)) return;
    this.exiting = true;
    for (const [rank, state] of this.ranks) if (!state.exited) this.handles.get(state.host)?.control(rank, { kind: 'exit' });
  }

  private hostFailed(host: string, error: Error): void {
    const lost = [...this.ranks.entries()].filter(([, state]) => state.host === host && !state.exited);
    for (const [rank] of lost) {
      this.neverStarted(rank);
      this.options.output.flush(rank);
    }
    if (this.state !== 'terminating') {
      this.terminate({ kind: 'host-lost', host, reason: error.message });
    }
    if (this.live === 0) this.done();
  }

  private timedOut(): void {
    if (this.state === 'done' || this.state === 'terminating') return;
    this.options.log(`tsmpirun: the job exceeded --timeout ${this.options.timeoutSeconds} s; asking each rank where it is waiting`);
    this.reports = new Map();
    for (const rank of this.runningRanks()) this.handles.get(this.ranks.get(rank)?.host ?? '')?.control(rank, { kind: 'report' });
    this.timer(() => this.printReports(), REPORT_WAIT_MS);
  }

  private printReports(): void {
    const reports = this.reports;
    if (reports === null) return;
    this.reports = null;
    for (const rank of this.runningRanks()) {
      const waiting = reports.get(rank);
      const state = this.ranks.get(rank);
      const where = `rank ${rank} (pid ${state?.pid ?? '?'} on ${state?.host ?? '?'})`;
      if (state?.finished !== undefined) this.options.log(`${where}: finished, waiting to exit (for the other ranks to finish)`);
      else if (waiting === undefined) this.options.log(`${where}: did not answer (busy computing, or not yet in init)`);
      else if (waiting.length === 0) this.options.log(`${where}: not waiting in any tsmpi operation`);
      else for (const line of waiting) this.options.log(`${where}: waiting in ${line}`);
    }
    this.terminate({ kind: 'timeout', seconds: this.options.timeoutSeconds ?? 0 });
  }

  /** Every running rank waits for a message no rank will send: stop the job, naming the waits. */
  private deadlocked(deadlock: Deadlock): void {
    if (this.state !== 'running') return;
    this.terminate({ kind: 'deadlock', cycle: deadlock.cycle, calls: deadlock.calls });
  }

  private runningRanks(): number[] {
    return [...this.ranks.entries()].filter(([, state]) => !state.exited).map(([rank]) => rank);
  }

  private terminate(cause: JobCause): void {
    if (this.state === 'terminating' || this.state === 'done') return;
    this.state = 'terminating';
    this.result = { exitCode: exitCodeOf(cause), cause };
    for (const line of describeCause(cause)) this.options.log(line);
    this.killAll('SIGTERM');
    this.timer(() => this.killAll('SIGKILL'), this.options.graceMs ?? KILL_GRACE_MS);
    if (this.live === 0) this.done();
  }

  private killAll(signal: NodeJS.Signals): void {
    for (const handle of this.handles.values()) handle.kill(signal);
  }

  private timer(callback: () => void, ms: number): void {
    // setTimeout takes at most 2^31 - 1 ms (24.8 days); a longer delay (--timeout 2147484)
    // would fire at once. Wait in steps instead.
    if (ms > MAX_TIMER_MS) return this.timer(() => this.timer(callback, ms - MAX_TIMER_MS), MAX_TIMER_MS);
    const handle = this.clock.set(() => {
      this.pendingTimers.delete(handle);
      callback();
    }, ms);
    this.pendingTimers.add(handle);
  }

  private done(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    // Every rank has exited: whatever they left running in their process groups goes too.
    this.killAll('SIGKILL');
    for (const handle of this.pendingTimers) this.clock.clear(handle);
    this.pendingTimers.clear();
    this.finish(this.result ?? { exitCode: 0 });
  }
}
