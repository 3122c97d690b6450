/**
 * Reading a book, splitting it into words and writing the word-count (`.dat`) file,
 * exactly as the lesson's Python `wordcount.py` does (see ACF.md sections 2-4).
 *
 * The rules that matter for byte-identical output, and why the code looks the way it does:
 * - the UTF-8 byte-order mark is kept, so it sticks to the first word (`\ufeffthe`);
 * - 26 ASCII punctuation characters become spaces, nothing else is removed;
 * - words are split on Python's whitespace set, which is NOT JavaScript's `\s`
 *   (Python has U+001C..U+001F and U+0085, but not U+FEFF);
 * - counts keep first-seen order (a Map, not an object) and the sort is stable,
 *   so ties stay in order of first appearance.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { pyFloat } from './format.js';

/** A bad input the example programs report as one line (never with a stack trace). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** The 26 ASCII characters the lesson replaces by a space before splitting. */
export const DELIMITERS = '.,;:?$@^<>#%`!*-=()[]{}/"\'';

/** Python's `str.split()` whitespace set (ACF.md section 3): every character here ends a word. */
const PYTHON_WHITESPACE = [
  ...range(0x09, 0x0d),
  ...range(0x1c, 0x20),
  0x85,
  0xa0,
  0x1680,
  ...range(0x2000, 0x200a),
  0x2028,
  0x2029,
  0x202f,
  0x205f,
  0x3000,
];

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, index) => first + index);
}

/** Per UTF-16 code unit: 1 when it separates words (whitespace or one of the delimiters). */
const SEPARATOR = new Uint8Array(0x10000);
for (const code of PYTHON_WHITESPACE) SEPARATOR[code] = 1;
for (const char of DELIMITERS) SEPARATOR[char.charCodeAt(0)] = 1;

/**
 * Split a text into the lesson's "clean text": delimiters to spaces, split on Python
 * whitespace, lower-case each word. One pass over the string; every separator is in the
 * Basic Multilingual Plane, so scanning UTF-16 code units never cuts a character in two.
 * (The lesson splits into lines first; every line break is also whitespace, so that step
 * changes nothing and is skipped here.)
 *
 * Lower-casing the whole text at once is faster than word by word and gives the same words:
 * lower-casing never creates or removes a separator, and the only mapping that depends on the
 * neighbouring characters is the Greek capital sigma (final form at the end of a word, where
 * "end" would see through an apostrophe or full stop). A text with a capital sigma is therefore
 * lower-cased word by word, as the lesson does.
 */
export function tokenize(text: string): string[] {
  const wordByWord = text.includes('\u03a3');
  const source = wordByWord ? text : text.toLowerCase();
  const words: string[] = [];
  let start = -1;
  for (let index = 0; index < source.length; index++) {
    if (SEPARATOR[source.charCodeAt(index)] === 1) {
      if (start >= 0) {
        words.push(source.slice(start, index));
        start = -1;
      }
    } else if (start < 0) {
      start = index;
    }
  }
  if (start >= 0) words.push(source.slice(start));
  if (wordByWord) for (let index = 0; index < words.length; index++) words[index] = (words[index] ?? '').toLowerCase();
  return words;
}

/** Decode bytes as strict UTF-8, keeping a leading byte-order mark as U+FEFF (like Python's text mode). */
export function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const at = offset < 0 ? '' : ` (byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset})`;
    throw new InputError(`'${name}' is not UTF-8 text${at}`);
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1. Only used to explain an error. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] ?? 0;
    const length =
      lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || index + length > bytes.length) return index;
    for (let next = 1; next < length; next++) if (((bytes[index + next] ?? 0) & 0xc0) !== 0x80) return index;
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(index, index + length));
    if (text.includes('\ufffd')) return index; // overlong form or surrogate
    index += length;
  }
  return -1;
}

