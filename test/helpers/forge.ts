/**
 * The frames the engine would send for a point-to-point message, captured instead of
 * sent: what a test injects on a socket to play a rank it is not.
 */
import { Engine } from '../../src/comm/engine.js';
import type { Transport } from '../../src/transport/transport.js';

/** Frames of `send(value, dest, tag)` on the world communicator from world rank `origin` of a job of `size`. */
export async function forgedMessage(value: unknown, origin: number, size: number, dest: number, tag: number): Promise<Uint8Array[]> {
  let frames: Uint8Array[] = [];
  const capture: Transport = {
    rank: origin,
    size,
    setHandler: () => {},
    send: async (_dest, sent) => {
      frames = [...sent];
    },
    keepReceiving: () => () => {},
    poll: async () => {},
    close: async () => {},
  };
  await new Engine(capture).send(value, { dest, context: 0, source: origin, tag, label: 'send' });
  return frames;
}
