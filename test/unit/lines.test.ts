// The one line reader (src/util/lines.ts) over in-memory streams: chunk boundaries, the
// last unterminated line, stopping, the overlong-line bound, and JSON-lines messages.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { parseJsonLine, readJsonLines, readLines, type ReadLinesOptions } from '../../src/util/lines.js';

/** Feed `chunks` to readLines, end the stream, and return the lines it delivered. */
async function linesOf(chunks: readonly (string | Buffer)[], options: ReadLinesOptions = {}): Promise<string[]> {
  const stream = new PassThrough();
  const lines: string[] = [];
  readLines(stream, (line) => lines.push(line), options);
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await once(stream, 'end');
  return lines;
}

describe('readLines', () => {
  it('joins lines split across chunks and splits chunks holding several lines', async () => {
    assert.deepEqual(await linesOf(['ab', 'c\nde', 'f\n\ng\nh', 'i\n']), ['abc', 'def', '', 'g', 'hi']);
  });

  it('decodes a UTF-8 character split between two chunks', async () => {
    const bytes = Buffer.from('grüße\n');
    assert.deepEqual(await linesOf([bytes.subarray(0, 3), bytes.subarray(3)]), ['grüße']);
  });

  it('drops an unterminated last line unless asked to deliver it', async () => {
    assert.deepEqual(await linesOf(['one\ntwo']), ['one']);
    assert.deepEqual(await linesOf(['one\ntwo'], { lastLine: true }), ['one', 'two']);
    assert.deepEqual(await linesOf(['one\n'], { lastLine: true }), ['one']);
  });

  it('delivers nothing after stop, not even the rest of the chunk in hand', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    const stop = readLines(
      stream,
      (line) => {
        lines.push(line);
        if (line === 'first') stop();
      },
      { lastLine: true },
    );
    stream.write('first\nsecond\n');
    stream.end('third\nfourth');
    await once(stream, 'end');
    assert.deepEqual(lines, ['first']);
  });

  it('stops at a line longer than maxLineChars and calls overflow once', async () => {
    let overflows = 0;
    const lines = await linesOf(['short\n', 'x'.repeat(6), 'x'.repeat(6), '\nafter\n'], {
      maxLineChars: 10,
      overflow: () => overflows++,
    });
    assert.deepEqual(lines, ['short']);
    assert.equal(overflows, 1);
  });
});

describe('JSON lines', () => {
  it('parseJsonLine accepts only objects with a string kind', () => {
    assert.deepEqual(parseJsonLine('{"kind":"hello","rank":1}'), { kind: 'hello', rank: 1 });
    for (const text of ['', 'not json', '[1]', '"kind"', 'null', '{"kind":1}', '{"rank":1}']) assert.equal(parseJsonLine(text), null, text);
  });

  it('readJsonLines hands over each message, or null with the text of a line that is not one', async () => {
    const stream = new PassThrough();
    const got: [unknown, string][] = [];
    readJsonLines<{ kind: string }>(stream, (message, text) => got.push([message, text]));
    stream.end('{"kind":"a"}\nWelcome to host\n{"kind":"b","n":2}\n');
    await once(stream, 'end');
    assert.deepEqual(got, [
      [{ kind: 'a' }, '{"kind":"a"}'],
      [null, 'Welcome to host'],
      [{ kind: 'b', n: 2 }, '{"kind":"b","n":2}'],
    ]);
  });
});
