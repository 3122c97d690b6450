import type { CollPort } from './port.js';
import { disseminationRounds } from './tree.js';

/**
 * Dissemination barrier: in round k every rank signals rank + 2^k and waits for rank - 2^k,
 * so after ⌈log2 size⌉ rounds every rank has (transitively) heard from all. One message
 * sent and one received per rank per round; no root.
 */
export async function barrier(port: CollPort): Promise<void> {
  for (const { to, from } of disseminationRounds(port.rank, port.size)) {
    await port.send(null, to);
    await port.recv(from);
  }
}
