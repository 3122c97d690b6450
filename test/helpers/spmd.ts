/**
 * Run an SPMD body on `size` ranks inside this process, over the loopback transport:
 * fast tests of the comm layer with real Comm objects and no processes.
 */
import { Comm } from '../../src/comm/comm.js';
import { Engine } from '../../src/comm/engine.js';
import { LoopbackHub } from '../../src/transport/loopback.js';
import type { SharedFiles } from '../../src/transport/shared-files.js';

/**
 * `sharedFiles`: each rank's shared files (shared-files.ts), as ranks on one host have them
 * over zeromq. `hosts`: the host each rank says it runs on (default: all on one).
 */
export async function spmd<T>(
  size: number,
  body: (comm: Comm) => Promise<T>,
  options: { readonly sharedFiles?: (rank: number) => SharedFiles; readonly hosts?: (rank: number) => string } = {},
): Promise<T[]> {
  const hub = new LoopbackHub(size, options);
  const group = Array.from({ length: size }, (_, rank) => rank);
  const comms = group.map((rank) => {
    const engine = new Engine(hub.transport(rank));
    return new Comm(
      {
        engine,
        abort: (code, reason) => {
          throw new Error(`abort(${code}): ${reason}`);
        },
      },
      0,
      group,
    );
  });
  return Promise.all(comms.map((comm) => body(comm)));
}
