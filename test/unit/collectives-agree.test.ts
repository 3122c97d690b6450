/**
 * The agreement round (src/collectives/agree.ts) over an in-memory network of links, and
 * the collective control block's format (src/collectives/control.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agree, contribution, merge, verdict, type AgreeLink, type AgreeState } from '../../src/collectives/agree.js';
import { decodeControl, encodeControl, isAgreementOnly, type Control } from '../../src/collectives/control.js';
import { doublingPlan } from '../../src/collectives/tree.js';
import { MpiError } from '../../src/errors.js';

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 16, 33];

/** Run the round on `size` ranks whose calls are `calls(rank)`; each link counts what it sends. */
async function round(size: number, calls: (rank: number) => string, local: (rank: number) => MpiError | null = () => null) {
  const queues = new Map<string, { states: AgreeState[]; waiters: ((state: AgreeState) => void)[] }>();
  const queue = (source: number, dest: number) => {
    const key = `${source}>${dest}`;
    let entry = queues.get(key);
    if (entry === undefined) queues.set(key, (entry = { states: [], waiters: [] }));
    return entry;
  };
  const sent = new Array<number>(size).fill(0);
  const entered = new Array<boolean>(size).fill(false);
  const results = await Promise.allSettled(
    Array.from({ length: size }, async (_, rank) => {
      const link: AgreeLink = {
        send: async (state, dest) => {
          sent[rank]!++;
          const decoded = decodeControl(encodeControl({ kind: 'agree', seq: 0, ...state, fused: false, marker: null }));
          assert.equal(decoded.kind, 'agree');
          const copy: AgreeState = { calls: decoded.calls, error: decoded.error };
          const entry = queue(rank, dest);
          const waiter = entry.waiters.shift();
          if (waiter) waiter(copy);
          else entry.states.push(copy);
        },
        recv: (source) => {
          const entry = queue(source, rank);
          const state = entry.states.shift();
          return state !== undefined ? Promise.resolve(state) : new Promise((resolve) => entry.waiters.push(resolve));
        },
      };
      entered[rank] = true;
      await agree(link, rank, size, contribution(rank, calls(rank), local(rank)), 'op', 6);
      return entered.every(Boolean);
    }),
  );
  for (const [key, entry] of queues) assert.equal(entry.states.length, 0, `unreceived ${key}`);
  return { results, sent };
}

const rejection = (result: PromiseSettledResult<unknown>): MpiError => {
  assert.equal(result.status, 'rejected');
  return (result as PromiseRejectedResult).reason as MpiError;
};

describe('agreement round', () => {
  it('agreeing ranks go ahead, each after sending one message per recursive-doubling step and only once every rank has entered', async () => {
    for (const size of SIZES) {
      const { results, sent } = await round(size, () => 'bcast(root 0)');
      for (const result of results) assert.deepEqual(result, { status: 'fulfilled', value: true });
      // Folded ranks send once (their state in); the others once per exchange, plus the state back to a folded partner.
      const expected = Array.from({ length: size }, (_, rank) => {
        const plan = doublingPlan(rank, size);
        return plan.role === 'folded' ? 1 : plan.exchanges.length + (plan.partner >= 0 ? 1 : 0);
      });
      assert.deepEqual(sent, expected);
    }
  });

  it('one rank in another call: every rank rejects with the same message naming both sides, whichever rank it is', async () => {
    for (const size of SIZES.filter((n) => n > 1)) {
      for (let odd = 0; odd < size; odd++) {
        const { results } = await round(size, (rank) => (rank === odd ? 'reduce(SUM, root 0)' : 'bcast(root 0)'));
        const messages = results.map((result) => rejection(result).message);
        const [first, second] = odd === 0 ? ['reduce(SUM, root 0)', 'bcast(root 0)'] : ['bcast(root 0)', 'reduce(SUM, root 0)'];
        const [low, high] = odd === 0 ? [0, 1] : [0, odd];
        assert.ok(messages[0]!.includes(`rank ${high} called ${second} where rank ${low} called ${first}`), messages[0]);
        assert.ok(messages[0]!.includes('(call 7 on this communicator)'));
        assert.equal(new Set(messages).size, 1);
        for (const result of results) assert.equal(rejection(result).code, 'ERR_COLL_MISMATCH');
      }
    }
  });

  it('three different calls are all named', async () => {
    const { results } = await round(5, (rank) => ['barrier()', 'bcast(root 0)', 'barrier()', 'Dup()', 'barrier()'][rank]!);
    for (const result of results) {
      assert.match(rejection(result).message, /rank 1 called bcast\(root 0\) and rank 3 called Dup\(\) where rank 0 called barrier\(\)/);
    }
  });

  it('an argument error on some ranks reaches every rank, the lowest rank’s first, before any mismatch', async () => {
    for (const size of SIZES.filter((n) => n > 2)) {
      const local = (rank: number) => (rank === 1 || rank === size - 1 ? new MpiError('ERR_ROOT', `bcast: root 99 on rank ${rank}`) : null);
      const { results } = await round(size, (rank) => (rank === 2 ? 'barrier()' : 'bcast(root 0)'), local);
      for (const result of results) {
        assert.equal(rejection(result).code, 'ERR_ROOT');
        assert.equal(rejection(result).message, 'bcast: root 99 on rank 1');
      }
    }
  });

  it('merge is a union with minimums: order and repetition do not matter', () => {
    const states = [
      contribution(3, 'a()', null),
      contribution(1, 'b()', null),
      contribution(2, 'a()', new MpiError('ERR_OP', 'x')),
      contribution(5, 'c()', new MpiError('ERR_ROOT', 'y')),
    ];
    const all = states.reduce(merge);
    assert.deepEqual(all.calls, [
      ['b()', 1],
      ['a()', 2],
      ['c()', 5],
    ]);
    assert.equal(all.error?.rank, 2);
    assert.deepEqual([...states].reverse().reduce(merge), all);
    assert.deepEqual(merge(all, all), all);
    assert.deepEqual(merge(merge(states[0]!, states[1]!), merge(states[2]!, states[3]!)), all);
    assert.equal(verdict(contribution(0, 'a()', null), 'op', 0), null);
  });
});

