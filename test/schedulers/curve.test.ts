// The inbox of a foreign-launched rank accepts only processes holding the job's keys:
// a transport whose keys come from another secret (or another job) connects to the
// same endpoint, but its message never arrives, while a member's messages sent after it do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveJobKeys } from '../../src/runtime/job-keys.js';
import { ZmqTransport } from '../../src/transport/zmq.js';

describe('CURVE keys derived for a foreign-launched job', () => {
  // A regression that lets an outsider's message through, or loses a member's, would
  // otherwise wait forever for 'member N': the timeout turns that hang into a failure, and
  // its abort ends the wait so that the sockets are closed and the file ends.
  it('a socket with another secret’s or another job’s keys cannot deliver to a rank’s inbox', { timeout: 60_000 }, async (t) => {
    const keys = deriveJobKeys(Buffer.from('the job secret'), 'slurm::1.0');
    const inbox = await ZmqTransport.bind({ rank: 0, size: 2, host: 'a', tcpAddress: '127.0.0.1', curve: keys.curve, lingerMs: 0 });
    const received: string[] = [];
    let arrived: () => void = () => {};
    inbox.transport.setHandler(
      (frames) => {
        received.push(Buffer.from(frames[0] ?? new Uint8Array()).toString());
        arrived();
      },
      (error) => assert.fail(error),
    );
    const release = inbox.transport.keepReceiving();
    const peers = [inbox.address, { host: 'b' }];
    const outsiders = [
      deriveJobKeys(Buffer.from('another secret'), 'slurm::1.0'),
      deriveJobKeys(Buffer.from('the job secret'), 'slurm::2.0'),
    ];
    const senders = [];
    try {
      for (const [i, outsider] of outsiders.entries()) {
        const { transport } = await ZmqTransport.bind({
          rank: 1,
          size: 2,
          host: 'b',
          tcpAddress: '127.0.0.1',
          curve: outsider.curve,
          lingerMs: 0,
        });
        transport.setPeers(peers);
        senders.push(transport);
        await transport.send(0, [Buffer.from(`outsider ${i}`)]);
      }
      const { transport: member } = await ZmqTransport.bind({
        rank: 1,
        size: 2,
        host: 'b',
        tcpAddress: '127.0.0.1',
        curve: keys.curve,
        lingerMs: 0,
      });
      member.setPeers(peers);
      senders.push(member);
      for (const n of [1, 2, 3]) {
        const got = new Promise<void>((resolve, reject) => {
          arrived = resolve;
          t.signal.addEventListener('abort', () => reject(new Error(`member ${n} never arrived`)), { once: true });
        });
        await member.send(0, [Buffer.from(`member ${n}`)]);
        await got;
      }
      assert.deepEqual(received, ['member 1', 'member 2', 'member 3']);
    } finally {
      release();
      for (const sender of senders) await sender.close();
      await inbox.transport.close();
    }
  });
});
