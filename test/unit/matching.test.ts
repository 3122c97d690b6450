import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANY_SOURCE, ANY_TAG, MatchingEngine, type Envelope, type PostedReceive } from '../../src/comm/matching.js';

interface Msg extends Envelope {
  readonly id: string;
}

const msg = (id: string, source: number, tag: number, context = 0): Msg => ({ id, source, tag, context });

function receiver(source: number, tag: number, got: string[], accept: (m: Msg) => boolean = () => true): PostedReceive<Msg> {
  return {
    source,
    tag,
    take: (m) => {
      if (!accept(m)) {
        got.push(`declined ${m.id}`);
        return false;
      }
      got.push(m.id);
      return true;
    },
  };
}

describe('matching engine', () => {
  it('queues unexpected messages and gives the oldest match to a new receive', () => {
    const engine = new MatchingEngine<Msg>();
    engine.arrive(msg('a', 1, 5));
    engine.arrive(msg('b', 2, 5));
    engine.arrive(msg('c', 1, 6));
    const got: string[] = [];
    assert.equal(engine.post(0, receiver(1, 6, got)), 'matched');
    assert.equal(engine.post(0, receiver(ANY_SOURCE, 5, got)), 'matched');
    assert.equal(engine.post(0, receiver(ANY_SOURCE, ANY_TAG, got)), 'matched');
    assert.deepEqual(got, ['c', 'a', 'b']);
    assert.equal(engine.unexpectedCount, 0);
  });

  it('offers arrivals to posted receives in posting order', () => {
    const engine = new MatchingEngine<Msg>();
    const got: string[] = [];
    assert.equal(engine.post(0, receiver(ANY_SOURCE, ANY_TAG, got)), 'posted');
    assert.equal(engine.post(0, receiver(3, ANY_TAG, got)), 'posted');
    engine.arrive(msg('x', 3, 1));
    engine.arrive(msg('y', 3, 1));
    engine.arrive(msg('z', 3, 1));
    assert.deepEqual(got, ['x', 'y']);
    assert.equal(engine.unexpectedCount, 1);
  });

  it('keeps one sender in order whatever the wildcards (non-overtaking)', () => {
    const engine = new MatchingEngine<Msg>();
    for (let i = 0; i < 10; i++) engine.arrive(msg(`m${i}`, 1, i % 3));
    const got: string[] = [];
    for (let i = 0; i < 10; i++) engine.post(0, receiver(1, ANY_TAG, got));
    assert.deepEqual(
      got,
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
  });

  it('never matches across contexts', () => {
    const engine = new MatchingEngine<Msg>();
    engine.arrive(msg('coll', 0, 0, 1));
    const got: string[] = [];
    assert.equal(engine.post(0, receiver(ANY_SOURCE, ANY_TAG, got)), 'posted');
    engine.arrive(msg('user', 0, 0, 0));
    assert.deepEqual(got, ['user']);
    assert.equal(engine.peek(1, ANY_SOURCE, ANY_TAG)?.id, 'coll');
  });

  it('a declined message stays in place for a later receive', () => {
    const engine = new MatchingEngine<Msg>();
    engine.arrive(msg('big', 1, 0));
    engine.arrive(msg('next', 1, 0));
    const got: string[] = [];
    assert.equal(
      engine.post(
        0,
        receiver(1, 0, got, () => false),
      ),
      'declined',
    );
    assert.equal(engine.post(0, receiver(1, 0, got)), 'matched');
    assert.deepEqual(got, ['declined big', 'big']);
    // Declined on arrival: the next posted receive gets it instead.
    const late: string[] = [];
    engine.post(
      0,
      receiver(2, 0, late, () => false),
    );
    engine.post(0, receiver(2, 0, late));
    engine.arrive(msg('w', 2, 0));
    assert.deepEqual(late, ['declined w', 'w']);
  });

  it('probes see unexpected messages without taking them', () => {
    const engine = new MatchingEngine<Msg>();
    const seen: string[] = [];
    engine.watch(0, { source: 4, tag: 9, seen: (m) => seen.push(m.id) });
    engine.arrive(msg('other', 4, 8));
    engine.arrive(msg('this', 4, 9));
    assert.deepEqual(seen, ['this']);
    assert.equal(engine.peek(0, 4, 9)?.id, 'this');
    engine.watch(0, { source: ANY_SOURCE, tag: 8, seen: (m) => seen.push(m.id) });
    assert.deepEqual(seen, ['this', 'other']);
  });

  it('cancel withdraws a posted receive', () => {
    const engine = new MatchingEngine<Msg>();
    const got: string[] = [];
    const posted = receiver(ANY_SOURCE, ANY_TAG, got);
    engine.post(0, posted);
    assert.equal(engine.cancel(0, posted), true);
    engine.arrive(msg('a', 0, 0));
    assert.deepEqual(got, []);
    assert.equal(engine.unexpectedCount, 1);
  });

  it('drains a long unexpected queue from the front in linear time', () => {
    const engine = new MatchingEngine<Msg>();
    const count = 200_000;
    for (let i = 0; i < count; i++) engine.arrive(msg(String(i), i % 7, 0));
    let next = 0;
    let ordered = true;
    for (let i = 0; i < count; i++) {
      engine.post(0, { source: ANY_SOURCE, tag: ANY_TAG, take: (m) => ((ordered &&= m.id === String(next++)), true) });
    }
    assert.ok(ordered);
    assert.equal(engine.unexpectedCount, 0);
  });
});
