// Ranks started by a foreign launcher (here: the variables Open MPI's mpirun gives each
// process, set by hand, so this runs without Open MPI) meet rank 0 at a rendezvous port
// derived from the job key. A local user squatting that port cannot stop the job; a
// secret too short is refused by one rule wherever it comes from.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, runCommand, type JobRun } from '../helpers/job.js';
import { jobTag, rendezvousPorts } from '../../src/transport/rendezvous.js';

const RING = built('test/fixtures/sched-ring.js');
const dir = mkdtempSync(join(tmpdir(), 'tsmpi-foreign-'));
const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Start `size` ranks as Open MPI would on one node, all with `env`. */
function ranksAsOpenMpi(size: number, env: Record<string, string>): Promise<JobRun[]> {
  return Promise.all(
    Array.from({ length: size }, (_, rank) =>
      runCommand(process.execPath, [RING], {
        timeoutMs: 90_000,
        env: {
          OMPI_COMM_WORLD_RANK: String(rank),
          OMPI_COMM_WORLD_SIZE: String(size),
          OMPI_COMM_WORLD_LOCAL_SIZE: String(size),
          PMIX_NAMESPACE: 'test',
          TSMPI_RENDEZVOUS_TIMEOUT: '40',
          ...env,
        },
      }),
    ),
  );
}

/** Listen on 127.0.0.1:port with `behaviour`; false when the port is taken already. */
async function squat(port: number, behaviour: (socket: Socket) => void): Promise<boolean> {
  const server = createServer(behaviour);
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (bound) servers.push(server);
  return bound;
}

describe('a squatter on the rendezvous port', () => {
  it('answering with the job’s public tag (then silence, or a forged refusal) does not stop the job: ranks want proof of the secret', async () => {
    const jobKey = `test-squat-${process.pid}-${randomBytes(4).toString('hex')}`;
    const ports = rendezvousPorts(jobKey);
    const challenge = `${JSON.stringify({ kind: 'challenge', tag: jobTag(jobKey), nonce: '00'.repeat(16) })}\n`;
    // Port 1: says the tag, then nothing. Port 2: says the tag, then refuses every rank.
    const silent = await squat(ports[0] as number, (socket) => void socket.write(challenge));
    const refusing = await squat(ports[1] as number, (socket) => {
      socket.write(challenge);
      socket.once('data', () => socket.end(`${JSON.stringify({ kind: 'reject', reason: 'go away' })}\n`));
    });
    assert.ok(silent && refusing, 'the test could not take the job’s first ports');
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    const runs = await ranksAsOpenMpi(3, { TSMPI_JOB_KEY: jobKey, TSMPI_SECRET_FILE: secretFile });
    for (const [rank, run] of runs.entries()) assert.equal(run.exitCode, 0, `rank ${rank}: ${run.stderr}`);
    assert.ok(runs[0]?.lines.includes('sum 3'), runs[0]?.stdout);
  });
});

describe('the job secret: one rule for TSMPI_SECRET and the secret file', () => {
  it('fewer than 16 bytes is refused with ERR_INIT from either source; 16 is accepted', async () => {
    const shortFile = join(dir, 'short-secret');
    writeFileSync(shortFile, 'x');
    chmodSync(shortFile, 0o600);
    const cases: [Record<string, string>, RegExp | null][] = [
      [{ TSMPI_SECRET: 'x' }, /init: TSMPI_SECRET holds 1 byte, fewer than 16/],
      [{ TSMPI_SECRET: '123456789012345' }, /init: TSMPI_SECRET holds 15 bytes, fewer than 16/],
      [{ TSMPI_SECRET_FILE: shortFile }, /init: the secret file .*short-secret holds 1 byte, fewer than 16/],
      [{ TSMPI_SECRET: '1234567890123456' }, null],
    ];
    for (const [env, message] of cases) {
      const [run] = await ranksAsOpenMpi(1, { ...env, TSMPI_JOB_KEY: `test-secret-${process.pid}-${randomBytes(4).toString('hex')}` });
      if (message === null) {
        assert.equal(run?.exitCode, 0, run?.stderr);
        continue;
      }
      assert.notEqual(run?.exitCode, 0, JSON.stringify(env));
      assert.match(run?.stderr ?? '', message);
      assert.match(run?.stderr ?? '', /ERR_INIT/);
    }
  });
});
