/**
 * An outside socket at a rank's inbox: what the CURVE tests use to show that only
 * processes holding the job's keys get in.
 */
import { execFileSync } from 'node:child_process';
import * as zmq from 'zeromq';
import { deriveJobKeys } from '../../src/runtime/job-keys.js';

/** Keys of a CURVE client (z85), as `deriveJobKeys(...).curve` gives them. */
export interface ClientCurve {
  readonly publicKey: string;
  readonly secretKey: string;
}

/**
 * A socket of our own connects to `endpoint` (without CURVE, or with `curve`) and sends
 * `frames`; resolves with how its handshake ended: `handshake` when it was let in,
 * `handshake:error:...` when it was refused.
 */
export function intrude(endpoint: string, frames: Uint8Array[], curve?: ClientCurve): Promise<string> {
  const socket = new zmq.Dealer({
    linger: 0,
    routingId: 'outsider',
    ...(curve === undefined ? {} : { curveServerKey: curve.publicKey, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey }),
  });
  return new Promise<string>((resolve) => {
    for (const type of ['handshake', 'handshake:error:protocol', 'handshake:error:auth', 'handshake:error:other'] as const)
      socket.events.on(type, () => resolve(type));
    socket.connect(endpoint);
    socket.send(frames).catch(() => {});
  }).finally(() => socket.close());
}

/**
 * Two outsiders try each endpoint with the forged message `frames`: a plain socket (no
 * CURVE) and one holding another job's keys. Resolves with every attempt that was let in
 * (`endpoint: outcome`); a job's inboxes must refuse them all (an empty list).
 */
export async function admittedOutsiders(endpoints: readonly string[], frames: Uint8Array[]): Promise<string[]> {
  const outsiders = [undefined, deriveJobKeys(Buffer.from('not the job secret'), 'other').curve];
  const attempts = outsiders.flatMap((curve) =>
    endpoints.map(
      async (endpoint) =>
        `${endpoint} (${curve === undefined ? 'no CURVE' : 'another job’s keys'}): ${await intrude(endpoint, frames, curve)}`,
    ),
  );
  return (await Promise.all(attempts)).filter((outcome) => !outcome.includes(': handshake:error'));
}

/** The `tcp://address:port` endpoints on which the processes `pids` listen (`ss -Htlnp`). */
export function listeningEndpoints(pids: readonly number[]): string[] {
  const listening = execFileSync('ss', ['-Htlnp'], { encoding: 'utf8' });
  return [...listening.matchAll(/\s(\d+\.\d+\.\d+\.\d+:\d+)\s.*\bpid=(\d+),/g)]
    .filter((match) => pids.includes(Number(match[2])))
    .map((match) => `tcp://${match[1]}`);
}
