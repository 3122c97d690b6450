/**
 * Foreign launchers: recognise a rank started by Slurm's `srun`, Open MPI's `mpirun`
 * or MPICH's `mpiexec.hydra` (instead of tsmpirun) from the variables that launcher
 * sets, and work out what the rendezvous needs: rank, size, a key naming the job, and
 * where rank 0 can be found ({@link detectForeign}, pure); then wire up through the
 * rendezvous with the job's derived keys ({@link wireUpForeign}).
 *
 * The variables read here, and the TSMPI_* overrides, are documented with the rest of
 * the env contract in env.ts.
 */
import { MpiError } from '../errors.js';
import type { RendezvousLink } from '../transport/rendezvous.js';
import type { Transport } from '../transport/transport.js';
import { ENV, intFromEnv } from './env.js';

/** Which process manager started this process. */
export type ForeignKind = 'slurm' | 'openmpi' | 'mpich';

/** What a rank started by a foreign launcher knows about its job. */
export interface ForeignJob {
  readonly kind: ForeignKind;
  readonly rank: number;
  readonly size: number;
  /**
   * Names this job and no other running one: the rendezvous port is derived from it,
   * and it is mixed into the job's keys. Not secret.
   */
  readonly jobKey: string;
  /** True when every rank runs on this node: everything then stays on 127.0.0.1. */
  readonly singleNode: boolean;
  /** Host (name or address) where rank 0 listens, when the job spans nodes. */
  readonly rendezvousHost: string;
  /** A fixed rendezvous port (from TSMPI_RENDEZVOUS=host:port), else derived from the job key. */
  readonly rendezvousPort?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The first host of a Slurm hostlist: `h[1-3],x5` → `h1`, `node[007-009]` → `node007`,
 * `a,b` → `a`. (Rank 0 runs on the first node of its step under Slurm's block and cyclic
 * distributions, the defaults.)
 */
export function firstSlurmNode(nodelist: string): string {
  const match = /^([^,[\]]*)(?:\[([^\]]*)\])?/.exec(nodelist.trim());
  const prefix = match?.[1] ?? '';
  const ranges = match?.[2];
  if (ranges === undefined) return prefix;
  const first = (ranges.split(',')[0] ?? '').split('-')[0] ?? '';
  return `${prefix}${first}`;
}

/** Parse TSMPI_RENDEZVOUS (`host:port`, `host`, or `[v6]:port`). */
export function parseRendezvous(text: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? plain;
  const host = match?.[1];
  if (match === null || host === undefined) {
    throw new MpiError('ERR_INIT', `init: ${ENV.rendezvous}=${JSON.stringify(text)} is not host or host:port`);
  }
  if (match[2] === undefined) return { host };
  const port = Number(match[2]);
  if (!(port > 0 && port < 65536))
    throw new MpiError('ERR_INIT', `init: ${ENV.rendezvous}=${JSON.stringify(text)} has a port outside 1..65535`);
  return { host, port };
}

/**
 * Recognise a foreign launcher in `env`; null when none started this process (or when
 * tsmpirun did: its TSMPI_RANK wins). `parentPid` names an MPICH job on one node (all
 * of a node's ranks are children of one hydra proxy, and hydra gives no job id).
 * @throws ERR_INIT when the launcher's variables are malformed, or a multi-node job
 *   gives no way to find rank 0 (set TSMPI_RENDEZVOUS)
 */
export function detectForeign(env: Env, parentPid: number, host: string): ForeignJob | null {
  if (env[ENV.rank] !== undefined || env[ENV.foreign] === 'off') return null;
  const given = env[ENV.rendezvous] || undefined;
  const override = given === undefined ? undefined : parseRendezvous(given);
  const overrideKey = given === undefined ? undefined : `rendezvous:${given}`;
  const job = (
    kind: ForeignKind,
    rank: number,
    size: number,
    jobKey: string,
    singleNode: boolean,
    firstHost: string | undefined,
  ): ForeignJob => {
    if (rank >= size) throw new MpiError('ERR_INIT', `init: ${kind} gave rank ${rank}, not below its size ${size}`);
    const rendezvousHost = override?.host ?? (singleNode ? '127.0.0.1' : firstHost);
    if (rendezvousHost === undefined) {
      throw new MpiError(
        'ERR_INIT',
        `init: this ${kind} job spans nodes and its environment does not say where rank 0 runs; set ${ENV.rendezvous}=host[:port] (rank 0's host) for every rank`,
      );
    }
    return {
      kind,
      rank,
      size,
      jobKey: env[ENV.jobKey] ?? jobKey,
      singleNode: singleNode && override === undefined,
      rendezvousHost,
      ...(override?.port === undefined ? {} : { rendezvousPort: override.port }),
    };
  };
  const slurmRank = intFromEnv('SLURM_PROCID', env);
  const slurmSize = intFromEnv('SLURM_NTASKS', env) ?? intFromEnv('SLURM_NPROCS', env);
  // A batch script has SLURM_PROCID=0 but no step: only a task of an srun step is a rank.
  if (slurmRank !== undefined && slurmSize !== undefined && env.SLURM_JOB_ID !== undefined && env.SLURM_STEP_ID !== undefined) {
    const nodes = intFromEnv('SLURM_STEP_NUM_NODES', env) ?? intFromEnv('SLURM_NNODES', env) ?? 1;
    const nodelist = env.SLURM_STEP_NODELIST ?? env.SLURM_JOB_NODELIST;
    const key = `slurm:${env.SLURM_CLUSTER_NAME ?? ''}:${env.SLURM_JOB_ID}.${env.SLURM_STEP_ID ?? ''}`;
    return job('slurm', slurmRank, slurmSize, key, nodes <= 1, nodelist === undefined ? undefined : firstSlurmNode(nodelist));
  }
  const ompiRank = intFromEnv('OMPI_COMM_WORLD_RANK', env);
  const ompiSize = intFromEnv('OMPI_COMM_WORLD_SIZE', env);
  if (ompiRank !== undefined && ompiSize !== undefined) {
    const id = env.PMIX_NAMESPACE ?? env.OMPI_MCA_ess_base_jobid ?? env.OMPI_MCA_orte_hnp_uri;
    if (id === undefined && overrideKey === undefined)
      throw new MpiError('ERR_INIT', 'init: Open MPI gave no job id (PMIX_NAMESPACE, OMPI_MCA_ess_base_jobid); set TSMPI_JOB_KEY');
    const local = intFromEnv('OMPI_COMM_WORLD_LOCAL_SIZE', env);
    return job('openmpi', ompiRank, ompiSize, `openmpi:${id ?? overrideKey}`, local === ompiSize, undefined);
  }
  const pmiRank = intFromEnv('PMI_RANK', env);
  const pmiSize = intFromEnv('PMI_SIZE', env);
  if (pmiRank !== undefined && pmiSize !== undefined) {
    const local = intFromEnv('MPI_LOCALNRANKS', env);
    const singleNode = local === pmiSize;
    // Across nodes the hydra proxies differ, so the parent pid names nothing shared: use the override.
    const key = singleNode ? `mpich:${host}:${parentPid}` : (overrideKey ?? `mpich:${host}:${parentPid}`);
    return job('mpich', pmiRank, pmiSize, key, singleNode, undefined);
  }
  return null;
}

