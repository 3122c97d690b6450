// Point-to-point semantics on many ranks in one process (loopback transport).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Comm } from '../../src/comm/comm.js';
import { Engine } from '../../src/comm/engine.js';
import { ANY_SOURCE, ANY_TAG, MpiError, Request, Status } from '../../src/index.js';
import { LoopbackHub } from '../../src/transport/loopback.js';
import { spmd } from '../helpers/spmd.js';

const rejectsWith = (code: string) => (error: unknown) => error instanceof MpiError && error.code === code;

describe('comm point-to-point (in process)', () => {
  for (const size of [1, 2, 3, 4, 8]) {
    it(`every rank sends to every rank, received with wildcards, order per sender kept (np ${size})`, async () => {
      await spmd(size, async (comm) => {
        const sends = [];
        for (let dest = 0; dest < size; dest++) for (let i = 0; i < 5; i++) sends.push(comm.send({ from: comm.rank, i }, dest, i));
        await Promise.all(sends);
        const next = new Array<number>(size).fill(0);
        const status = new Status();
        for (let n = 0; n < size * 5; n++) {
          const got = (await comm.recv(ANY_SOURCE, ANY_TAG, status)) as { from: number; i: number };
          assert.equal(got.from, status.source);
          assert.equal(got.i, next[got.from]);
          assert.equal(status.tag, got.i);
          next[got.from] = got.i + 1;
        }
      });
    });
  }

  it('a receive posted before the send gets the message; a specific-tag receive skips others', async () => {
    await spmd(2, async (comm) => {
      if (comm.rank === 1) {
        const later = comm.irecv(0, 2);
        const first = await comm.recv(0, 1);
        assert.equal(first, 'one');
        assert.equal(await later.wait(), 'two');
      } else {
        await comm.send('two', 1, 2);
        await comm.send('one', 1, 1);
      }
    });
  });

  it('Request.test reports completion without blocking; testall and waitany', async () => {
    await spmd(2, async (comm) => {
      if (comm.rank === 0) {
        const request = comm.irecv(1, 0);
        assert.deepEqual(request.test(), [false, undefined]);
        assert.deepEqual(Request.testall([request]), [false, undefined]);
        await comm.send('go', 1, 9);
        const status = new Status();
        const [index, value] = await Request.waitany([comm.irecv(1, 77), request], status);
        assert.equal(index, 1);
        assert.equal(value, 'reply');
        assert.equal(status.source, 1);
        assert.deepEqual(request.test(), [true, 'reply']);
        await comm.send('release', 1, 78);
      } else {
        await comm.recv(0, 9);
        await comm.send('reply', 0, 0);
        await comm.recv(0, 78);
        await comm.send('late', 0, 77);
      }
    });
  });

  it('a pending receive is reported with its own call’s arguments, however many calls came before', async () => {
    const hub = new LoopbackHub(2);
    const engines = [0, 1].map((rank) => new Engine(hub.transport(rank)));
    const [zero, one] = engines.map(
      (engine) =>
        new Comm(
          {
            engine,
            abort: () => {
              throw new Error('abort');
            },
          },
          0,
          [0, 1],
        ),
    ) as [Comm, Comm];
    const engine = engines[0] as Engine;
    const buf = new Float64Array(1);
    const report = (): string[] => engine.waitingReport().map((line) => line.replace(/ for [0-9.]+ s$/, ''));
    // The same call repeated, then other arguments: each report names the call waiting now.
    for (const tag of [5, 5, 6]) {
      const received = zero.Recv(buf, 1, tag);
      assert.deepEqual(report(), [`Recv(source=1, tag=${tag})`]);
      await one.Send(new Float64Array([tag]), 0, tag);
      await received;
      assert.deepEqual([...buf], [tag]);
      assert.deepEqual(report(), []);
    }
    const status = new Status();
    const any = zero.Recv(buf, ANY_SOURCE, ANY_TAG, status);
    const sent = zero.ssend('x', 1, 3);
    assert.deepEqual(report(), ['Recv(source=ANY_SOURCE, tag=ANY_TAG)', 'ssend(dest=1, tag=3)']);
    await one.Send(new Float64Array([8]), 0, 9);
    await any;
    assert.deepEqual([status.source, status.tag, status.count, buf[0]], [1, 9, 1, 8]);
    assert.deepEqual(report(), ['ssend(dest=1, tag=3)']);
    assert.equal(await one.recv(0, 3), 'x');
    await sent;
    assert.deepEqual(report(), []);
  });

  it('Recv into a small buffer fails with ERR_TRUNCATE and the message waits for a larger one', async () => {
    await spmd(2, async (comm) => {
      if (comm.rank === 0) {
        await comm.Send(new Float64Array([1, 2, 3]), 1, 4);
      } else {
        await assert.rejects(comm.Recv(new Float64Array(2), 0, 4), rejectsWith('ERR_TRUNCATE'));
        await assert.rejects(comm.Irecv(new Float64Array(1), 0, 4).wait(), rejectsWith('ERR_TRUNCATE'));
        const buffer = new Float64Array(5);
        const status = new Status();
        await comm.Recv(buffer, 0, 4, status);
        assert.deepEqual([...buffer], [1, 2, 3, 0, 0]);
        assert.equal(status.count, 3);
        assert.equal(status.Get_count(), 3);
      }
    });
  });

  it('Status.count is a typed array’s elements after probe, iprobe, recv and irecv; another value’s bytes', async () => {
    await spmd(2, async (comm) => {
      if (comm.rank === 0) {
        await comm.send(new Float64Array(5), 1, 1);
        await comm.send(new Int16Array(3), 1, 2);
        await comm.send('hello', 1, 3);
        return;
      }
      const probed = new Status();
      await comm.probe(0, 1, probed);
      const iprobed = new Status();
      assert.equal(await comm.iprobe(0, 1, iprobed), true);
      const received = new Status();
      await comm.recv(0, 1, received);
      for (const status of [probed, iprobed, received]) {
        assert.deepEqual([status.source, status.tag, status.count, status.Get_count(), status.byteLength], [0, 1, 5, 5, 40]);
      }
      const waited = new Status();
      await comm.irecv(0, 2).wait(waited);
      assert.deepEqual([waited.count, waited.byteLength], [3, 6]);
      const text = new Status();
      assert.equal(await comm.recv(0, 3, text), 'hello');
      assert.ok(text.byteLength > 0);
      assert.equal(text.count, text.byteLength, 'a value that is not a typed array counts its encoded bytes');
    });
  });

  it('Recv of an object message fails with ERR_BUFFER and leaves it for recv()', async () => {
    await spmd(1, async (comm) => {
      await comm.send({ not: 'typed' }, 0);
      await assert.rejects(comm.Recv(new Int8Array(100), 0), rejectsWith('ERR_BUFFER'));
      assert.deepEqual(await comm.recv(0), { not: 'typed' });
    });
  });

  it('the sender may change its value once send resolved', async () => {
    await spmd(2, async (comm) => {
      if (comm.rank === 0) {
        const data = new Int32Array([1, 2]);
        await comm.Send(data, 1);
        data[0] = 99;
        const value = { list: [1] };
        await comm.send(value, 1);
        value.list.push(2);
      } else {
        const buffer = new Int32Array(2);
        await comm.Recv(buffer, 0);
        assert.deepEqual([...buffer], [1, 2]);
        assert.deepEqual(await comm.recv(0), { list: [1] });
      }
    });
  });

  it('counts traffic in stats()', async () => {
    await spmd(2, async (comm) => {
      const before = comm.stats();
      if (comm.rank === 0) await comm.Send(new Uint8Array(100), 1);
      else await comm.Recv(new Uint8Array(100), 0);
      const after = comm.stats();
      if (comm.rank === 0) assert.deepEqual(after.sent, { messages: before.sent.messages + 1, bytes: before.sent.bytes + 100 });
      else assert.deepEqual(after.received, { messages: before.received.messages + 1, bytes: before.received.bytes + 100 });
    });
  });
});
