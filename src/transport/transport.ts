/**
 * The Transport interface: moves frames between the ranks of one job. The matching
 * engine and everything above it see only this interface; the zeromq implementation
 * is the one importer of 'zeromq', and the loopback implementation serves in-process
 * jobs (singleton runs and fast tests).
 */

/**
 * Where a rank's inbox can be reached: what the zeromq transport binds and announces, and
 * what the launcher (or the foreign launchers' rendezvous) hands every rank in the table.
 */
export interface RankAddress {
  /** Host identity as the launcher knows it; ranks on equal hosts talk over ipc. */
  readonly host: string;
  /** `ipc://` endpoint, for ranks on the same host. */
  readonly ipc?: string;
  /** `tcp://` endpoint, for ranks on other hosts. */
  readonly tcp?: string;
}

import type { SharedFiles } from './shared-files.js';

/** Called once per incoming message with its frames (header first). Synchronous. */
export type FrameHandler = (frames: Uint8Array[]) => void;

/** Called once when the transport can no longer receive (a real failure, not a close). */
export type FailureHandler = (error: Error) => void;

export interface Transport {
  /** This process's rank in the world. */
  readonly rank: number;
  readonly size: number;
  /** Install the single consumer of incoming messages and of a receive failure. */
  setHandler(handler: FrameHandler, onFailure: FailureHandler): void;
  /**
   * Queue `frames` for `dest` (which may be this rank). Resolves once the frames are
   * handed to the transport's queue (not when delivered); never waits for the receiver
   * to read. Messages to one `dest` are delivered in the order they were sent.
   *
   * The frames' memory is NOT copied: the transport may read it at any time until the
   * message has reached `dest`, after this promise resolved, and says nothing when it is
   * done. The caller must not change it meanwhile; the engine's protocol decides when a
   * user's buffer is free (src/comm/engine.ts).
   */
  send(dest: number, frames: readonly Uint8Array[]): Promise<void>;
  /**
   * Declare interest in incoming messages. The transport reads from the network only
   * while somebody holds interest, so an idle rank keeps nothing alive and the process
   * exits when its program is done. Returns the function that releases the interest.
   */
  keepReceiving(): () => void;
  /**
   * The RAM-backed files this rank shares with `dest` (same host, job directory on tmpfs,
   * not turned off), through which the engine may pass large payloads; null otherwise.
   */
  sharedFiles?(dest: number): SharedFiles | null;
  /**
   * The host `rank` runs on, as the launcher named it in the table every rank holds, so
   * every rank gives the same answer for any rank; undefined when the transport has no
   * hosts (in-process: one host).
   */
  hostOf?(rank: number): string | undefined;
  /** Deliver every message that has already arrived, without waiting for more. */
  poll(): Promise<void>;
  /**
   * Close; queued outgoing messages are still delivered (up to the linger time), unless
   * `delivered` says every message has already reached its receiver (then nothing is
   * waited for). Repeatable.
   */
  close(options?: { readonly delivered?: boolean }): Promise<void>;
}