/**
 * Largest input the programs read: they hold a whole book in memory, and Node cannot make
 * a string of more than 512 MiB anyway. Also what stops `/dev/zero` or an endless pipe.
 */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * Read a file, turning "no such file" and friends into one readable InputError. Files that
 * are not regular (a pipe, a device) are read up to {@link MAX_INPUT_BYTES} and refused beyond.
 */
export function readInput(path: string, what: string): Buffer {
  const tooLarge = (): InputError =>
    new InputError(`cannot read ${what} '${path}': it is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new InputError(`cannot read ${what} '${path}': ${describeFsError(error)}`);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw new InputError(`cannot read ${what} '${path}': it is a directory`);
    if (stats.isFile() && stats.size > MAX_INPUT_BYTES) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, MAX_INPUT_BYTES + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.byteLength, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > MAX_INPUT_BYTES) throw tooLarge();
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read ${what} '${path}': ${describeFsError(error)}`);
  } finally {
    closeSync(fd);
  }
}

/** `ENOENT` -> "no such file", etc.; anything unexpected keeps its own message. */
export function describeFsError(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Read a book and return its clean text (ACF.md sections 2 and 3). */
export function readBookWords(path: string): string[] {
  return tokenize(decodeUtf8(readInput(path, 'book'), path));
}

/** One line of a `.dat` file. */
export interface WordCount {
  readonly word: string;
  readonly count: number;
}

/**
 * Count words in first-seen order and sort by count, descending. `Array.prototype.sort` is
 * stable, so equal counts stay in order of first appearance, exactly like Python's
 * `sorted(..., reverse=True)` on an insertion-ordered dict.
 */
export function countWords(words: readonly string[]): WordCount[] {
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return [...counts].map(([word, count]) => ({ word, count })).sort((a, b) => b.count - a.count);
}

/**
 * The `.dat` text: `word count percent\n` per word, most frequent first. Words shorter than
 * `minLength` code points are dropped before the percentages are computed, as in the lesson.
 * The percentage is `count / total * 100.0` in that order (another order can change the last bit),
 * printed as Python prints a float.
 */
export function formatDat(counts: readonly WordCount[], minLength = 1): string {
  const kept = minLength <= 1 ? counts : counts.filter(({ word }) => codePointLength(word) >= minLength);
  let total = 0;
  for (const { count } of kept) total += count;
  // Most words share a handful of counts (1, 2, 3, ...): format each count's line ending once.
  const endings = new Map<number, string>();
  let out = '';
  for (const { word, count } of kept) {
    let ending = endings.get(count);
    if (ending === undefined) {
      ending = ` ${count} ${pyFloat((count / total) * 100.0)}\n`;
      endings.set(count, ending);
    }
    out += word + ending;
  }
  return out;
}

function codePointLength(word: string): number {
  let length = 0;
  for (const _ of word) length++;
  return length;
}

/**
 * Parse a `.dat` file: word, integer count, float percentage per line (lines starting
 * with `#` are skipped, as in the lesson). Malformed lines are an InputError naming the line.
 */
export function parseDat(text: string, name: string): WordCount[] {
  const out: WordCount[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    if (line.startsWith('#')) continue;
    // The word may start with U+FEFF, which is not whitespace for Python: split on spaces and tabs only.
    const fields = line.replace(/^[ \t\r]+|[ \t\r]+$/g, '').split(/[ \t]+/);
    const [word, countText, percentText] = fields;
    if (
      fields.length !== 3 ||
      word === undefined ||
      word === '' ||
      !/^\d+$/.test(countText ?? '') ||
      !Number.isFinite(Number(percentText))
    ) {
      throw new InputError(`'${name}' line ${index + 1} is not 'word count percent' (got ${JSON.stringify(line.slice(0, 60))})`);
    }
    out.push({ word, count: Number(countText) });
  }
  return out;
}

/** Read and parse a `.dat` file. */
export function readDat(path: string): WordCount[] {
  return parseDat(decodeUtf8(readInput(path, 'word-count file'), path), path);
}
