/**
 * The narrow point-to-point port that every collective algorithm is built on.
 *
 * A Comm hands each collective call a port bound to the communicator's private
 * collective context, so collective traffic can never match a user's receive
 * (not even `recv(ANY_SOURCE, ANY_TAG)`). `tag` is chosen by the Comm per call
 * (a per-communicator sequence number), so two collectives in flight at once
 * (e.g. an `ibcast` followed by a `barrier`) never take each other's messages.
 *
 * Guarantees: messages from one sender to one receiver on one port never
 * overtake each other; `send` never waits for the receiver to post its receive
 * (receiving side buffers, like MPI's eager protocol). Values are anything the
 * codec carries; typed arrays travel out of band with their element type kept
 * (a received typed array is a fresh array the algorithm may keep or copy).
 */
export interface CollPort {
  readonly rank: number;
  readonly size: number;
  /** Send `value` to `dest` on this collective's tag. */
  send(value: unknown, dest: number): Promise<void>;
  /** Receive the next value from `source` on this collective's tag. */
  recv(source: number): Promise<unknown>;
}