const DEFAULT_TIMEOUT_S = 120;

/**
 * Wire up a rank of a foreign-launched job: derive the job's keys, bind this rank's inbox
 * (tcp with CURVE; 127.0.0.1 on one node, every interface across nodes), meet rank 0 at
 * the rendezvous and install the address table.
 * @throws ERR_INIT when the secret is unusable, rank 0 cannot be resolved or found, or
 *   the rendezvous fails
 */
export async function wireUpForeign(job: ForeignJob, host: string, env: Env): Promise<{ transport: Transport; link: RendezvousLink }> {
  // Loaded here rather than at the top: every rank runs detectForeign, only a foreign launcher's ranks need these.
  const [{ lookup }, { rendezvous }, { ZmqTransport }, { deriveJobKeys, readSecret }] = await Promise.all([
    import('node:dns/promises'),
    import('../transport/rendezvous.js'),
    import('../transport/zmq.js'),
    import('./job-keys.js'),
  ]);
  const keys = deriveJobKeys(readSecret(env), job.jobKey);
  const timeoutS = Number(env[ENV.rendezvousTimeout] ?? DEFAULT_TIMEOUT_S);
  if (!(timeoutS > 0))
    throw new MpiError(
      'ERR_INIT',
      `init: ${ENV.rendezvousTimeout}=${JSON.stringify(env[ENV.rendezvousTimeout])} is not a positive number of seconds`,
    );
  let rendezvousHost = job.rendezvousHost;
  if (!job.singleNode) {
    try {
      rendezvousHost = (await lookup(job.rendezvousHost, { family: 4 })).address;
    } catch (error) {
      throw new MpiError('ERR_INIT', `init: cannot resolve rank 0's host ${job.rendezvousHost}; set ${ENV.rendezvous}=address[:port]`, {
        cause: error,
      });
    }
  }
  const { transport, address } = await ZmqTransport.bind({
    rank: job.rank,
    size: job.size,
    host,
    tcpAddress: job.singleNode ? '127.0.0.1' : '0.0.0.0',
    curve: keys.curve,
  });
  const inboxPort = Number(/:(\d+)$/.exec(address.tcp ?? '')?.[1]);
  try {
    const { peers, link } = await rendezvous({
      rank: job.rank,
      size: job.size,
      jobKey: job.jobKey,
      authKey: keys.authKey,
      host: rendezvousHost,
      ...(job.rendezvousPort === undefined ? {} : { port: job.rendezvousPort }),
      listenAll: !job.singleNode,
      inboxPort,
      timeoutMs: timeoutS * 1000,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    transport.setPeers(peers);
    return { transport, link };
  } catch (error) {
    await transport.close();
    throw error;
  }
}

/**
 * After wire-up: end this rank (exit 1, with a line naming the peer) when a peer ends
 * without finalizing, and say goodbye when this rank exits normally (status 0 and not
 * through `aborted()`).
 */
export function watchForeign(link: RendezvousLink, job: ForeignJob, host: string, env: Env, aborted: () => boolean): void {
  // tsmpirun's srun step turns this off: srun --kill-on-bad-exit ends the step, and the
  // first task srun reports failed must be the one that really failed.
  if (env[ENV.watchPeers] !== 'off')
    link.onLost((peer) => {
      const who = peer === 0 ? 'rank 0' : `rank ${peer}`;
      process.stderr.write(
        `tsmpi: rank ${job.rank} (pid ${process.pid} on ${host}): ${who} of this ${job.kind} job ended without finalizing; ending this rank too\n`,
      );
      process.exit(1);
    });
  // An aborting rank leaves without bye even at exit status 0 (Abort(0)): its peers must stop too.
  process.on('exit', (code) => {
    if (code === 0 && !aborted()) link.bye();
  });
}
