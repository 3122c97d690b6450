/**
 * The deadlock check of tsmpirun: the job is deadlocked when every rank still running is
 * blocked in a tsmpi wait (src/runtime/blocked.ts says what blocked means) and no message
 * is on its way that could wake any of them.
 *
 * How it decides, from the ranks' latest `state` reports (src/runtime/env.ts). Each report
 * is one instant of one rank: blocked or not, what it waits in, and how many messages of
 * every kind it has handed to the transport for each rank and received from each rank.
 * When for every pair of ranks the messages `i` reported sent to `j` equal those `j`
 * reported arrived from `i`, the reports form a consistent cut: messages between two
 * ranks arrive in the order they were sent, so `j` has received exactly what `i` had sent
 * at its instant — nothing is in flight between them, and no report counts a message its
 * sender had not sent yet (a report older than a rank's later sends shows fewer sent than
 * arrived, and is not consistent). In that cut every running rank waits and only a
 * message can wake it, and none is on its way; so none will ever be sent: a deadlock,
 * whatever the ranks' reports' ages. A rank computing, sleeping or reading never reports
 * itself blocked, so it can never be part of one. Before declaring it, the launcher asks
 * every rank for a fresh report (`confirm`, with an epoch number) and requires the
 * answers to be the very same states.
 *
 * Ranks whose program is done (finalize) count as blocked for good; they are named when
 * a running rank waits for one. A rank that exited without finalizing (process.exit)
 * sends nothing more; only what it reported sending must have arrived.
 */
import type { WaitState } from '../src/runtime/env.js';

/** tsmpirun's exit code for a job it stopped because it deadlocked (124 is --timeout). */
export const DEADLOCK_EXIT_CODE = 125;

/** Where a rank is, as the job knows it: running its program, done (finalize), or exited. */
export type RankStatus = 'running' | 'finished' | 'exited';

/** One rank, for {@link findDeadlock}. */
export interface RankView {
  readonly rank: number;
  readonly status: RankStatus;
  /** Its latest report, if it sent one. */
  readonly state: WaitState | undefined;
}

/** What {@link findDeadlock} found, in the program's terms. */
export interface Deadlock {
  /**
   * `rank 0 waits in ssend(dest=1, tag=0) for rank 1; rank 1 waits in ssend(dest=0, tag=0) for rank 0`,
   * along the wait-for cycle when there is one.
   */
  readonly cycle: string;
  /** Which ranks are in which call, when some share one: `ranks 0,1 in bcast(root 0); rank 2 in recv(source=0, tag=0)`; else null. */
  readonly calls: string | null;
}

function count(pairs: readonly (readonly [number, number])[], rank: number): number {
  for (const [peer, n] of pairs) if (peer === rank) return n;
  return 0;
}

/** True when no message is on its way between ranks that reported (see the module comment). */
function nothingInFlight(views: readonly RankView[]): boolean {
  for (const sender of views) {
    const sent = sender.state?.sent ?? [];
    for (const receiver of views) {
      if (receiver.status === 'exited') continue;
      const arrived = count(receiver.state?.arrived ?? [], sender.rank);
      const expected = count(sent, receiver.rank);
      // An exited rank may have sent more after its last report: at least what it reported must be here.
      if (sender.status === 'exited' ? arrived < expected : arrived !== expected) return false;
    }
  }
  return true;
}

/**
 * The deadlock the ranks' reports show, or null. Pure: the launcher calls it on every
 * report; the unit tests call it on made-up ones.
 */
export function findDeadlock(views: readonly RankView[]): Deadlock | null {
  const running = views.filter((view) => view.status === 'running');
  if (running.length === 0) return null;
  if (!running.every((view) => view.state?.blocked === true && !view.state.finished && view.state.waits.length > 0)) return null;
  if (!views.every((view) => view.status !== 'finished' || view.state?.finished === true)) return null;
  if (!nothingInFlight(views)) return null;
  return describe(views, running);
}

