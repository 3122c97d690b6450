// The local spawner when spawning fails part-way (too many open files, process limit):
// with an injected spawn, so no process is started.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { LocalSpawner, type SpawnProcess } from '../../launcher/spawners/local.js';
import type { HostLaunch, SpawnSink } from '../../launcher/spawners/spawner.js';

/** A child that started: pipes for stdio and the lifeline, a pid, and a record of signals. */
function startedChild(pid: number): ChildProcess {
  const child = new EventEmitter() as ChildProcess & { pid: number };
  Object.assign(child, {
    pid,
    stdin: null,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdio: [null, null, null, new PassThrough()],
    kill: () => true,
  });
  return child;
}

/** What Node returns when creating the pipes failed: no pid, no stdio; the reason follows as 'error'. */
function failedChild(code: string): ChildProcess {
  const child = new EventEmitter() as ChildProcess;
  queueMicrotask(() => child.emit('error', Object.assign(new Error(`spawn ${code}`), { code })));
  return child;
}

function recordingSink(): { sink: SpawnSink; events: string[] } {
  const events: string[] = [];
  const sink: SpawnSink = {
    started: (rank) => events.push(`started ${rank}`),
    output: (_rank, _stream, _chunk, done) => done(),
    control: (rank, message) => events.push(`control ${rank} ${message.kind === 'error' ? message.message : message.kind}`),
    exited: (rank, code) => events.push(`exited ${rank} ${code}`),
    hostFailed: (host, error) => events.push(`hostFailed ${host} ${error.message}`),
  };
  return { sink, events };
}

const spec: HostLaunch = {
  host: 'here',
  command: 'prog',
  args: [],
  cwd: '/',
  env: {},
  ranks: [0, 1, 2, 3].map((rank) => ({ rank, env: {} })),
};

describe('local spawner: a spawn that fails part-way', () => {
  for (const [how, fail] of [
    [
      'throws (EAGAIN)',
      (): ChildProcess => {
        throw Object.assign(new Error('spawn EAGAIN'), { code: 'EAGAIN' });
      },
    ],
    ['returns a child without pipes (EMFILE)', (): ChildProcess => failedChild('EMFILE')],
  ] as const) {
    it(`${how}: the rank is reported with the reason, no later rank is tried, those started can be stopped`, async () => {
      const calls: number[] = [];
      const killed: number[] = [];
      const spawnProcess: SpawnProcess = () => {
        calls.push(calls.length);
        return calls.length <= 2 ? startedChild(1000 + calls.length) : fail();
      };
      const { sink, events } = recordingSink();
      const realKill = process.kill;
      process.kill = ((pid: number) => {
        killed.push(pid);
        return true;
      }) as typeof process.kill;
      try {
        const handle = new LocalSpawner(spawnProcess).launch(spec, sink);
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(calls.length, 3, 'rank 3 is not tried after rank 2 failed');
        const hint = how.includes('EAGAIN')
          ? /control 2 cannot start 'prog': spawn EAGAIN \(process limit reached: raise ulimit -u or lower -np\)/
          : /control 2 cannot start 'prog': spawn EMFILE \(too many open files: raise ulimit -n or lower -np\)/;
        assert.match(events.join('\n'), hint);
        assert.deepEqual(
          events.filter((event) => event.startsWith('exited')),
          ['exited 2 127', 'exited 3 127'],
        );
        handle.kill('SIGTERM');
        assert.deepEqual(killed, [-1001, -1002], 'the started ranks’ process groups are signalled');
      } finally {
        process.kill = realKill;
      }
    });
  }
});
