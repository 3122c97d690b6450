import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_HELD_BYTES, OutputForwarder, type OutputTarget, type StreamName } from '../../launcher/output.js';

/** Collects what the forwarder writes; `full` makes the destination report a full buffer. */
function collector(full = false): {
  target: OutputTarget;
  writes: [string, string][];
  bytes: (stream: StreamName) => Buffer;
  drain: () => void;
} {
  const writes: [string, string][] = [];
  const raw: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  const waiting: (() => void)[] = [];
  const target: OutputTarget = {
    write: (stream, bytes) => {
      writes.push([stream, Buffer.from(bytes).toString('latin1')]);
      raw[stream].push(Buffer.from(bytes));
      return !full;
    },
    whenDrained: (_stream, callback) => waiting.push(callback),
  };
  return {
    target,
    writes,
    bytes: (stream) => Buffer.concat(raw[stream]),
    drain: () => waiting.splice(0).forEach((callback) => callback()),
  };
}

const several = { tag: false, ranks: 4 };

describe('output forwarding', () => {
  it('writes only whole lines, whatever the chunking, and never interleaves ranks inside a line', () => {
    const { target, writes } = collector();
    const out = new OutputForwarder(target, several);
    out.write(0, 'stdout', Buffer.from('hel'));
    out.write(1, 'stdout', Buffer.from('other\npart'));
    out.write(0, 'stdout', Buffer.from('lo\nwor'));
    out.write(0, 'stdout', Buffer.from('ld\n'));
    assert.deepEqual(writes, [
      ['stdout', 'other\n'],
      ['stdout', 'hello\n'],
      ['stdout', 'world\n'],
    ]);
    out.flush(1);
    assert.deepEqual(writes.at(-1), ['stdout', 'part']);
  });

  it('an unterminated last line gets no newline; one is added only before another rank continues', () => {
    const { target, bytes } = collector();
    const out = new OutputForwarder(target, several);
    out.write(0, 'stdout', Buffer.from('zero'));
    out.flush(0);
    out.write(1, 'stdout', Buffer.from('one\ntwo'));
    out.flush(1);
    assert.equal(bytes('stdout').toString(), 'zero\none\ntwo');
  });

  it('tags every line with its rank when asked, on both streams', () => {
    const { target, writes } = collector();
    const out = new OutputForwarder(target, { tag: true, ranks: 4 });
    out.write(3, 'stderr', Buffer.from('a\nb\n'));
    out.write(2, 'stdout', Buffer.from('c\n'));
    out.write(2, 'stdout', Buffer.from('d'));
    out.flush(2);
    assert.deepEqual(writes, [
      ['stderr', '[3] a\n[3] b\n'],
      ['stdout', '[2] c\n'],
      ['stdout', '[2] d'],
    ]);
  });

  it('passes bytes through unchanged: invalid UTF-8, NUL, CR, split multi-byte characters', () => {
    const data = Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0xe2, 0x9c, 0x93, 0x0d, 0x0a, 0xc3, 0x0a, 0x80, 0x01]);
    for (const options of [{ tag: false, ranks: 1 }, several]) {
      const { target, bytes } = collector();
      const out = new OutputForwarder(target, options);
      for (const byte of data) out.write(0, 'stdout', Buffer.from([byte]));
      out.flush(0);
      assert.deepEqual(bytes('stdout'), data);
    }
  });

  it('one untagged rank: bytes go out at once, without waiting for a newline', () => {
    const { target, writes } = collector();
    const out = new OutputForwarder(target, { tag: false, ranks: 1 });
    out.write(0, 'stdout', Buffer.from('Enter a value: '));
    assert.deepEqual(writes, [['stdout', 'Enter a value: ']]);
  });

  it('holds at most MAX_HELD_BYTES of a line that never ends, and loses none of it', () => {
    const { target, bytes } = collector();
    const out = new OutputForwarder(target, several);
    const chunk = Buffer.alloc(10_000, 0x61);
    const total = 100;
    for (let i = 0; i < total; i++) out.write(2, 'stdout', chunk);
    assert.ok(bytes('stdout').length >= total * chunk.length - MAX_HELD_BYTES);
    out.flush(2);
    assert.equal(bytes('stdout').length, total * chunk.length);
  });
});

