/**
 * Combining inside an algorithm: a marker on either side wins (the left one first, so
 * every rank picks the same), and an op error becomes a marker to forward.
 */
import { combine, type Op } from '../ops/ops.js';
import { capture, isMarker } from './marker.js';

/**
 * `op(lower, higher)`, or the marker that stands for an error on either side or in the op.
 * `scratch` is a received value this rank owns: a typed-array result may be written into it.
 */
export function combineOrMarker(op: Op, lower: unknown, higher: unknown, where: string, scratch?: unknown): unknown {
  if (isMarker(lower)) return lower;
  if (isMarker(higher)) return higher;
  return capture(() => combine(op, lower, higher, where, scratch));
}
