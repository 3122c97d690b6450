/**
 * Backpressure between the launcher's streams: a source is read no faster than its
 * destination takes the bytes, so a slow reader (or a rank that never reads its stdin)
 * slows the sender instead of growing the launcher's memory.
 */

type Writable = NodeJS.WritableStream & { readonly destroyed: boolean; readonly writableNeedDrain: boolean };

/** Run `callback` once `stream` can take more (at once if it can now), or is gone. */
export function whenWritable(stream: Writable, callback: () => void): void {
  if (stream.destroyed || !stream.writableNeedDrain) return callback();
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    stream.off('drain', once);
    stream.off('close', once);
    stream.off('error', once);
    callback();
  };
  stream.on('drain', once);
  stream.on('close', once);
  stream.on('error', once);
}

/** Write `chunk` (null: end) to a child's stdin; `done` runs once it can take more, or is gone. */
export function writePaced(stdin: Writable | null | undefined, chunk: Buffer | null, done: () => void): void {
  if (stdin === null || stdin === undefined || stdin.destroyed) return done();
  if (chunk === null) stdin.end();
  else stdin.write(chunk);
  whenWritable(stdin, done);
}

/**
 * Read `stream` with backpressure: for each chunk, `handle` gets the chunk and
 * `keepPaused`, which returns a `done` callback; the stream stays paused until every
 * `done` handed out for that chunk has run.
 */
export function paced(stream: NodeJS.ReadableStream, handle: (chunk: Buffer, keepPaused: () => () => void) => void): void {
  stream.on('data', (chunk: Buffer) => {
    let pending = 1;
    const release = (): void => {
      if (--pending === 0) stream.resume();
    };
    stream.pause();
    handle(chunk, () => {
      pending++;
      let called = false;
      return () => {
        if (called) return;
        called = true;
        release();
      };
    });
    release();
  });
}
