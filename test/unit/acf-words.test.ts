// Reading, splitting and counting words exactly as the lesson's wordcount.py (ACF.md sections 2-4).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { countWords, decodeUtf8, formatDat, InputError, parseDat, tokenize } from '../../examples/lib/words.js';
import { sharedOrSkip } from '../helpers/job.js';

const EXAMPLES = sharedOrSkip('acf-examples');
const NAMES = ['ex1', 'ex2', 'ex3_bom_crlf', 'ex4_chars', 'ex5_ties'];

describe('tokenize', () => {
  it('replaces the 26 ASCII delimiters by spaces and lower-cases', () => {
    assert.deepEqual(tokenize("The cat sat. The Cat's hat -- on the mat!\n"), [
      'the',
      'cat',
      'sat',
      'the',
      'cat',
      's',
      'hat',
      'on',
      'the',
      'mat',
    ]);
    assert.deepEqual(tokenize('a.b,c;d:e?f$g@h^i<j>k#l%m`n!o*p-q=r(s)t[u]v{w}x/y"z\'A'), [...'abcdefghijklmnopqrstuvwxyza']);
  });

  it('keeps & _ + | ~ \\ digits and non-ASCII punctuation inside words', () => {
    assert.deepEqual(tokenize('Don’t & under_score +plus ~tilde back\\slash|pipe 3.14 “quoted,” —'), [
      'don’t',
      '&',
      'under_score',
      '+plus',
      '~tilde',
      'back\\slash|pipe',
      '3',
      '14',
      '“quoted',
      '”',
      '—',
    ]);
  });

  it('keeps the byte-order mark on the first word (U+FEFF is not Python whitespace)', () => {
    assert.deepEqual(tokenize('\ufeffThe end\ufeffx'), ['\ufeffthe', 'end\ufeffx']);
  });

  it("splits on Python's whitespace set, not JavaScript's \\s", () => {
    const separators = [
      '\t',
      '\n',
      '\v',
      '\f',
      '\r',
      '\x1c',
      '\x1d',
      '\x1e',
      '\x1f',
      ' ',
      '\x85',
      '\xa0',
      '\u1680',
      '\u2000',
      '\u200a',
      '\u2028',
      '\u2029',
      '\u202f',
      '\u205f',
      '\u3000',
    ];
    for (const separator of separators)
      assert.deepEqual(tokenize(`a${separator}b`), ['a', 'b'], `U+${separator.charCodeAt(0).toString(16)}`);
    for (const joiner of ['\u200b', '\u001b', '\u000f', '\u180e']) assert.deepEqual(tokenize(`a${joiner}b`), [`a${joiner}b`]);
  });

  it('lower-cases like Python str.lower, including a final sigma', () => {
    assert.deepEqual(tokenize('CAFÉ ΑΣ Æ'), ['café', 'ας', 'æ']);
    // The final sigma looks past a full stop: per word (Python) 'ΑΣ' ends a word, in the whole text it would not.
    assert.deepEqual(tokenize('ΑΣ.Β'), ['ας', 'β']);
    // Without a capital sigma the whole text is lower-cased at once; İ becomes two code units.
    assert.deepEqual(tokenize('İSTANBUL Straße'), ['i\u0307stanbul', 'straße']);
  });

  it('gives no words for an empty or blank text', () => {
    assert.deepEqual(tokenize(''), []);
    assert.deepEqual(tokenize(' .,\r\n'), []);
  });
});

describe('countWords and formatDat', () => {
  it('keeps ties in order of first appearance, numbers included (a Map, not an object)', () => {
    assert.deepEqual(
      countWords(tokenize('b 2 a 1 a 2 b 1 c')).map(({ word, count }) => `${word}${count}`),
      ['b2', '22', 'a2', '12', 'c1'],
    );
  });

  it('writes percentages as Python does, after the MIN_LENGTH filter', () => {
    const counts = countWords(tokenize('the cat sat the cat s hat on the mat'));
    assert.equal(formatDat(counts), 'the 3 30.0\ncat 2 20.0\nsat 1 10.0\ns 1 10.0\nhat 1 10.0\non 1 10.0\nmat 1 10.0\n');
    assert.equal(formatDat(counts, 3), 'the 3 37.5\ncat 2 25.0\nsat 1 12.5\nhat 1 12.5\nmat 1 12.5\n');
    assert.equal(formatDat(countWords(tokenize('é e'))), 'é 1 50.0\ne 1 50.0\n');
    assert.equal(formatDat(countWords(tokenize('é ab')), 2), 'ab 1 100.0\n'); // length in code points
    assert.equal(formatDat(countWords([])), '');
  });

  for (const name of NAMES) {
    it(`reproduces ${name}.dat byte for byte`, { skip: EXAMPLES.skip }, () => {
      const text = decodeUtf8(readFileSync(join(EXAMPLES.path, `${name}.txt`)), name);
      assert.equal(formatDat(countWords(tokenize(text))), readFileSync(join(EXAMPLES.path, `${name}.dat`), 'utf8'));
    });
  }
});

describe('decodeUtf8 and parseDat', () => {
  it('keeps the BOM and rejects bytes that are not UTF-8, naming the offset', () => {
    assert.equal(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x61]), 'x'), '\ufeffa');
    assert.throws(
      () => decodeUtf8(Buffer.from([0x61, 0x62, 0xff, 0x63]), 'bad.txt'),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.equal(error.message, "'bad.txt' is not UTF-8 text (byte 0xff at offset 2)");
        return true;
      },
    );
    assert.throws(() => decodeUtf8(Buffer.from([0x61, 0xc3]), 'cut.txt'), /byte 0xc3 at offset 1/);
    assert.throws(() => decodeUtf8(Buffer.from([0xed, 0xa0, 0x80]), 'surrogate.txt'), /offset 0/);
  });

  it('reads word, count and percentage, keeping a BOM-prefixed word', () => {
    assert.deepEqual(parseDat('cat 2 20.0\n\ufeffthe 1 10.0\n# note\n', 'x.dat'), [
      { word: 'cat', count: 2 },
      { word: '\ufeffthe', count: 1 },
    ]);
  });

  it('names the file and line of a malformed line', () => {
    assert.throws(
      () => parseDat('the 3 30.0\nnonsense\n', 'x.dat'),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, /^'x\.dat' line 2 is not 'word count percent'/);
        return true;
      },
    );
    assert.throws(() => parseDat('the three 30.0\n', 'x.dat'), /line 1/);
  });
});
