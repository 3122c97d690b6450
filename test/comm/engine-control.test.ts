// The engine's header control block: carried opaquely next to any payload, absent when not sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine } from '../../src/comm/engine.js';
import { LoopbackHub } from '../../src/transport/loopback.js';

function pair(): [Engine, Engine] {
  const hub = new LoopbackHub(2);
  return [new Engine(hub.transport(0)), new Engine(hub.transport(1))];
}

describe('engine control block', () => {
  const payloads: [string, unknown][] = [
    ['a small value (inlined in frame 0)', { a: 1, s: 'x' }],
    ['a typed array (copied into frame 0)', new Float64Array(4096).fill(2.5)],
    ['a typed array above the eager limit (its envelope travels first)', new Float64Array(1 << 17).fill(3.5)],
    ['null', null],
  ];
  for (const [name, value] of payloads) {
    it(`travels beside ${name} and leaves the value unchanged`, async () => {
      const [a, b] = pair();
      const control = new Uint8Array([7, 0, 255, 1, 2, 3]);
      // Not awaited before the receives: a large send resolves only once it is received.
      const sent = Promise.all([
        a.send(value, { dest: 1, context: 5, source: 0, tag: 9, label: 'test', control }),
        a.send(value, { dest: 1, context: 5, source: 0, tag: 9, label: 'test' }),
      ]);
      const first = await b.receive({ context: 5, source: 0, tag: 9, label: 'test' });
      assert.deepEqual(first.control === null ? null : [...first.control], [...control]);
      assert.deepEqual(b.value(first), value);
      const second = await b.receive({ context: 5, source: 0, tag: 9, label: 'test' });
      assert.equal(second.control, null);
      assert.deepEqual(b.value(second), value);
      await sent;
    });
  }

  it('an empty control block is present but empty', async () => {
    const [a, b] = pair();
    await a.send('v', { dest: 1, context: 5, source: 0, tag: 1, label: 'test', control: new Uint8Array(0) });
    const got = await b.receive({ context: 5, source: 0, tag: 1, label: 'test' });
    assert.equal(got.control?.byteLength, 0);
    assert.equal(b.value(got), 'v');
  });
});
