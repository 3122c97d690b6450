/**
 * One interface, several ways to start a host's ranks: `local` (child_process on
 * this host) and `ssh` (one agent per remote host that starts that host's ranks
 * and forwards their output and exits). The job supervisor only sees this interface.
 */

import type { ToLauncher, ToRank } from '../../src/runtime/env.js';

/** Time between SIGTERM and SIGKILL when tsmpirun stops ranks (they may flush output, leave files tidy). */
export const KILL_GRACE_MS = 3000;

/**
 * The same grace inside a launch agent, a second shorter: the agent escalates to SIGKILL
 * and reports its ranks' ends before tsmpirun's own grace runs out (else tsmpirun would
 * kill the agent first and its ranks would be orphaned on their host).
 */
export const AGENT_KILL_GRACE_MS = KILL_GRACE_MS - 1000;

/** What one rank needs to start. `env` is added to the launcher's environment. */
export interface RankLaunch {
  readonly rank: number;
  readonly env: Readonly<Record<string, string>>;
}

/** Everything needed to start the ranks that run on one host. */
export interface HostLaunch {
  readonly host: string;
  /** Program and its arguments, exactly as the user gave them (`node`, `prog.js`, ...). */
  readonly command: string;
  readonly args: readonly string[];
  /** Working directory of every rank on this host. */
  readonly cwd: string;
  /** Environment shared by all ranks of the job; secrets here must never reach a command line. */
  readonly env: Readonly<Record<string, string>>;
  readonly ranks: readonly RankLaunch[];
}

/** Events a spawner reports; all keyed by rank. */
export interface SpawnSink {
  started(rank: number, pid: number | undefined): void;
  /**
   * Output of a rank. `done` runs once the destination can take more: the spawner reads
   * no more of that source until then (backpressure; it may run at once).
   */
  output(rank: number, stream: 'stdout' | 'stderr', chunk: Buffer, done: () => void): void;
  /** A lifeline message from a rank (wire-up hello, abort, uncaught error, waiting report). */
  control(rank: number, message: ToLauncher): void;
  /** Exactly once per started rank. `code` null when killed by `signal`. */
  exited(rank: number, code: number | null, signal: NodeJS.Signals | null): void;
  /** The host could not be reached or its agent died: every rank on it that has not exited is lost. */
  hostFailed(host: string, error: Error): void;
}

/** Control over the ranks started on one host. */
export interface HostHandle {
  /** Send a signal to every still-running rank on the host (to its process group). */
  kill(signal: NodeJS.Signals): void;
  /**
   * Forward stdin bytes to a rank (only rank 0 gets stdin); `null` closes its stdin.
   * `done` runs once the rank can take more (or is gone): the caller sends nothing
   * more until then, so stdin nobody reads never piles up in memory.
   */
  writeStdin(rank: number, chunk: Buffer | null, done: () => void): void;
  /** Send a lifeline message to a rank. */
  control(rank: number, message: ToRank): void;
}

export interface Spawner {
  launch(spec: HostLaunch, sink: SpawnSink): HostHandle;
}
