/**
 * A built-in, deterministic text whose word frequencies follow Zipf's law, so that `acf.js` runs
 * on a fresh machine without any book. The same bytes come out on every platform: the random
 * numbers come from a 32-bit integer generator (mulberry32) and the sampling uses only integer
 * arithmetic and exact IEEE operations (no Math.log or Math.pow, whose last bits may vary).
 */

/** Name used for the generated text in titles and timing lines. */
export const GENERATED_NAME = 'generated Zipf text';

/** mulberry32: a small, well-mixed 32-bit generator; returns integers in [0, 2^32). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  };
}

/** The most frequent words are real English function words, so the top 16 read naturally. */
const COMMON = 'the of and to a in that it was he i his you with for as had her on at by not be this is but which'.split(' ');
const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'br', 'st', 'tr', 'sh', 'th'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ea', 'ou', 'ai'];
const CODAS = ['', '', 'n', 'r', 's', 't', 'nd', 'ng', 'st', 'l'];

/** Fixed phrases mixed in now and then, so the ACF has some structure at short lags. */
const PHRASES = ['of the', 'in the', 'it was the', 'to the end of the', 'and the', 'as well as'];

/**
 * Generate `wordCount` words (default 300,000) of Zipf-distributed text (weight of rank r is 1/r
 * over `vocabulary` words), with sentences, capitals, commas and line breaks so that the
 * tokenizer has real work to do.
 */
export function generateZipfText(wordCount = 300_000, vocabulary = 20_000, seed = 20240611): string {
  const next = mulberry32(seed);
  const words: string[] = [...COMMON];
  const seen = new Set(words);
  while (words.length < vocabulary) {
    const syllables = 1 + (next() % 3);
    let word = '';
    for (let s = 0; s < syllables; s++) word += pick(ONSETS, next) + pick(VOWELS, next) + pick(CODAS, next);
    if (!seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  }
  // Cumulative weights 1/1 + 1/2 + ... : exact IEEE divisions and additions, the same everywhere.
  const cumulative = new Float64Array(vocabulary);
  let total = 0;
  for (let rank = 0; rank < vocabulary; rank++) cumulative[rank] = total += 1 / (rank + 1);
  const sample = (): string => {
    const target = (next() / 4294967296) * total;
    let low = 0;
    let high = vocabulary - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] ?? 0) <= target) low = middle + 1;
      else high = middle;
    }
    return words[low] ?? '';
  };

  const out: string[] = [];
  let emitted = 0;
  let sentence = 0; // words so far in this sentence
  let line = 0; // words so far on this line
  while (emitted < wordCount) {
    const chunk = next() % 20 === 0 ? pick(PHRASES, next).split(' ') : [sample()];
    for (const word of chunk) {
      if (emitted === wordCount) break;
      out.push(sentence === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word);
      emitted++;
      sentence++;
      line++;
      if (sentence >= 6 && next() % 8 === 0) {
        out.push('.');
        sentence = 0;
      } else if (next() % 12 === 0) {
        out.push(',');
      }
      out.push(line >= 11 ? '\n' : ' ');
      if (line >= 11) line = 0;
    }
  }
  return out.join('');
}

function pick<T>(items: readonly T[], next: () => number): T {
  return items[next() % items.length] as T;
}
