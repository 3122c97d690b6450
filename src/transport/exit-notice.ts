/**
 * The one line the ZeroMQ transport itself may print on a rank's stderr, which is not the
 * program's: zeromq.js (6.x) writes it from its native exit hook when the process takes
 * over 500 ms to deliver the messages it queued before exiting (`(node:PID) WARNING:
 * Waiting for queued ZeroMQ messages to be delivered.`, then advice to set
 * `context.blocky = false`). For tsmpi that wait is the guarantee that messages sent
 * before exit are delivered, and the advice would drop them; the runtime cannot silence
 * it (the hook runs after Node has shut down), so the launcher leaves the line out of what
 * it forwards. This module imports nothing: the env contract re-exports it to the launcher.
 */

/** Recognises the transport's exit notice in a rank's stderr. */
export const TRANSPORT_EXIT_NOTICE = {
  /** Text every notice line contains: a quick test of a chunk before matching its lines. */
  mark: 'WARNING: Waiting for queued ZeroMQ',
  /** A whole notice line (from its start). */
  line: /^\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\./,
} as const;