describe('output backpressure', () => {
  it('a line longer than MAX_HELD_BYTES stays whole: the other ranks wait until it ends', () => {
    const { target, bytes } = collector();
    const out = new OutputForwarder(target, several);
    const long = Buffer.alloc(MAX_HELD_BYTES + 10, 0x61);
    out.write(0, 'stdout', long);
    let waited = 0;
    out.write(1, 'stdout', Buffer.from('other\n'), () => waited++);
    assert.equal(waited, 0, 'rank 1 must wait while rank 0 is inside a long line');
    assert.equal(bytes('stdout').length, long.length, 'the long line is not held in memory');
    out.write(0, 'stdout', Buffer.from('end\nnext'));
    assert.equal(waited, 1);
    out.flush(0);
    assert.equal(bytes('stdout').toString(), `${long.toString()}end\nother\nnext`);
  });

  it('output that waited behind a long line keeps its order and is flushed whole when its rank has exited', () => {
    const { target, bytes } = collector();
    const out = new OutputForwarder(target, several);
    const long = Buffer.alloc(MAX_HELD_BYTES + 1, 0x61);
    out.write(0, 'stdout', long);
    const pieces = ['p1 ', 'p2\nq1 ', Buffer.alloc(MAX_HELD_BYTES, 0x62).toString(), 'q2\nr'];
    for (const piece of pieces) out.write(1, 'stdout', Buffer.from(piece));
    out.flush(1);
    assert.equal(bytes('stdout').length, long.length, 'rank 1 waits for rank 0');
    out.write(0, 'stdout', Buffer.from('\n'));
    out.flush(0);
    assert.equal(bytes('stdout').toString(), `${long.toString()}\n${pieces.join('')}`);
  });

  it('a rank that exits inside a long line lets the others through', () => {
    const { target, bytes } = collector();
    const out = new OutputForwarder(target, several);
    out.write(0, 'stdout', Buffer.alloc(MAX_HELD_BYTES + 1, 0x62));
    out.write(1, 'stdout', Buffer.from('x\n'));
    out.flush(0);
    assert.equal(bytes('stdout').toString(), `${'b'.repeat(MAX_HELD_BYTES + 1)}\nx\n`);
  });

  it('calls done at once while the destination takes more, and only after it drained when full', () => {
    for (const options of [{ tag: false, ranks: 1 }, several]) {
      const open = collector();
      let calls = 0;
      new OutputForwarder(open.target, options).write(0, 'stdout', Buffer.from('x\n'), () => calls++);
      assert.equal(calls, 1);
      const full = collector(true);
      new OutputForwarder(full.target, options).write(0, 'stdout', Buffer.from('x\n'), () => calls++);
      assert.equal(calls, 1, 'done must wait for the drain');
      full.drain();
      assert.equal(calls, 2);
    }
  });
});

describe('output filtering', () => {
  it("drops zeromq.js's exit notice about delivering queued messages, and nothing else", () => {
    const { target, writes } = collector();
    const out = new OutputForwarder(target, several);
    out.write(
      1,
      'stderr',
      Buffer.from(
        "(node:42) WARNING: Waiting for queued ZeroMQ messages to be delivered. Set 'context.blocky = false' to change this behaviour.\nreal error\n",
      ),
    );
    out.write(1, 'stdout', Buffer.from('(node:42) WARNING: Waiting for queued ZeroMQ messages to be delivered.\n'));
    assert.deepEqual(writes, [
      ['stderr', 'real error\n'],
      ['stdout', '(node:42) WARNING: Waiting for queued ZeroMQ messages to be delivered.\n'],
    ]);
  });
});
