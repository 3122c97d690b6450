// The engine over a scripted transport (no processes): what a transport failure does to
// pending operations, and that control messages that cannot be sent are never lost silently.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine } from '../../src/comm/engine.js';
import { MpiError } from '../../src/errors.js';
import type { FailureHandler, FrameHandler, Transport } from '../../src/transport/transport.js';

class ScriptedTransport implements Transport {
  readonly rank = 0;
  readonly size = 2;
  handler: FrameHandler = () => {};
  failure: FailureHandler = () => {};
  readonly sent: Uint8Array[][] = [];
  failSends = false;
  setHandler(handler: FrameHandler, onFailure: FailureHandler): void {
    this.handler = handler;
    this.failure = onFailure;
  }
  send(_dest: number, frames: readonly Uint8Array[]): Promise<void> {
    if (this.failSends) return Promise.reject(new Error('socket gone'));
    this.sent.push([...frames]);
    return Promise.resolve();
  }
  keepReceiving(): () => void {
    return () => {};
  }
  poll(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const code = (expected: string) => (error: unknown) => error instanceof MpiError && error.code === expected;

describe('engine', () => {
  it('a transport failure rejects every pending operation with ERR_TRANSPORT and says so once', async () => {
    const transport = new ScriptedTransport();
    const warnings: string[] = [];
    const engine = new Engine(transport, { warn: (line) => warnings.push(line) });
    const receive = engine.receive({ context: 0, source: 1, tag: 5, label: 'recv(source=1, tag=5)' });
    const probe = engine.probe(0, 1, 6, 'probe');
    const ssend = engine.send('x', { dest: 1, context: 0, source: 0, tag: 3, mode: 'sync', label: 'ssend(dest=1, tag=3)' });
    const large = engine.send(new Uint8Array(1 << 20), { dest: 1, context: 0, source: 0, tag: 4, label: 'Send(dest=1, tag=4)' });
    await new Promise((resolve) => setImmediate(resolve));
    transport.failure(new Error('ETERM'));
    await assert.rejects(receive, code('ERR_TRANSPORT'));
    await assert.rejects(probe, code('ERR_TRANSPORT'));
    await assert.rejects(ssend, code('ERR_TRANSPORT'));
    await assert.rejects(large, code('ERR_TRANSPORT'));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^tsmpi: rank 0: transport: the transport failed \(ETERM\)$/);
  });

  it('an ssend acknowledgement that cannot be sent fails pending operations instead of vanishing', async () => {
    const sender = new ScriptedTransport();
    // Never acknowledged here: only its frames are wanted (handed over synchronously).
    void new Engine(sender).send('sync', { dest: 0, context: 0, source: 1, tag: 9, mode: 'sync', label: 'ssend' });
    const frames = sender.sent[0];
    assert.ok(frames !== undefined);
    const transport = new ScriptedTransport();
    const warnings: string[] = [];
    const engine = new Engine(transport, { warn: (line) => warnings.push(line) });
    const other = engine.receive({ context: 0, source: 1, tag: 10, label: 'recv(source=1, tag=10)' });
    transport.failSends = true;
    transport.handler(frames);
    assert.equal(engine.value(await engine.receive({ context: 0, source: 1, tag: 9, label: 'recv' })), 'sync');
    await assert.rejects(other, code('ERR_TRANSPORT'));
    assert.match(warnings[0] ?? '', /ssend acknowledgement: the transport failed \(socket gone\)/);
  });

  it('a small send resolves at once with its payload copied; a large one waits for the receiver', async () => {
    const transport = new ScriptedTransport();
    const engine = new Engine(transport, { eagerLimit: 1024 });
    const small = new Uint8Array(1024).fill(7);
    await engine.send(small, { dest: 1, context: 0, source: 0, tag: 1, label: 'Send' });
    small.fill(0);
    assert.equal(transport.sent[0]?.length, 1, 'one frame');
    assert.ok(transport.sent[0]?.[0]?.includes(7), 'the payload was copied before the change');
    let resolved = false;
    void engine.send(new Uint8Array(1025), { dest: 1, context: 0, source: 0, tag: 2, label: 'Send' }).then(() => (resolved = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(resolved, false);
    assert.equal(transport.sent[1]?.[0]?.byteLength, 24 + 16, 'only the envelope travelled');
  });
});