function describe(views: readonly RankView[], running: readonly RankView[]): Deadlock {
  const status = new Map(views.map((view) => [view.rank, view.status]));
  const size = views.length;
  const waitsOf = (view: RankView): WaitState['waits'] => view.state?.waits ?? [];
  const who = (peers: readonly number[]): string => {
    if (peers.length === 0) return 'a rank of a freed communicator';
    if (peers.length === 1) {
      const peer = peers[0] as number;
      const note = status.get(peer) === 'finished' ? ', which has finished' : status.get(peer) === 'exited' ? ', which has exited' : '';
      return `rank ${peer}${note}`;
    }
    return peers.length === size ? 'any rank' : `any of ranks ${peers.join(',')}`;
  };
  const line = (view: RankView): string =>
    `rank ${view.rank} waits in ${waitsOf(view)
      .map((wait) => `${wait.label} for ${who(wait.peers)}`)
      .join(' and in ')}`;
  const order = cycleFirst(running, waitsOf);
  const cycle = order.map(line).join('; ');
  // Which ranks share which call(s): worth a line only when some ranks share one.
  const groups = new Map<string, number[]>();
  for (const view of running) {
    const calls = waitsOf(view)
      .map((wait) => wait.label)
      .join(' and ');
    groups.set(calls, [...(groups.get(calls) ?? []), view.rank]);
  }
  const shared = [...groups.values()].some((ranks) => ranks.length > 1);
  const calls = shared
    ? [...groups].map(([call, ranks]) => `${ranks.length === 1 ? 'rank' : 'ranks'} ${ranks.join(',')} in ${call}`).join('; ')
    : null;
  return { cycle, calls };
}

/**
 * The running ranks, those on a wait-for cycle first (in the cycle's order, from its
 * lowest rank: each waits for the next), then the others in rank order.
 */
function cycleFirst(running: readonly RankView[], waitsOf: (view: RankView) => WaitState['waits']): RankView[] {
  const byRank = new Map(running.map((view) => [view.rank, view]));
  // Follow each rank's first wait to the lowest running rank it waits for.
  const next = (view: RankView): RankView | undefined => {
    for (const wait of waitsOf(view)) {
      const peer = wait.peers.find((rank) => rank !== view.rank && byRank.has(rank));
      if (peer !== undefined) return byRank.get(peer);
    }
    return undefined;
  };
  for (const start of running) {
    const path: RankView[] = [];
    let at: RankView | undefined = start;
    while (at !== undefined && !path.includes(at)) {
      path.push(at);
      at = next(at);
    }
    if (at === undefined) continue;
    const loop = path.slice(path.indexOf(at));
    const lowest = loop.reduce((low, view) => (view.rank < low.rank ? view : low));
    const from = loop.indexOf(lowest);
    const ordered = [...loop.slice(from), ...loop.slice(0, from)];
    return [...ordered, ...running.filter((view) => !ordered.includes(view))];
  }
  return [...running];
}

/** What {@link DeadlockWatch} needs from the job. */
export interface WatchHooks {
  /** Every rank's status now. */
  readonly statuses: () => readonly { readonly rank: number; readonly status: RankStatus }[];
  /** Ask `rank` for a fresh report carrying `epoch`. */
  readonly confirm: (rank: number, epoch: number) => void;
  /** The deadlock is confirmed. */
  readonly found: (deadlock: Deadlock) => void;
}

/**
 * Keeps the ranks' latest reports and runs {@link findDeadlock} on each; a deadlock found
 * is confirmed by a second round (every rank not exited answers `confirm` with a fresh
 * report, which must equal the one the deadlock was found in) before `found` is called.
 */
export class DeadlockWatch {
  private readonly states = new Map<number, WaitState>();
  private epoch = 0;
  private confirming: { readonly epoch: number; readonly candidate: Map<number, string>; readonly answers: Map<number, WaitState> } | null =
    null;
  private done = false;

  constructor(private readonly hooks: WatchHooks) {}

  /** A rank's report (`epoch` when it answers a `confirm`). */
  report(rank: number, state: WaitState, epoch?: number): void {
    this.states.set(rank, state);
    if (epoch !== undefined && epoch === this.confirming?.epoch) this.confirming.answers.set(rank, state);
    this.evaluate();
  }

  /** A rank finished or exited. */
  changed(): void {
    this.evaluate();
  }

  private evaluate(): void {
    if (this.done) return;
    const views = this.hooks.statuses().map(({ rank, status }) => ({ rank, status, state: this.states.get(rank) }));
    const confirming = this.confirming;
    if (confirming !== null) {
      const asked = views.filter((view) => view.status !== 'exited');
      if (!asked.every((view) => confirming.answers.has(view.rank))) return;
      this.confirming = null;
      const same = asked.every((view) => confirming.candidate.get(view.rank) === JSON.stringify(confirming.answers.get(view.rank)));
      const found = same ? findDeadlock(views) : null;
      if (found !== null) {
        this.done = true;
        this.hooks.found(found);
        return;
      }
    }
    if (findDeadlock(views) === null) return;
    const epoch = ++this.epoch;
    const asked = views.filter((view) => view.status !== 'exited');
    this.confirming = { epoch, candidate: new Map(asked.map((view) => [view.rank, JSON.stringify(view.state)])), answers: new Map() };
    for (const view of asked) this.hooks.confirm(view.rank, epoch);
  }
}
