/**
 * The agreement round of every collective call: the ranks check that they are all in the
 * same call — same operation, root, op and size signature — and that none of them was
 * given arguments it cannot use. No rank returns a call's result before the round has
 * agreed.
 *
 * Why a round of its own: checking each data message's header is not enough. A rank may
 * receive nothing in a call (the root of a bcast, a leaf of a gather) and so could never
 * see that another rank is elsewhere; and two ranks in different calls may both wait for
 * each other (a gather's root for a message its child, busy in a bcast, never sends).
 * The round has the same pattern whatever the call, so it always completes. It runs on a
 * tag of its own (src/comm/collective-port.ts), either beside the algorithm — whose
 * messages are checked against the call before they are used, and on a mismatch the
 * verdict withdraws whatever the algorithm still waits for — or, for the small calls whose
 * algorithm has the round's very pattern (recursive-doubling allreduce, broadcast,
 * barrier), with the algorithm's payload inside the round's own messages: one message per
 * step carries both (a *fused* call, see {@link Comm.collective}).
 *
 * Pattern: recursive doubling ({@link agreementSteps}, tree.ts's doublingPlan): with pof2
 * the largest power of two ≤ size, the ranks left over first hand their state to a
 * partner, the pof2 others exchange states pairwise over log2(pof2) rounds (partner
 * rank XOR 2^k), and the partners hand the final state back. The state is each distinct
 * call description seen with the lowest rank that made it, plus the error of the lowest
 * rank that had one. Merging is a union with minimums — associative, commutative and
 * idempotent — and after the last step every rank has merged every rank's contribution,
 * so every rank reaches the same verdict: the error (if any rank had one), else a
 * mismatch (if more than one call was seen), else go. The round is also a barrier: no
 * rank leaves it before every rank has entered.
 */
import { MpiError } from '../errors.js';
import type { RankError } from './control.js';
import { doublingPlan } from './tree.js';

/** What the ranks heard so far: distinct calls with their lowest rank (ascending), the lowest rank's error. */
export interface AgreeState {
  readonly calls: readonly (readonly [string, number])[];
  readonly error: RankError | null;
}

/** How the round's messages travel (the collective port's control-only messages). */
export interface AgreeLink {
  send(state: AgreeState, dest: number): Promise<void>;
  recv(source: number): Promise<AgreeState>;
}

/** This rank's contribution: its call, or the error its arguments gave. */
export function contribution(rank: number, call: string, local: MpiError | null): AgreeState {
  return { calls: [[call, rank]], error: local === null ? null : { code: local.code, message: local.message, rank } };
}

/** The union of two states (each call with its lowest rank; the lower rank's error). */
export function merge(a: AgreeState, b: AgreeState): AgreeState {
  // The common case: both saw the same single call and no error.
  const [onlyA] = a.calls;
  const [onlyB] = b.calls;
  if (a.error === null && b.error === null && a.calls.length === 1 && b.calls.length === 1 && onlyA !== undefined && onlyB !== undefined) {
    if (onlyA[0] === onlyB[0]) return onlyA[1] <= onlyB[1] ? a : b;
  }
  const lowest = new Map<string, number>();
  for (const [call, rank] of [...a.calls, ...b.calls]) lowest.set(call, Math.min(rank, lowest.get(call) ?? rank));
  const calls = [...lowest].sort((x, y) => x[1] - y[1]);
  const error = a.error === null ? b.error : b.error === null || a.error.rank <= b.error.rank ? a.error : b.error;
  return { calls, error };
}

/**
 * The error every rank rejects the call with, or null to go ahead.
 * @param where this rank's operation, for the message
 * @param seq the call's sequence number on the communicator
 */
export function verdict(state: AgreeState, where: string, seq: number): MpiError | null {
  if (state.error !== null) return new MpiError(state.error.code, state.error.message);
  const [first, ...others] = state.calls;
  if (first === undefined || others.length === 0) return null;
  const deviations = others.map(([call, rank]) => `rank ${rank} called ${call}`).join(' and ');
  return new MpiError(
    'ERR_COLL_MISMATCH',
    `${where}: collective calls do not match (call ${seq + 1} on this communicator): ${deviations} where rank ${first[1]} called ${first[0]}; ` +
      'every rank must make the same collective calls in the same order, with the same root, op and buffer sizes',
  );
}

/** One step of the round: send this rank's state to `dest`, receive and merge the state of `source`, or both (send first). */
export interface AgreeStep {
  readonly dest: number | null;
  readonly source: number | null;
}

/**
 * The steps of `rank` in the round among `size` ranks, in order (recursive doubling with
 * the ranks beyond a power of two folded in and out; see tree.ts's doublingPlan). The
 * recursive-doubling allreduce (allreduce.ts) and the doubling broadcast
 * (bcast-doubling.ts) send and receive in exactly this order, which is what lets their
 * messages carry the round (fused calls).
 */
export function agreementSteps(rank: number, size: number): AgreeStep[] {
  const plan = doublingPlan(rank, size);
  if (plan.role === 'folded') {
    return [
      { dest: plan.partner, source: null },
      { dest: null, source: plan.partner },
    ];
  }
  const steps: AgreeStep[] = [];
  if (plan.partner >= 0) steps.push({ dest: null, source: plan.partner });
  for (const { peer } of plan.exchanges) steps.push({ dest: peer, source: peer });
  if (plan.partner >= 0) steps.push({ dest: plan.partner, source: null });
  return steps;
}

/**
 * Run the round: resolves once every rank has entered it and all agree; rejects on every
 * rank with the same error otherwise.
 * @throws ERR_COLL_MISMATCH, or the code of the lowest rank's argument error
 */
export async function agree(link: AgreeLink, rank: number, size: number, mine: AgreeState, where: string, seq: number): Promise<void> {
  let state = mine;
  for (const { dest, source } of agreementSteps(rank, size)) {
    if (dest !== null) await link.send(state, dest);
    if (source !== null) state = merge(state, await link.recv(source));
  }
  const error = verdict(state, where, seq);
  if (error !== null) throw error;
}
