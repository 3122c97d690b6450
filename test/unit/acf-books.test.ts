// Real books against the checks in ACF.md (section 13 table, tie order, BOM, Zipf table).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { countWords, readBookWords, tokenize, type WordCount } from '../../examples/lib/words.js';
import { formatZipf, zipfBookName } from '../../examples/lib/zipf.js';
import { parseDat } from '../../examples/lib/words.js';
import { sharedOrSkip } from '../helpers/job.js';

const BOOKS = sharedOrSkip('books');
const EXAMPLES = sharedOrSkip('acf-examples');
const cache = new Map<string, { words: string[]; counts: WordCount[] }>();

function book(name: string): { words: string[]; counts: WordCount[] } {
  let entry = cache.get(name);
  if (entry === undefined) {
    const words = readBookWords(join(BOOKS.path, `${name}.txt`));
    entry = { words, counts: countWords(words) };
    cache.set(name, entry);
  }
  return entry;
}

describe('real books', () => {
  for (const [name, length, distinct, first] of [
    ['pg117', 3581, 790, '\ufeffthe'],
    ['pg58', 19230, 4256, '\ufeffthe'],
    ['pg65', 104682, 102085, 'the'],
  ] as const) {
    it(`${name}: ${length} words, ${distinct} distinct, first ${JSON.stringify(first)}`, { skip: BOOKS.skip }, () => {
      const { words, counts } = book(name);
      assert.equal(words.length, length);
      assert.equal(counts.length, distinct);
      assert.equal(words[0], first);
    });
  }

  it("pg117's top 16 words", { skip: BOOKS.skip }, () => {
    assert.deepEqual(
      book('pg117')
        .counts.slice(0, 16)
        .map(({ word }) => word),
      'the of gutenberg project to or and you in a tm this with 1 work any'.split(' '),
    );
  });

  it('pg45: the 16th word is decided by first appearance (with before be, 837 each); ” is a top word', { skip: BOOKS.skip }, () => {
    const top = book('pg45').counts.slice(0, 17);
    assert.deepEqual(
      top.slice(15).map(({ word, count }) => `${word} ${count}`),
      ['with 837', 'be 837'],
    );
    assert.ok(top.slice(0, 16).some(({ word }) => word === '”'));
  });

  it("pg117: splitting with JavaScript's \\s would lose the BOM word (789 instead of 790)", { skip: BOOKS.skip }, () => {
    const text = readFileSync(join(BOOKS.path, 'pg117.txt'), 'utf8');
    const naive = new Set(
      text
        .replace(/[.,;:?$@^<>#%`!*\-=()[\]{}/"']/g, ' ')
        .split(/\s+/)
        .filter(Boolean)
        .map((word) => word.toLowerCase()),
    );
    assert.equal(naive.size, 789);
    assert.equal(new Set(tokenize(text)).size, 790);
  });

  it('pg89: the no-break space splits words', { skip: BOOKS.skip }, () => {
    const text = readFileSync(join(BOOKS.path, 'pg89.txt'), 'utf8');
    assert.equal([...text.matchAll(/\u00a0/g)].length, 3);
    assert.ok(!book('pg89').words.some((word) => word.includes('\u00a0')));
  });

  it('pg25: the bare token _ is the most frequent word', { skip: BOOKS.skip }, () => {
    assert.equal(book('pg25').counts[0]?.word, '_');
  });

  it('zipf table: 3 ex2.dat ex1.dat pg117.dat', { skip: BOOKS.skip || EXAMPLES.skip }, () => {
    const rows = [
      {
        book: zipfBookName(join(EXAMPLES.path, 'ex2.dat')),
        counts: parseDat(readFileSync(join(EXAMPLES.path, 'ex2.dat'), 'utf8'), 'ex2.dat'),
      },
      {
        book: zipfBookName(join(EXAMPLES.path, 'ex1.dat')),
        counts: parseDat(readFileSync(join(EXAMPLES.path, 'ex1.dat'), 'utf8'), 'ex1.dat'),
      },
      { book: zipfBookName('somewhere/pg117.dat'), counts: book('pg117').counts },
    ];
    assert.equal(formatZipf(3, rows), 'Book,word1,word2,word3\nex2,5,3,2\nex1,3,2,1\npg117,203,132,98\n');
  });
});

describe('zipf table format', () => {
  it('header for N = 0 is just Book; short files give short rows', () => {
    assert.equal(formatZipf(0, [{ book: 'a', counts: [{ word: 'x', count: 1 }] }]), 'Book\na\n');
    assert.equal(formatZipf(2, [{ book: 'a', counts: [{ word: 'x', count: 1 }] }]), 'Book,word1,word2\na,1\n');
  });

  it('book name: drop the last 4 characters and the directories (quirk Q10)', () => {
    assert.equal(zipfBookName('processed_data/pg10.dat'), 'pg10');
    assert.equal(zipfBookName('a/b.counts'), 'b.co');
    assert.equal(zipfBookName('x.dat'), 'x');
  });
});
