/**
 * The lesson's `zipf_test.py` table (ACF.md section 12): for each `.dat` file, the counts of its
 * first N words, to see whether word frequency falls off as 1/rank (Zipf's law).
 */
import type { WordCount } from './words.js';

/** One book's word counts, most frequent first, and the name shown in the table. */
export interface ZipfRow {
  readonly book: string;
  readonly counts: readonly WordCount[];
}

/**
 * The book name the lesson prints: the path without its last 4 characters (meant to be `.dat`)
 * and without any directories. A name with another extension is cut wrongly, as in the lesson (Q10).
 * Characters are code points, as in Python.
 */
export function zipfBookName(path: string): string {
  const stem = [...path].slice(0, -4).join('');
  return stem.slice(stem.lastIndexOf('/') + 1);
}

/** The CSV: `Book,word1,...,wordN`, then one row per book with the counts of its first N words. */
export function formatZipf(n: number, rows: readonly ZipfRow[]): string {
  let out = ['Book', ...Array.from({ length: n }, (_, index) => `word${index + 1}`)].join(',') + '\n';
  for (const { book, counts } of rows) out += [book, ...counts.slice(0, n).map(({ count }) => String(count))].join(',') + '\n';
  return out;
}
