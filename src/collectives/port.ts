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
 * overtake each other. `send` resolves when the value's memory is the sender's again:
 * a small message (up to the engine's eager limit) is copied and resolves at once; a
 * large one resolves only once the receiver has posted its receive and holds the bytes
 * (rendezvous). So an algorithm must never make two ranks both wait in `send` for each
 * other: in an exchange, post the receive before or together with the send
 * (exchange.ts). Values are anything the codec carries; typed arrays travel out of
 * band with their element type kept (a received typed array is a fresh array the
 * algorithm may keep, overwrite or send on).
 */

/** Options of {@link CollPort.send}. */
export interface SendOptions {
  /**
   * The algorithm hands the value over: nothing ever writes into it again (it may still
   * be read), and it is neither the caller's argument nor a result handed back to the
   * caller — a temporary the algorithm computed, or a received array it only forwards.
   * It travels without a copy and without waiting for the receiver, and the send
   * resolves at once; the receiver buffers it even when large.
   */
  readonly owned?: boolean;
}

/** One collective call's point-to-point primitives (see above). */
export interface CollPort {
  readonly rank: number;
  readonly size: number;
  /** Send `value` to `dest` on this collective's tag. */
  send(value: unknown, dest: number, options?: SendOptions): Promise<void>;
  /**
   * Receive the next value from `source` on this collective's tag. `into` is a hint: memory
   * the algorithm owns and may lose, where a large typed payload may be assembled directly
   * (the value is then a view of it); a small or mismatched one still arrives in fresh
   * memory, so the algorithm must work either way.
   */
  recv(source: number, into?: Uint8Array): Promise<unknown>;
  /**
   * The job runs its collectives linearly (`TSMPI_COLL=linear`): rooted collectives on the
   * flat tree (tree.ts), allreduce and allgather through rank 0 (linear.ts).
   */
  readonly linear?: boolean;
  /** Tell the trace which algorithm select.ts chose for this call (absent when tracing is off). */
  readonly chose?: (algorithm: string) => void;
  /**
   * Only on a fused call's port (src/comm/collective-port.ts): true once the agreement
   * state this rank's received messages have gathered shows another call, or an argument
   * error, on some rank. Once the round's exchanges are over every rank holds the whole
   * state, so every rank gives the same answer there.
   */
  readonly disagrees?: () => boolean;
}
