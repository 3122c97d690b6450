// The ACF kernel, the average and the CSV format against the lesson's outputs (ACF.md sections 6-9, 13).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  addRows,
  averageAcf,
  checkTopWords,
  divide,
  formatAcfCsv,
  maskOf,
  occurrences,
  scanAcf,
  splitRange,
  wordAcf,
} from '../../examples/lib/acf.js';
import { countWords, InputError, parseDat, readBookWords, tokenize } from '../../examples/lib/words.js';
import { sharedOrSkip } from '../helpers/job.js';

const EXAMPLES = sharedOrSkip('acf-examples');
const NAMES = ['ex1', 'ex2', 'ex3_bom_crlf', 'ex4_chars', 'ex5_ties'];

/** The lesson's loop, literally: for t, for i in 1..N-1-t, add m[i]*m[i+t]; then divide by c. */
function naiveAcf(words: readonly string[], word: string, timesteps: number): Float64Array {
  const mask = words.map((candidate) => (candidate === word ? 1 : 0));
  const count = mask.reduce<number>((sum, bit) => sum + bit, 0);
  const acf = new Float64Array(timesteps);
  for (let t = 0; t < timesteps; t++) {
    let pairs = 0;
    for (let i = 1; i < words.length - t; i++) pairs += (mask[i] ?? 0) * (mask[i + t] ?? 0);
    acf[t] = pairs / count;
  }
  return acf;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('wordAcf', () => {
  it('counts exactly the pairs of the lesson loop, as does the scan kernel (random texts, index 0 included)', () => {
    const random = seeded(7);
    for (let trial = 0; trial < 200; trial++) {
      const length = 1 + Math.floor(random() * 300);
      const words = Array.from({ length }, () => 'abcde'[Math.floor(random() ** 2 * 5)] ?? 'a');
      const timesteps = 1 + Math.floor(random() * 120);
      for (const word of ['a', 'b', 'e']) {
        const [positions] = occurrences(words, [word]);
        const expected = naiveAcf(words, word, timesteps);
        assert.deepEqual(wordAcf(positions ?? new Int32Array(), timesteps), expected, `trial ${trial} ${word}`);
        assert.deepEqual(scanAcf(maskOf(positions ?? new Int32Array(), words.length), timesteps), expected, `scan: trial ${trial} ${word}`);
      }
    }
  });

  it('reproduces the hand-worked values of ex1 (index 0 skipped)', () => {
    const words = tokenize("The cat sat. The Cat's hat -- on the mat!");
    const [the, cat] = occurrences(words, ['the', 'cat']).map((positions) => wordAcf(positions, 10));
    assert.deepEqual([the?.[0], the?.[3], the?.[5]], [2 / 3, 0, 1 / 3]);
    assert.deepEqual([cat?.[0], cat?.[3]], [1, 1 / 2]);
  });

  it('gives NaN for a word that never occurs (0/0), as the lesson does', () => {
    assert.ok(Number.isNaN(wordAcf(new Int32Array(), 3)[0]));
  });
});

describe('ACF file', () => {
  for (const name of NAMES) {
    it(`reproduces the serial acf_${name}.csv byte for byte`, { skip: EXAMPLES.skip }, () => {
      const words = readBookWords(join(EXAMPLES.path, `${name}.txt`));
      const top = parseDat(readFileSync(join(EXAMPLES.path, `${name}.dat`), 'utf8'), name).slice(0, 16);
      assert.equal(
        formatAcfCsv(
          averageAcf(
            words,
            top.map(({ word }) => word),
          ),
        ),
        readFileSync(join(EXAMPLES.path, `acf_${name}.csv`), 'utf8'),
      );
    });
  }

  for (const name of ['ex1', 'ex2', 'ex3_bom_crlf']) {
    it(`reproduces the MPI script's mpi16_acf_${name}.csv (divide by 16) at every np`, { skip: EXAMPLES.skip }, () => {
      const words = readBookWords(join(EXAMPLES.path, `${name}.txt`));
      const top = countWords(words)
        .slice(0, 16)
        .map(({ word }) => word);
      const expected = readFileSync(join(EXAMPLES.path, `mpi16_acf_${name}.csv`), 'utf8');
      for (let size = 1; size <= 5; size++) {
        const total = new Float64Array(100);
        for (let rank = 0; rank < size; rank++) {
          const mine = top.slice(...splitRange(16, size, rank));
          addRows(
            total,
            occurrences(words, mine).map((positions) => wordAcf(positions)),
          );
        }
        assert.equal(formatAcfCsv(divide(total, 16)), expected, `np ${size}`);
      }
    });
  }

  it('labels rows 1..T (lag + 1) in %.18e', () => {
    assert.equal(
      formatAcfCsv(new Float64Array([1, 0.5])),
      '1.000000000000000000e+00,1.000000000000000000e+00\n2.000000000000000000e+00,5.000000000000000000e-01\n',
    );
  });
});

describe('checkTopWords', () => {
  it('accepts counts that match and names the first word that does not', () => {
    const words = tokenize('a b a c');
    const top = [
      { word: 'a', count: 2 },
      { word: 'b', count: 1 },
    ];
    checkTopWords(top, occurrences(words, ['a', 'b']), 'x.dat', 'x.txt');
    const wrong = [
      { word: 'a', count: 2 },
      { word: 'zebra', count: 5 },
    ];
    assert.throws(
      () => checkTopWords(wrong, occurrences(words, ['a', 'zebra']), 'y.dat', 'x.txt'),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, /^'y\.dat' does not match 'x\.txt': the word "zebra" occurs 0 times in the book, not 5/);
        return true;
      },
    );
  });
});
