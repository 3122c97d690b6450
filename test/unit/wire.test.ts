// The engine's wire format (src/comm/wire.ts): the lean message of a small typed Send is
// byte for byte the message the general path makes, and parses back to the same envelope.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode, typedLayout } from '../../src/codec/codec.js';
import { eagerMessage, eagerTyped, Kind, parse } from '../../src/comm/wire.js';

const KINDS = [Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];

function sample(Ctor: (typeof KINDS)[number], length: number): ArrayBufferView {
  const array = new Ctor(length);
  for (let i = 0; i < length; i++) array[i] = (i * 37 + 5) % 120;
  return array;
}

describe('wire', () => {
  it('eagerTyped makes the same bytes as eagerMessage of the encoded value, for every element type and odd sizes', () => {
    for (const Ctor of KINDS) {
      for (const length of [0, 1, 3, 8, 9, 100]) {
        const value = sample(Ctor, length);
        const layout = typedLayout(value);
        assert.ok(layout !== null, `${Ctor.name} has a typed layout`);
        const payload = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        const lean = eagerTyped(layout, payload, 6, 3, 2 ** 31 - 1, 4);
        const general = eagerMessage(false, encode(value, 'send'), {
          context: 6,
          source: 3,
          tag: 2 ** 31 - 1,
          seq: 0,
          origin: 4,
          control: null,
        });
        assert.equal(lean.length, 1);
        assert.deepEqual(Buffer.from(lean[0] as Uint8Array), Buffer.from(general[0] as Uint8Array), `${Ctor.name}(${length})`);
      }
    }
  });

  it('a parsed lean message gives back its envelope and payload, and copies of the sender’s bytes', () => {
    const value = new Float64Array([1.5, -2, 3e300]);
    const layout = typedLayout(value);
    assert.ok(layout !== null);
    const frames = eagerTyped(layout, new Uint8Array(value.buffer), 9, 1, 77, 2);
    value.fill(0); // the message holds its own copy
    const message = parse(frames.map((frame) => Buffer.from(frame)));
    assert.equal(message.kind, Kind.Eager);
    assert.deepEqual([message.context, message.source, message.tag, message.origin, message.byteLength], [9, 1, 77, 2, 24]);
    assert.deepEqual(message.lengths, [24]);
    assert.equal(message.layout, layout);
    const payload = message.frames[0] as Uint8Array;
    assert.deepEqual([...new Float64Array(payload.slice().buffer)], [1.5, -2, 3e300]);
  });

  it('typedLayout names typed arrays only: not DataViews, plain objects claiming a constructor, or subclasses', () => {
    assert.equal(typedLayout(new DataView(new ArrayBuffer(8))), null);
    assert.equal(typedLayout({ constructor: Float64Array, byteLength: 8 }), null);
    assert.equal(typedLayout([1, 2]), null);
    class Sub extends Float64Array {}
    assert.equal(typedLayout(new Sub(2)), null);
    assert.equal(typedLayout(Buffer.alloc(2))?.bytesPerElement, 1);
    assert.equal(typedLayout(new BigInt64Array(1))?.bytesPerElement, 8);
  });
});
