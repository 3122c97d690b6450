/**
 * The rank's side of tsmpirun's deadlock check (the protocol is in env.ts, the decision in
 * launcher/deadlock.ts): every {@link CHECK_INTERVAL_MS} the rank looks whether it is
 * blocked — it waits in at least one tsmpi operation and its event loop holds nothing
 * else that could run its code — and tells the launcher when that changes, with what it
 * waits in and how many messages it has sent to and received from each rank.
 *
 * What "nothing else" means: `process.getActiveResourcesInfo()` lists every timer,
 * request (file system, DNS...) and handle (sockets, child processes, stdin being read,
 * workers) that keeps the event loop alive; the runtime's own are left out — its
 * sockets are ZeroMQ's (not Node handles), its lifeline and this check's timer are
 * unref'd, and the handles of `process.stdout`/`process.stderr`, which never wait for
 * anything (writes to pipes and terminals are synchronous on Linux), are the baseline.
 * Anything beyond the baseline means the program may still act by itself: not blocked.
 * A wake-up source Node does not list (a native addon's own socket, e.g. the program
 * using ZeroMQ directly) is invisible here: such programs run with --no-deadlock-check.
 */
import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { Engine } from '../comm/engine.js';
import type { WaitState } from './env.js';
import type { Lifeline } from './lifeline.js';

/** How often a rank looks whether it is blocked (the launcher hears of a deadlock within about two of these). */
export const CHECK_INTERVAL_MS = 100;

/** The resource type Node lists for the handle of stdio stream `fd`, or null when it has none (a file). */
function stdioType(fd: number): string | null {
  if (isatty(fd)) return 'TTYWrap';
  try {
    const stat = fstatSync(fd);
    if (stat.isFIFO() || stat.isSocket()) return 'PipeWrap';
  } catch {
    // not open: no handle
  }
  return null;
}

/**
 * The resources the runtime itself accounts for, by type: the handles of `process.stdout`
 * and `process.stderr` (created here, as the program's first `console.log` would).
 */
export function stdioBaseline(): ReadonlyMap<string, number> {
  void process.stdout;
  void process.stderr;
  const baseline = new Map<string, number>();
  for (const fd of [1, 2]) {
    const type = stdioType(fd);
    if (type !== null) baseline.set(type, (baseline.get(type) ?? 0) + 1);
  }
  return baseline;
}

/**
 * True when `active` (resource types, as `process.getActiveResourcesInfo()` lists them)
 * holds nothing beyond `baseline`: no timer, request or handle of the program's own.
 */
export function loopIdle(baseline: ReadonlyMap<string, number>, active: readonly string[] = process.getActiveResourcesInfo()): boolean {
  const left = new Map(baseline);
  for (const type of active) {
    const room = left.get(type) ?? 0;
    if (room === 0) return false;
    left.set(type, room - 1);
  }
  return true;
}

/** Sends the rank's {@link WaitState} to the launcher when it changes, and on the launcher's `confirm`. */
export class BlockedReporter {
  private readonly baseline = stdioBaseline();
  private readonly timer: NodeJS.Timeout;
  private readonly off: () => void;
  private lastSent: string | null = null;
  private lastBlocked = false;

  constructor(
    private readonly engine: Engine,
    private readonly lifeline: Lifeline,
    private readonly rank: number,
  ) {
    // Unref'd: the check never keeps a rank alive, and is not in the resources it looks at.
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS).unref();
    this.off = lifeline.on((message) => {
      if (message.kind === 'confirm') lifeline.send({ kind: 'state', rank, state: this.state(), epoch: message.epoch });
    });
  }

  /** The rank's state at this instant. */
  state(): WaitState {
    const finished = this.engine.isFinished;
    const waits = finished ? [] : this.engine.waits();
    const blocked = finished || (waits.length > 0 && loopIdle(this.baseline));
    return { blocked, finished, waits, ...this.engine.wireCounts() };
  }

  /** Look now; tell the launcher if the rank became blocked, stopped being blocked, or its counts changed while blocked. */
  check(): void {
    const state = this.state();
    if (!state.blocked && !this.lastBlocked) return;
    const text = JSON.stringify(state);
    if (text === this.lastSent) return;
    this.lastSent = text;
    this.lastBlocked = state.blocked;
    this.lifeline.send({ kind: 'state', rank: this.rank, state });
  }

  /** Stop looking. Repeatable. */
  stop(): void {
    clearInterval(this.timer);
    this.off();
  }
}
