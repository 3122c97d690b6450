// The round-trip table of README.md ("What values can be sent"), one row per assertion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode, elementCount, encode, Encoding, layoutOf, PACKED } from '../../src/codec/codec.js';
import { MpiError } from '../../src/errors.js';

function roundTrip(value: unknown): unknown {
  const encoded = encode(value, 'send');
  // Copy each frame the way a socket would hand it over (fresh, possibly unaligned).
  const frames = encoded.frames.map((frame) => {
    const padded = Buffer.alloc(frame.byteLength + 1);
    padded.set(frame, 1);
    return padded.subarray(1);
  });
  return decode(encoded.layout, frames);
}

const typedKinds = [
  new Int8Array([-128, 0, 127]),
  new Uint8Array([0, 255]),
  new Uint8ClampedArray([0, 200, 255]),
  new Int16Array([-32768, 32767]),
  new Uint16Array([0, 65535]),
  new Int32Array([-(2 ** 31), 2 ** 31 - 1]),
  new Uint32Array([0, 2 ** 32 - 1]),
  new Float32Array([1.5, -0, Infinity]),
  new Float64Array([Math.PI, -0, NaN, 1e308]),
  new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
  new BigUint64Array([0n, 2n ** 64n - 1n]),
];

describe('codec round trip', () => {
  const rows: [string, unknown][] = [
    ['integer', 42],
    ['negative float', -2.5],
    ['NaN', NaN],
    ['Infinity', -Infinity],
    ['string', 'héllo wörld ✓'],
    ['empty string', ''],
    ['true', true],
    ['false', false],
    ['null', null],
    ['undefined', undefined],
    ['array', [1, 'two', [3], { four: 4 }]],
    ['plain object', { a: 1, nested: { b: [true, null] } }],
    [
      'Map with non-string keys',
      new Map<unknown, unknown>([
        [1, 'one'],
        ['k', { v: 2 }],
        [true, null],
      ]),
    ],
    ['Set', new Set([1, 'a', 3])],
    ['Date', new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 123))],
    ['BigInt in 64 bits', -(2n ** 63n)],
    ['BigInt beyond 64 bits', 2n ** 200n + 7n],
    ['Buffer', Buffer.from('bytes')],
    ['Number object', new Number(5)],
    ['String object', new String('five')],
    ['Boolean object', new Boolean(false)],
    ['BigInt object', Object(5n)],
    ['object with an own __proto__ key', JSON.parse('{"__proto__": {"a": 1}, "b": 2}')],
    [
      '__proto__ keys nested in arrays, Maps and Sets',
      [new Map([['m', JSON.parse('{"__proto__": 1}')]]), new Set([JSON.parse('{"__proto__": 2}')])],
    ],
    ['the string "__proto__" as a value', { key: '__proto__', __proto_: 'a key of its own' }],
  ];
  for (const [name, value] of rows) {
    it(name, () => {
      const back = roundTrip(value);
      assert.deepEqual(back, value);
      if (value !== null && typeof value === 'object') assert.equal((back as object).constructor, (value as object).constructor);
    });
  }

  for (const array of typedKinds) {
    it(`${array.constructor.name} keeps its element type and bits, directly and inside an object`, () => {
      const direct = encode(array, 'send');
      assert.equal(direct.layout.encoding, Encoding.Typed);
      assert.equal(direct.layout.encoding === Encoding.Typed && direct.layout.bytesPerElement, array.BYTES_PER_ELEMENT);
      assert.equal(elementCount(direct.layout, direct.byteLength), array.length, 'counted in elements');
      assert.equal(layoutOf(direct.layout.encoding, direct.layout.typeCode), direct.layout, 'the two header bytes name the same layout');
      assert.equal(direct.frames.length, 1);
      assert.equal(direct.frames[0]?.buffer, array.buffer, 'typed arrays are not copied when encoded');
      for (const back of [roundTrip(array), (roundTrip({ inner: [array] }) as { inner: unknown[] }).inner[0]]) {
        assert.equal((back as object).constructor, array.constructor);
        assert.deepEqual(
          Buffer.from((back as Uint8Array).buffer, (back as Uint8Array).byteOffset, (back as Uint8Array).byteLength),
          Buffer.from(array.buffer),
        );
      }
    });
  }

  it('typed arrays inside objects travel as frames of their own, not inside the msgpack', () => {
    const big = new Float64Array(10_000).fill(1.25);
    const encoded = encode({ a: big, b: [new Int16Array(3)] }, 'send');
    assert.equal(encoded.frames.length, 3);
    assert.ok((encoded.frames[0]?.byteLength ?? Infinity) < 100);
    assert.equal(encoded.frames[1]?.byteLength, 80_000);
  });

  it('a subarray view sends only its own elements', () => {
    const whole = new Float64Array([1, 2, 3, 4, 5]);
    assert.deepEqual(roundTrip(whole.subarray(1, 3)), new Float64Array([2, 3]));
  });

  for (const [name, value] of [
    ['a function', () => 1],
    ['a function inside an object', { f: () => 1 }],
    ['a symbol', Symbol('s')],
    ['a symbol inside an array', [Symbol('s')]],
    ['a Promise', Promise.resolve(1)],
    ['a WeakMap', new WeakMap()],
    ['a WeakSet inside an object', { s: new WeakSet() }],
    ['a WeakRef', new WeakRef({})],
  ] as [string, unknown][]) {
    it(`rejects ${name} with ERR_CODEC`, () => {
      assert.throws(
        () => encode(value, 'send'),
        (error: unknown) => error instanceof MpiError && error.code === 'ERR_CODEC' && /^send: /.test(error.message),
      );
    });
  }

  it('an own __proto__ key arrives as an own key and never sets the prototype', () => {
    const back = roundTrip(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    assert.ok(Object.hasOwn(back, '__proto__'));
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('class instances arrive as plain objects with their own fields (as README says)', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const back = roundTrip(new Point(1, 2));
    assert.equal((back as object).constructor, Object);
    assert.deepEqual({ ...(back as object) }, { x: 1, y: 2 });
  });

  it('refuses at the sender a string no receiver could decode (over 0x1fffffe8 UTF-8 bytes)', () => {
    assert.throws(
      () => encode(['é'.repeat(270_000_000)], 'send'),
      (error: unknown) =>
        error instanceof MpiError && error.code === 'ERR_CODEC' && /540000000 UTF-8 bytes cannot be received/.test(error.message),
    );
  });

  it('refuses detached and over-large typed arrays with ERR_BUFFER', () => {
    const array = new Float64Array(4);
    structuredClone(array.buffer, { transfer: [array.buffer] });
    for (const value of [array, { inside: array }]) {
      assert.throws(
        () => encode(value, 'send'),
        (error: unknown) => error instanceof MpiError && error.code === 'ERR_BUFFER' && /detached/.test(error.message),
      );
    }
    assert.throws(
      () => encode(new Float64Array(2 ** 29 + 1), 'Send'),
      (error: unknown) => error instanceof MpiError && error.code === 'ERR_BUFFER' && /4294967295 bytes/.test(error.message),
    );
  });

  it('rejects a malformed message with ERR_CODEC', () => {
    assert.throws(
      () => decode(PACKED, [Buffer.from([0x92, 0x01])]),
      (error: unknown) => error instanceof MpiError && error.code === 'ERR_CODEC',
    );
    assert.throws(
      () => decode(layoutOf(Encoding.Typed, 9), [Buffer.alloc(7)]),
      (error: unknown) => error instanceof MpiError && error.code === 'ERR_CODEC',
    );
    for (const [encoding, typeCode] of [
      [2, 0],
      [Encoding.Typed, 12],
    ] as const) {
      assert.throws(
        () => layoutOf(encoding, typeCode),
        (error: unknown) => error instanceof MpiError && error.code === 'ERR_CODEC',
      );
    }
  });
});
