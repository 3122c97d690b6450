/**
 * The Transport interface: moves frames between the ranks of one job. The matching
 * engine and everything above it see only this interface; the zeromq implementation
 * is the one importer of 'zeromq', and the loopback implementation serves in-process
 * jobs (singleton runs and fast tests).
 */

/** Called once per incoming message with its frames (header first). Synchronous. */
export type FrameHandler = (frames: Uint8Array[]) => void;

export interface Transport {
  /** This process's rank in the world. */
  readonly rank: number;
  readonly size: number;
  /** Install the single consumer of incoming messages. */
  setHandler(handler: FrameHandler): void;
  /**
   * Queue `frames` for `dest` (which may be this rank). Resolves once the frames are
   * handed to the transport's queue (not when delivered); never waits for the receiver
   * to read. Messages to one `dest` are delivered in the order they were sent.
   */
  send(dest: number, frames: readonly Uint8Array[]): Promise<void>;
  /**
   * Declare interest in incoming messages. The transport reads from the network only
   * while somebody holds interest, so an idle rank keeps nothing alive and the process
   * exits when its program is done. Returns the function that releases the interest.
   */
  hold(): () => void;
  /** Deliver every message that has already arrived, without waiting for more. */
  poll(): Promise<void>;
  /** Close; queued outgoing messages are still delivered (up to the linger time). Repeatable. */
  close(): Promise<void>;
}
