import { post } from './marker.js';
import type { CollPort, SendOptions } from './port.js';

/**
 * Send `value` to `dest` and receive the next value from `source` at once. The receive is
 * posted before the send starts, so a pairwise exchange or a ring step never deadlocks,
 * even where a large send waits until the receiver has posted its receive (rendezvous).
 * Resolves with what was actually sent (a marker when `value` could not be sent, see
 * `post`) and what arrived. `options` as for {@link CollPort.send}; `into` as for
 * {@link CollPort.recv} (it must not be the memory being sent).
 */
export async function exchange(
  port: CollPort,
  value: unknown,
  dest: number,
  source: number = dest,
  options?: SendOptions,
  into?: Uint8Array,
): Promise<{ sent: unknown; received: unknown }> {
  const arriving = port.recv(source, into);
  const [sent, received] = await Promise.all([post(port, value, dest, options), arriving]);
  return { sent, received };
}
