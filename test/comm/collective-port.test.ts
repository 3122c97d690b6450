// A collective call's port over the engine: every message carries the call in its
// header's control block; an error marker is the control block's error flag with no
// payload; a message of another call or without a control block is never read as data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeControl } from '../../src/collectives/control.js';
import { ErrorMarker, isMarker } from '../../src/collectives/marker.js';
import { agreementTag, callPorts, type CallSite } from '../../src/comm/collective-port.js';
import { Engine } from '../../src/comm/engine.js';
import { MpiError } from '../../src/errors.js';
import { LoopbackHub } from '../../src/transport/loopback.js';
import { FAKE_MARKER } from '../helpers/mismatch-cases.js';

function sites(call: string): [CallSite, CallSite] {
  const hub = new LoopbackHub(2);
  const engines = [new Engine(hub.transport(0)), new Engine(hub.transport(1))];
  const site = (rank: number): CallSite => ({
    engine: engines[rank]!,
    context: 3,
    seq: 5,
    rank,
    size: 2,
    worldRank: (r) => r,
    name: 'bcast',
    call,
  });
  return [site(0), site(1)];
}

const code = (expected: string) => (error: unknown) => error instanceof MpiError && error.code === expected;

describe('collective port', () => {
  it('user values arrive as they were sent, a marker as a marker, each with the call in the header', async () => {
    const [a, b] = sites('bcast(root 0)');
    const { port: sender } = callPorts(a);
    const { port: receiver } = callPorts(b);
    await sender.send(FAKE_MARKER, 1);
    await sender.send(new ErrorMarker('ERR_CODEC', 'bcast: cannot encode'), 1);
    assert.deepEqual(await receiver.recv(0), FAKE_MARKER);
    const marker = await receiver.recv(0);
    assert.ok(isMarker(marker));
    assert.deepEqual({ ...marker }, { code: 'ERR_CODEC', message: 'bcast: cannot encode' });
  });

  it('a data message of another call is a mismatch naming both, never a value', async () => {
    const [a, b] = sites('bcast(root 0)');
    await a.engine.send(42, {
      dest: 1,
      context: 3,
      source: 0,
      tag: 5,
      label: 'test',
      control: encodeControl({ kind: 'data', seq: 5, call: 'reduce(SUM, root 0)', error: null }),
    });
    await assert.rejects(callPorts(b).port.recv(0), (error: unknown) => {
      assert.ok(code('ERR_COLL_MISMATCH')(error));
      assert.match((error as Error).message, /rank 0 sent reduce\(SUM, root 0\) where rank 1 is in bcast\(root 0\)/);
      return true;
    });
  });

  it('a message without a control block, or of another sequence number, is refused', async () => {
    const [a, b] = sites('bcast(root 0)');
    await a.engine.send('plain', { dest: 1, context: 3, source: 0, tag: 5, label: 'test' });
    await assert.rejects(callPorts(b).port.recv(0), code('ERR_INTERN'));
    await a.engine.send('late', {
      dest: 1,
      context: 3,
      source: 0,
      tag: 5,
      label: 'test',
      control: encodeControl({ kind: 'data', seq: 4, call: 'bcast(root 0)', error: null }),
    });
    await assert.rejects(callPorts(b).port.recv(0), code('ERR_INTERN'));
    await a.engine.send(null, { dest: 1, context: 3, source: 0, tag: agreementTag(5), label: 'test', control: Buffer.from('{not json') });
    await assert.rejects(callPorts(b).link.recv(0), code('ERR_CODEC'));
  });

  it('the agreement link carries its state in the header only, on a tag of its own beside the data', async () => {
    const [a, b] = sites('bcast(root 0)');
    const state = { calls: [['bcast(root 0)', 0] as const], error: { code: 'ERR_ROOT' as const, message: 'm', rank: 0 } };
    const [sender, receiver] = [callPorts(a), callPorts(b)];
    await sender.port.send('data first', 1);
    await sender.link.send(state, 1);
    assert.deepEqual(await receiver.link.recv(0), state);
    assert.equal(await receiver.port.recv(0), 'data first');
    await a.engine.send(1, {
      dest: 1,
      context: 3,
      source: 0,
      tag: agreementTag(5),
      label: 'test',
      control: encodeControl({ kind: 'data', seq: 5, call: 'bcast(root 0)', error: null }),
    });
    await assert.rejects(receiver.link.recv(0), code('ERR_INTERN'));
  });

  it("a large payload waits for the agreement; a mismatch verdict withdraws pending receives and drops the call's messages", async () => {
    const [a, b] = sites('bcast(root 0)');
    const [sender, receiver] = [callPorts(a), callPorts(b)];
    const large = new Uint8Array(a.engine.eagerLimit + 1);
    let sent = false;
    const sending = sender.port.send(large, 1).then(() => (sent = true));
    await sender.port.send('small', 1);
    assert.equal(await receiver.port.recv(0), 'small');
    assert.equal(sent, false, 'a rendezvous-sized send left before the agreement');
    const waiting = receiver.port.recv(0);
    const verdict = new MpiError('ERR_COLL_MISMATCH', 'bcast: calls do not match');
    receiver.conclude(verdict);
    await assert.rejects(waiting, (error: unknown) => error === verdict);
    await sender.port.send('dropped', 1);
    sender.conclude(verdict);
    await assert.rejects(sending, (error: unknown) => error === verdict);
    await assert.rejects(sender.port.send('refused', 1), (error: unknown) => error === verdict);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      b.engine.unreceived(() => true),
      [],
    );
  });
});
