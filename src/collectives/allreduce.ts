import { SUM, checkOp, type Op } from '../ops/ops.js';
import { combineOrMarker } from './combine.js';
import { capture, isMarker, post, unwrap } from './marker.js';
import { exchange } from './exchange.js';
import { isWithin } from './pieces.js';
import type { CollPort } from './port.js';
import { allreduceLinear } from './linear.js';
import { doublingPlan } from './tree.js';

/**
 * Recursive-doubling allreduce: ⌈log2 size⌉ rounds of pairwise exchange (plus one round
 * before and after for the ranks folded in when size is not a power of two). Both
 * partners compute the same `op(lower block, higher block)`, and blocks are contiguous
 * ranges of ranks, so every rank ends with the same bits and a non-commutative op gets the
 * rank-order result. A marker (local error or op failure) reaches every rank.
 *
 * `into` (the buffer forms: the bytes of the caller's recvbuf, which must not overlap
 * `value`) is where large received vectors are assembled and combined, so the result is
 * usually a view of it and needs no final copy; it is written to before the call ends.
 */
export async function allreduce(port: CollPort, value: unknown, op: Op, where = 'allreduce', into?: Uint8Array): Promise<unknown> {
  // An op that is not an op (on this rank only, perhaps) travels as an error, never a hang.
  const checked = capture(() => checkOp(where, op));
  if (isMarker(checked)) [value, op] = [checked, SUM];
  if (port.linear === true) return allreduceLinear(port, value, op, where);
  const plan = doublingPlan(port.rank, port.size);
  if (plan.role === 'folded') {
    await post(port, value, plan.partner);
    return unwrap(await port.recv(plan.partner, into));
  }
  let acc = value;
  if (plan.partner >= 0) {
    const folded = await port.recv(plan.partner, into);
    acc = combineOrMarker(op, folded, acc, where, folded);
  }
  for (const { peer, lower } of plan.exchanges) {
    // Once the sum lives in `into` it is being sent from there: the partner's vector goes elsewhere.
    const held = isWithin(acc, into);
    const { sent, received: other } = await exchange(port, acc, peer, peer, undefined, held ? undefined : into);
    acc = sent;
    // The send has resolved, so `acc` is free again when it lives in `into`; else `other`, fresh
    // from the network or in `into`, takes the result (acc may be the caller's value).
    const scratch = held ? acc : other;
    acc = lower ? combineOrMarker(op, acc, other, where, scratch) : combineOrMarker(op, other, acc, where, scratch);
  }
  if (plan.partner >= 0) await post(port, acc, plan.partner);
  return unwrap(acc);
}
