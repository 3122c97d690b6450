/**
 * The hosts launch mode (a hostfile and/or -H): ranks placed on the listed hosts; those on
 * this host start by child_process, every other host's through one ssh session to a host
 * agent (spawners/ssh.ts). Across hosts the ranks talk over TCP with the job's CURVE keys.
 * Loaded only for such a job.
 */
import { networkInterfaces } from 'node:os';
import { ENV, newJobCurve } from '../../src/runtime/env.js';
import { isLocalHost, type HostSlots } from '../hostfile.js';
import { LaunchError } from '../launch-error.js';
import { formatMap, place, PlacementError, type PlacedJob } from '../placement.js';
import { plan } from '../plan.js';
import { remoteProgram } from '../program.js';
import { LocalSpawner } from '../spawners/local.js';
import { SshSpawner } from '../spawners/ssh.js';
import { fitsHere, type Launches, type ModeInput } from './mode.js';

/**
 * Place -np ranks (default: every slot) on `hosts` by --map-by.
 * @throws LaunchError when they do not fit, this host cannot hold its part, or no address
 *   of this host reaches the others
 */
export async function hostsMode(input: ModeInput, hosts: readonly HostSlots[]): Promise<Launches> {
  const placed = placeOn(hosts, input);
  const isLocal = (name: string): boolean => isLocalHost(name, input.here);
  const remote = placed.placement.filter((entry) => !isLocal(entry.host));
  const localRanks = placed.placement.filter((entry) => isLocal(entry.host)).reduce((sum, entry) => sum + entry.ranks.length, 0);
  fitsHere({ np: placed.np, localRanks, sshSessions: remote.length }, localRanks > 0 ? input.cwd : null);
  if (input.displayMap) input.note(formatMap(hosts, placed, { mapBy: input.mapBy }));
  // Across hosts: TCP between hosts and a job-private CURVE key pair, from fresh randomness.
  const curve = remote.length > 0 ? await newJobCurve(input.jobId) : null;
  const localAddress =
    remote.length > 0 && placed.placement.some((entry) => isLocal(entry.host))
      ? await launcherAddress(input.ifInclude, remote[0]?.host ?? '', input.here)
      : null;
  const keys = curve === null ? {} : { [ENV.curvePublic]: curve.publicKey, [ENV.curveSecret]: curve.secretKey };
  const planned = plan({
    size: placed.np,
    placement: placed.placement,
    command: input.program,
    args: input.args,
    cwd: input.cwd,
    jobId: input.jobId,
    exported: input.exported,
    hostEnv: (name) =>
      isLocal(name) ? { [ENV.jobDir]: input.jobDir, ...(localAddress === null ? {} : { [ENV.tcpAddress]: localAddress }), ...keys } : keys,
  });
  const command = remoteProgram(input.program, input.ssh.node, input.path);
  const launches = planned.map((launch) => (isLocal(launch.host) ? launch : { ...launch, command }));
  const local = new LocalSpawner();
  const ssh = new SshSpawner(input.ssh);
  return { np: placed.np, launches, spawnerFor: (name) => (isLocal(name) ? local : ssh) };
}

function placeOn(hosts: readonly HostSlots[], input: ModeInput): PlacedJob {
  try {
    return place(hosts, input.np, { mapBy: input.mapBy, oversubscribe: input.oversubscribe });
  } catch (error) {
    if (error instanceof PlacementError) throw new LaunchError(error.message);
    throw error;
  }
}

/** The address ranks on the launcher's host announce in a job that spans hosts. */
async function launcherAddress(ifInclude: string | undefined, firstRemote: string, here: string): Promise<string> {
  const { AddressError, routeAddressTo, selectAddress } = await import('../addresses.js');
  try {
    if (ifInclude !== undefined) return selectAddress(ifInclude, networkInterfaces(), here);
    return await routeAddressTo(firstRemote);
  } catch (error) {
    if (error instanceof AddressError) throw new LaunchError(error.message);
    const reason = error instanceof Error ? error.message : String(error);
    throw new LaunchError(`cannot tell which address of this host ${firstRemote} reaches (${reason}); pass --if-include CIDR`);
  }
}
