import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MpiError } from '../../src/errors.js';
import { detectForeign, firstSlurmNode, parseRendezvous } from '../../src/runtime/foreign.js';
import { deriveJobKeys, z85Encode } from '../../src/runtime/job-keys.js';
import { CANDIDATES, jobTag, rendezvousPorts } from '../../src/transport/rendezvous.js';

const code = (expected: string) => (error: unknown) => error instanceof MpiError && error.code === expected;

describe('recognising a foreign launcher', () => {
  const slurm = {
    SLURM_JOB_ID: '12',
    SLURM_STEP_ID: '0',
    SLURM_PROCID: '2',
    SLURM_NTASKS: '4',
    SLURM_STEP_NUM_NODES: '1',
    SLURM_STEP_NODELIST: 'vm',
  };
  it('srun: rank, size, a key per job step, 127.0.0.1 on one node', () => {
    const job = detectForeign(slurm, 1, 'vm');
    assert.deepEqual(job, { kind: 'slurm', rank: 2, size: 4, jobKey: 'slurm::12.0', singleNode: true, rendezvousHost: '127.0.0.1' });
    assert.notEqual(detectForeign({ ...slurm, SLURM_STEP_ID: '1' }, 1, 'vm')?.jobKey, job?.jobKey);
  });
  it('srun across nodes: rank 0 on the first node of the step', () => {
    const job = detectForeign({ ...slurm, SLURM_STEP_NUM_NODES: '3', SLURM_STEP_NODELIST: 'h[1-3]' }, 1, 'h2');
    assert.equal(job?.singleNode, false);
    assert.equal(job?.rendezvousHost, 'h1');
  });
  it('a batch script (SLURM_PROCID but no step) and salloc are not ranks', () => {
    assert.equal(detectForeign({ SLURM_JOB_ID: '5', SLURM_PROCID: '0', SLURM_NTASKS: '2' }, 1, 'vm'), null);
    assert.equal(detectForeign({ SLURM_JOB_ID: '5', SLURM_NTASKS: '2' }, 1, 'vm'), null);
  });
  it('Open MPI: the PMIx namespace names the job', () => {
    const job = detectForeign(
      { OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '3', OMPI_COMM_WORLD_LOCAL_SIZE: '3', PMIX_NAMESPACE: '1459421185' },
      1,
      'vm',
    );
    assert.deepEqual(job, {
      kind: 'openmpi',
      rank: 1,
      size: 3,
      jobKey: 'openmpi:1459421185',
      singleNode: true,
      rendezvousHost: '127.0.0.1',
    });
  });
  it('MPICH: the hydra proxy (parent pid) names the job on one node', () => {
    const env = { PMI_RANK: '0', PMI_SIZE: '2', MPI_LOCALNRANKS: '2' };
    assert.equal(detectForeign(env, 777, 'vm')?.jobKey, 'mpich:vm:777');
    assert.notEqual(detectForeign(env, 778, 'vm')?.jobKey, 'mpich:vm:777');
  });
  it('across nodes without a way to find rank 0, says to set TSMPI_RENDEZVOUS', () => {
    assert.throws(() => detectForeign({ PMI_RANK: '1', PMI_SIZE: '4', MPI_LOCALNRANKS: '2' }, 1, 'a'), code('ERR_INIT'));
    const job = detectForeign({ PMI_RANK: '1', PMI_SIZE: '4', MPI_LOCALNRANKS: '2', TSMPI_RENDEZVOUS: '10.0.0.5:23456' }, 1, 'a');
    assert.deepEqual([job?.rendezvousHost, job?.rendezvousPort, job?.jobKey], ['10.0.0.5', 23456, 'rendezvous:10.0.0.5:23456']);
  });
  it('tsmpirun’s TSMPI_RANK wins; TSMPI_FOREIGN=off turns detection off; bad values are ERR_INIT', () => {
    assert.equal(detectForeign({ ...slurm, TSMPI_RANK: '0' }, 1, 'vm'), null);
    assert.equal(detectForeign({ ...slurm, TSMPI_FOREIGN: 'off' }, 1, 'vm'), null);
    assert.throws(() => detectForeign({ ...slurm, SLURM_PROCID: '4' }, 1, 'vm'), code('ERR_INIT'));
    assert.throws(() => detectForeign({ ...slurm, SLURM_PROCID: 'x' }, 1, 'vm'), code('ERR_INIT'));
    assert.throws(() => parseRendezvous('a:b:c'), code('ERR_INIT'));
    assert.throws(() => parseRendezvous('h:70000'), code('ERR_INIT'));
    assert.deepEqual(parseRendezvous('[::1]:99'), { host: '::1', port: 99 });
  });
  it('the first node of a hostlist', () => {
    assert.equal(firstSlurmNode('h[1-3]'), 'h1');
    assert.equal(firstSlurmNode('n[007-009],x'), 'n007');
    assert.equal(firstSlurmNode('a,b'), 'a');
    assert.equal(firstSlurmNode('n[3,1-2]'), 'n3');
  });
});

describe('rendezvous ports and job keys', () => {
  it('ports: deterministic per job, consecutive candidates in 20000..29999, distinct jobs usually apart', () => {
    const ports = rendezvousPorts('slurm::12.0');
    assert.equal(ports.length, CANDIDATES);
    assert.deepEqual(ports, rendezvousPorts('slurm::12.0'));
    for (const port of ports) assert.ok(port >= 20000 && port < 30000);
    assert.notDeepEqual(ports, rendezvousPorts('slurm::12.1'));
    assert.deepEqual(rendezvousPorts('x', 4242), [4242]);
    assert.notEqual(jobTag('a'), jobTag('b'));
  });
  it('z85 matches the ZeroMQ RFC 32 example', () => {
    assert.equal(z85Encode(Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b])), 'HelloWorld');
  });
  it('keys: the same secret and job give the same keys; another secret or job gives others', () => {
    const secret = Buffer.from('a secret of the user');
    const keys = deriveJobKeys(secret, 'job-1');
    assert.deepEqual(deriveJobKeys(secret, 'job-1'), keys);
    assert.equal(keys.curve.publicKey.length, 40);
    assert.equal(keys.curve.secretKey.length, 40);
    assert.notEqual(deriveJobKeys(secret, 'job-2').curve.publicKey, keys.curve.publicKey);
    assert.notDeepEqual(deriveJobKeys(Buffer.from('another'), 'job-1').authKey, keys.authKey);
  });
});