describe('collective control block', () => {
  it('round-trips both kinds, with and without an error, a marker and the fused flag', () => {
    const controls: Control[] = [
      { kind: 'data', seq: 0, call: 'bcast(root 0)', error: null },
      { kind: 'data', seq: 2 ** 31 - 1, call: 'Allreduce(Float64Array(4), SUM)', error: { code: 'ERR_OP', message: 'é\u0000"' } },
      {
        kind: 'agree',
        seq: 7,
        calls: [
          ['a()', 0],
          ['b()', 3],
        ],
        error: null,
        fused: false,
        marker: null,
      },
      { kind: 'agree', seq: 7, calls: [['a()', 0]], error: { code: 'ERR_ROOT', message: 'r', rank: 2 }, fused: false, marker: null },
      { kind: 'agree', seq: 2 ** 32 - 1, calls: [['ä()', 9]], error: null, fused: true, marker: { code: 'ERR_CODEC', message: 'm' } },
    ];
    for (const control of controls) assert.deepEqual(decodeControl(encodeControl(control)), control);
    // The sender's own call may be given pre-encoded, and the receiver may recognise it by its bytes.
    const own = Buffer.from('bcast(root 0)');
    const bytes = encodeControl({ kind: 'data', seq: 1, call: 'bcast(root 0)', error: null }, (call) =>
      call === 'bcast(root 0)' ? own : undefined,
    );
    assert.deepEqual(
      decodeControl(bytes, (raw) => (Buffer.compare(raw, own) === 0 ? 'mine' : undefined)),
      {
        kind: 'data',
        seq: 1,
        call: 'mine',
        error: null,
      },
    );
  });

  it('tells agreement-only blocks (the agree phase of a trace) from fused and data ones', () => {
    const agree = (fused: boolean) => encodeControl({ kind: 'agree', seq: 1, calls: [['a()', 0]], error: null, fused, marker: null });
    assert.equal(isAgreementOnly(agree(false)), true);
    assert.equal(isAgreementOnly(agree(true)), false);
    assert.equal(isAgreementOnly(encodeControl({ kind: 'data', seq: 1, call: 'a()', error: null })), false);
  });

  it('refuses malformed blocks with ERR_CODEC', () => {
    const good = Buffer.from(
      encodeControl({
        kind: 'agree',
        seq: 1,
        calls: [['a()', 0]],
        error: { code: 'ERR_ROOT', message: 'm', rank: 1 },
        fused: false,
        marker: null,
      }),
    );
    const withByte = (index: number, value: number) => {
      const copy = Buffer.from(good);
      copy[index] = value;
      return copy;
    };
    const bad: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['short header', good.subarray(0, 7)],
      ['truncated', good.subarray(0, good.byteLength - 1)],
      ['trailing byte', Buffer.concat([good, Buffer.from([0])])],
      ['unknown kind', withByte(0, 9)],
      ['unknown flag', withByte(1, 0x80)],
      ['no calls', withByte(2, 0)],
      [
        'code not ERR_',
        Buffer.from(encodeControl({ kind: 'data', seq: 1, call: 'a()', error: { code: 'ERR_OP', message: 'm' } })).fill(0x61, 13, 15),
      ],
    ];
    for (const [what, bytes] of bad) {
      assert.throws(
        () => decodeControl(bytes),
        (error: unknown) => error instanceof MpiError && error.code === 'ERR_CODEC',
        what,
      );
    }
  });
});
