import { SUM, checkOp, type Op } from '../ops/ops.js';
import { combineOrMarker } from './combine.js';
import { exchange } from './exchange.js';
import { capture, isMarker, post, unwrap } from './marker.js';
import type { CollPort } from './port.js';

/**
 * Inclusive (scan) or exclusive (exscan) prefix reduction by recursive doubling
 * (Hillis–Steele): in round d (1, 2, 4, ...) each rank sends its running prefix to
 * rank + d and combines what rank - d sends as `op(lower ranks, own)`, so ⌈log2 size⌉
 * rounds and the rank-order result for a non-commutative op. The exclusive prefix is
 * built from the same messages. exscan resolves `undefined` on rank 0. A marker (bad
 * input or op failure) reaches every higher rank.
 */
export async function scan(
  port: CollPort,
  value: unknown,
  op: Op,
  exclusive: boolean,
  where = exclusive ? 'exscan' : 'scan',
): Promise<unknown> {
  const { rank, size } = port;
  // An op that is not an op (on this rank only, perhaps) travels as an error, never a hang.
  const checked = capture(() => checkOp(where, op));
  if (isMarker(checked)) [value, op] = [checked, SUM];
  let inclusive = value;
  let before: unknown;
  let any = false;
  for (let distance = 1; distance < size; distance <<= 1) {
    const up = rank + distance < size;
    const down = rank - distance >= 0;
    if (up && !down) inclusive = await post(port, inclusive, rank + distance);
    if (down) {
      // Receive while sending up, so a chain of large (rendezvous) sends does not wait rank by rank.
      let got: unknown;
      if (up) ({ sent: inclusive, received: got } = await exchange(port, inclusive, rank + distance, rank - distance));
      else got = await port.recv(rank - distance);
      inclusive = combineOrMarker(op, got, inclusive, where);
      before = any ? combineOrMarker(op, got, before, where) : got;
      any = true;
    }
  }
  if (isMarker(value)) unwrap(value);
  if (!exclusive) return unwrap(inclusive);
  if (isMarker(inclusive)) unwrap(inclusive);
  return rank === 0 ? undefined : unwrap(before);
}
