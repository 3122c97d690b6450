import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputForwarder, type OutputTarget } from '../../launcher/output.js';

function collector(): { target: OutputTarget; writes: [string, string][] } {
  const writes: [string, string][] = [];
  return { target: { write: (stream, text) => writes.push([stream, text]) }, writes };
}

describe('output forwarding', () => {
  it('writes only whole lines, whatever the chunking, and never interleaves ranks inside a line', () => {
    const { target, writes } = collector();
    const out = new OutputForwarder(target, false);
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
    assert.deepEqual(writes.at(-1), ['stdout', 'part\n']);
  });

  it('tags every line with its rank when asked, on both streams', () => {
    const { target, writes } = collector();
    const out = new OutputForwarder(target, true);
    out.write(3, 'stderr', Buffer.from('a\nb\n'));
    out.write(2, 'stdout', Buffer.from('c\n'));
    assert.deepEqual(writes, [
      ['stderr', '[3] a\n[3] b\n'],
      ['stdout', '[2] c\n'],
    ]);
  });

  it('keeps a UTF-8 character split across chunks intact', () => {
    const { target, writes } = collector();
    const out = new OutputForwarder(target, false);
    const bytes = Buffer.from('✓\n');
    out.write(0, 'stdout', bytes.subarray(0, 1));
    out.write(0, 'stdout', bytes.subarray(1));
    assert.deepEqual(writes, [['stdout', '✓\n']]);
  });
});

describe('output filtering', () => {
  it("drops zeromq.js's exit notice about delivering queued messages, and nothing else", () => {
    const { target, writes } = collector();
    const out = new OutputForwarder(target, false);
    out.write(1, 'stderr', Buffer.from("(node:42) WARNING: Waiting for queued ZeroMQ messages to be delivered. Set 'context.blocky = false' to change this behaviour.\nreal error\n"));
    out.write(1, 'stdout', Buffer.from('(node:42) WARNING: Waiting for queued ZeroMQ messages to be delivered.\n'));
    assert.deepEqual(writes, [
      ['stderr', 'real error\n'],
      ['stdout', '(node:42) WARNING: Waiting for queued ZeroMQ messages to be delivered.\n'],
    ]);
  });
});
