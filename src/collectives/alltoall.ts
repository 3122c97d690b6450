import { isMarker, unwrap, type ErrorMarker } from './marker.js';
import { exchange } from './exchange.js';
import type { CollPort } from './port.js';

/**
 * Pairwise alltoall: in step i every rank sends `values[rank + i]` and receives from
 * `rank - i`, so no rank is flooded by all the others at once. Every rank sends and
 * receives size - 1 messages (the data is personalised, so nothing can be combined).
 * `values` is a marker when this rank's input was bad: every rank then rejects.
 */
export async function alltoall(port: CollPort, values: unknown[] | ErrorMarker): Promise<unknown[]> {
  const { rank, size } = port;
  const result = new Array<unknown>(size);
  let failure: ErrorMarker | null = isMarker(values) ? values : null;
  if (!isMarker(values)) result[rank] = values[rank];
  for (let step = 1; step < size; step++) {
    const dest = (rank + step) % size;
    const source = (rank - step + size) % size;
    const { sent, received: got } = await exchange(port, isMarker(values) ? values : values[dest], dest, source);
    if (isMarker(sent)) failure ??= sent;
    if (isMarker(got)) failure ??= got;
    result[source] = got;
  }
  if (failure !== null) unwrap(failure);
  return result;
}
