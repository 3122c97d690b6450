/**
 * The word autocorrelation (ACF) of the lesson's `autocorrelation.py`, ACF.md sections 5-9.
 *
 * For a word with occurrence mask m[0..N-1] and c occurrences in total,
 *   acf[t] = #{ i : 1 <= i <= N-1-t, m[i] = m[i+t] = 1 } / c      for t = 0..T-1.
 * Note the lesson's loop starts at i = 1, so index 0 is never the left end of a pair (quirk Q2),
 * and the normalisation is by c, not by the number of pairs, with no mean removed (Q6).
 *
 * The lesson walks every index for every lag: 100·N steps per word (65 s for the largest book in
 * CPython). Here we walk each word's occurrence positions instead: for every occurrence p >= 1,
 * look at the following occurrences q while q - p < T and count the pair at lag q - p. That
 * counts exactly the same integer pairs, so after the one division the doubles are identical,
 * and it costs O(c · neighbours) instead of O(N · T).
 */
import { printfE18 } from './format.js';
import { InputError, type WordCount } from './words.js';

/** Words the lesson averages over, and the number of lags. */
export const DEFAULT_NWORDS = 16;
export const DEFAULT_TIMESTEPS = 100;

/**
 * Most lags the programs accept: the CSV has one line per lag and each rank holds
 * `nwords × timesteps` doubles, so 10⁶ lags is already a 50 MB file and 128 MB of rows;
 * beyond a text's length every lag is 0 anyway.
 */
export const MAX_TIMESTEPS = 1_000_000;

/**
 * Positions (ascending) of each of `topWords` in `words`, one array per top word, in the same order.
 * One pass over the text with a Map lookup per word.
 */
export function occurrences(words: readonly string[], topWords: readonly string[]): Int32Array[] {
  const slot = new Map<string, number>();
  topWords.forEach((word, index) => {
    if (!slot.has(word)) slot.set(word, index);
  });
  const lists: number[][] = topWords.map(() => []);
  for (let index = 0; index < words.length; index++) {
    const at = slot.get(words[index] ?? '');
    if (at !== undefined) lists[at]?.push(index);
  }
  // A word listed twice (only in a hand-edited .dat) gets the same positions twice, as in the lesson.
  return topWords.map((word) => Int32Array.from(lists[slot.get(word) ?? 0] ?? []));
}

/**
 * acf[t] for t = 0..timesteps-1 of one word, from its ascending occurrence positions.
 * A word that never occurs gives NaN everywhere (0/0), as in the lesson.
 */
export function wordAcf(positions: Int32Array, timesteps: number = DEFAULT_TIMESTEPS): Float64Array {
  const pairs = new Float64Array(timesteps); // integer counts; doubles hold them exactly
  const count = positions.length;
  for (let left = 0; left < count; left++) {
    const p = positions[left] ?? 0;
    if (p < 1) continue; // the lesson's loop starts at index 1
    for (let right = left; right < count; right++) {
      const lag = (positions[right] ?? 0) - p;
      if (lag >= timesteps) break;
      pairs[lag] = (pairs[lag] ?? 0) + 1;
    }
  }
  const acf = new Float64Array(timesteps);
  for (let t = 0; t < timesteps; t++) acf[t] = (pairs[t] ?? 0) / count;
  return acf;
}

/**
 * The lesson's own kernel, kept for comparison (`acf.js --kernel scan`): for every lag, walk the
 * whole text and count the indices where the word is found at both i and i + t. It costs
 * 100·N steps per word (about 1.5 s for the largest book), which is what makes the lesson's
 * parallel speed-up visible. Same pairs, so the same doubles as wordAcf.
 * @param mask 1 where the text has the word, else 0 (one entry per word of the text)
 */
export function scanAcf(mask: Uint8Array, timesteps: number = DEFAULT_TIMESTEPS): Float64Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i] ?? 0;
  const acf = new Float64Array(timesteps);
  for (let t = 0; t < timesteps; t++) {
    let pairs = 0;
    //   for i in range(1, nwords_total - t): acf[t] += mask[i] * mask[i + t]
    for (let i = 1; i < mask.length - t; i++) pairs += (mask[i] ?? 0) & (mask[i + t] ?? 0);
    acf[t] = pairs / count;
  }
  return acf;
}

/** The 0/1 mask of one word from its positions in a text of `length` words. */
export function maskOf(positions: Int32Array, length: number): Uint8Array {
  const mask = new Uint8Array(length);
  for (const position of positions) mask[position] = 1;
  return mask;
}

/**
 * Add ACF rows into `total` in the order given: a plain left-to-right loop. This is the order
 * (and therefore the rounding) of numpy's average in the serial script and of rank 0's sum in
 * the MPI script; a pairwise sum would change the last bits.
 */
export function addRows(total: Float64Array, rows: readonly Float64Array[]): Float64Array {
  for (const row of rows) for (let t = 0; t < total.length; t++) total[t] = (total[t] ?? 0) + (row[t] ?? 0);
  return total;
}

/** Divide every entry by `divisor` (the number of words averaged). */
export function divide(total: Float64Array, divisor: number): Float64Array {
  return total.map((value) => value / divisor);
}

/** The serial computation: the average ACF of `topWords` in `words`. */
export function averageAcf(words: readonly string[], topWords: readonly string[], timesteps: number = DEFAULT_TIMESTEPS): Float64Array {
  const rows = occurrences(words, topWords).map((positions) => wordAcf(positions, timesteps));
  return divide(addRows(new Float64Array(timesteps), rows), topWords.length);
}

/**
 * The ACF file as numpy's `savetxt(..., delimiter=',')` writes it: `label,value\n` per row,
 * both in `%.18e`. Row r is labelled r (1-based) and holds lag r-1: the lesson's off-by-one (Q3).
 */
export function formatAcfCsv(acf: Float64Array): string {
  let out = '';
  for (let t = 0; t < acf.length; t++) out += `${printfE18(t + 1)},${printfE18(acf[t] ?? 0)}\n`;
  return out;
}

/**
 * The MPI script's rank-remainder split (ACF.md section 9): the half-open range of top-word
 * indices [first, last) that `rank` of `size` computes. The first `nwords % size` ranks get one
 * word more. The caller slices the top-word list with it, so it is clipped when fewer words exist
 * and may be empty (every rank from `nwords` on, when size > nwords).
 * @example splitRange(16, 3, 1) → [6, 11]
 */
export function splitRange(nwords: number, size: number, rank: number): [first: number, last: number] {
  const count = Math.floor(nwords / size);
  const rem = nwords % size;
  if (rank < rem) return [rank * (count + 1), rank * (count + 1) + count + 1];
  return [rank * count + rem, rank * count + rem + count];
}

/**
 * Check that the `.dat` file belongs to the book: every top word must occur in the text exactly as
 * often as the `.dat` file says. (The lesson does not check; with a mismatched file it silently
 * writes `nan` or wrong numbers.)
 */
export function checkTopWords(top: readonly WordCount[], positions: readonly Int32Array[], datName: string, bookName: string): void {
  for (const [index, { word, count }] of top.entries()) {
    const found = positions[index]?.length ?? 0;
    if (found !== count) {
      throw new InputError(
        `'${datName}' does not match '${bookName}': the word ${JSON.stringify(word)} occurs ${found} times in the book, not ${count}` +
          `; recreate it with wordcount.js`,
      );
    }
  }
}
