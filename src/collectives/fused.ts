/**
 * Collectives that run *fused* with their agreement round: their algorithm sends and
 * receives in exactly the round's order (agree.ts, agreementSteps: recursive doubling with
 * the ranks beyond a power of two folded in and out), so each of its messages carries the
 * round's state too and a call costs one message per step instead of two
 * (src/comm/collective-port.ts). Which calls fuse is a pure function of what every rank of
 * a matching call shares (its description, the communicator size, the job's overrides):
 * a rank that decides otherwise is in another call, and the round, whose pattern is the
 * same for fused and separate calls, reports the mismatch.
 *
 * - allreduce/Allreduce by recursive doubling (allreduce.ts already has the round's pattern);
 * - allreduce/Allreduce by Rabenseifner (allreduce-rabenseifner.ts): its reduce-scatter has
 *   the round's pattern (fold-in, halving with partners 1, 2, 4, ... apart, fold-out at the
 *   end); its allgather runs between the last exchange and the fold-out, once every rank
 *   holds the whole state, and only when that state shows one call (`CollPort.disagrees`),
 *   so a rank in another call is never waited for;
 * - bcast/Bcast by {@link bcastDoubling} (the binomial choice of select.ts).
 * The barrier is the round alone and needs no fusing.
 */
import { isTypedArray } from '../codec/codec.js';
import { ReduceOp } from '../ops/ops.js';
import { isMarker, post, unwrap } from './marker.js';
import { exchange } from './exchange.js';
import type { CollPort } from './port.js';
import { allreduceAlgorithm, chooseBcast, type Overrides } from './select.js';
import { foldIn } from './tree.js';

/**
 * What a fused algorithm sends in a step where its partner needs nothing from it: the
 * message then carries the agreement state alone, and the partner receives this same
 * object back.
 */
export const PLACEHOLDER: unknown = Object.freeze(new Uint8Array(0));

/**
 * True when an allreduce of `value` (this rank's, or a like-sized array) with `op` runs
 * fused: by recursive doubling or by Rabenseifner (not the ring, whose steps differ).
 */
export function allreduceFuses(size: number, value: unknown, op: unknown, overrides: Overrides): boolean {
  if (overrides.linear === true) return false;
  const algorithm = allreduceAlgorithm(size, isTypedArray(value) ? value : null, op instanceof ReduceOp, overrides);
  return algorithm === 'recursive-doubling' || algorithm === 'rabenseifner';
}

/**
 * True when a broadcast of `byteLength` bytes (null: not a typed array) among ranks all on
 * one host or not (`oneHost`) runs by {@link bcastDoubling}, fused.
 */
export function bcastFuses(size: number, byteLength: number | null, overrides: Overrides, oneHost: boolean): boolean {
  return overrides.linear !== true && chooseBcast({ size, byteLength, oneHost }, overrides) === 'binomial';
}

/**
 * Broadcast in the agreement round's steps. The active number `a` of each rank (after the
 * fold-in) has the value once `a XOR rootActive` < 2^k after k exchange rounds, so in the
 * round with mask 2^k exactly the ranks that have it send it, to partners that lack it,
 * and the others send a placeholder: the value travels along a binomial tree, p − 1
 * times in all, while every step still carries the round. A folded root hands its value
 * to its partner first; a folded rank gets the value from its partner last. A marker
 * (a value that cannot be sent, or a mismatch found on the way) travels in place of the
 * value. Resolves with the root's value on every rank.
 *
 * `into` (a non-root's buffer form: the bytes of its `buf`) is where the value is received,
 * so it needs neither fresh memory nor a copy at the end; only the receive that brings the
 * value gets it, never one made while this rank sends from it.
 */
export async function bcastDoubling(port: CollPort, value: unknown, root: number, into?: Uint8Array): Promise<unknown> {
  const { rank, size } = port;
  const mine = foldIn(rank, size);
  if (mine.role === 'folded') {
    const sent = await post(port, rank === root ? value : PLACEHOLDER, mine.partner);
    const back = await port.recv(mine.partner, rank === root ? undefined : into);
    return unwrap(rank === root ? sent : back);
  }
  const rootFold = foldIn(root, size);
  const rootActive = rootFold.role === 'active' ? rootFold.active : (foldIn(rootFold.partner, size) as { active: number }).active;
  let data: unknown = rank === root ? value : PLACEHOLDER;
  if (mine.partner >= 0) {
    const folded = await port.recv(mine.partner, mine.partner === root ? into : undefined);
    if (mine.partner === root || isMarker(folded)) data = folded;
  }
  for (let mask = 1; mask < mine.pof2; mask <<= 1) {
    const peer = mine.original(mine.active ^ mask);
    const holder = (mine.active ^ rootActive) < mask;
    const { sent, received } = await exchange(port, holder ? data : PLACEHOLDER, peer, peer, undefined, holder ? undefined : into);
    if (holder) data = isMarker(received) ? received : sent;
    else data = received;
  }
  if (mine.partner >= 0) {
    const sent = await post(port, mine.partner === root ? PLACEHOLDER : data, mine.partner);
    if (isMarker(sent)) data = sent;
  }
  return unwrap(data);
}
