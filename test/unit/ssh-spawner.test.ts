// The ssh spawner's session with a fake agent process and a hand-driven clock: the spec it
// sends, what it relays, its heartbeats and the failures it reports, without processes or waiting.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { FromAgent, ToAgent } from '../../launcher/agent-protocol.js';
import type { Clock } from '../../launcher/clock.js';
import type { SpawnSink } from '../../launcher/spawners/spawner.js';
import { SshSpawner, type SshOptions } from '../../launcher/spawners/ssh.js';

/** A clock moved by hand: `advance` runs the timers that fall due, in order. */
class ManualClock implements Clock {
  private time = 0;
  private next = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  now(): number {
    return this.time;
  }
  set(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  }
  clear(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter(([, timer]) => timer.at <= end).sort(([, a], [, b]) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = end;
  }
  get pending(): number {
    return this.timers.size;
  }
}

/** A stream the spawner reads: `emit('data', text)` delivers at once. */
function fakeReadable(): EventEmitter & { setEncoding(): void } {
  return Object.assign(new EventEmitter(), { setEncoding() {} });
}

/** The launch agent's process: what was written to its stdin, the signals it got. */
class FakeAgent extends EventEmitter {
  readonly written: ToAgent[] = [];
  readonly signals: string[] = [];
  readonly stdout = fakeReadable();
  readonly stderr = fakeReadable();
  readonly stdin = Object.assign(new EventEmitter(), {
    destroyed: false,
    writable: true,
    write: (text: string) => {
      for (const line of text.split('\n')) if (line !== '') this.written.push(JSON.parse(line) as ToAgent);
      return true;
    },
  });
  kill(signal: string): boolean {
    this.signals.push(signal);
    return true;
  }
  say(message: FromAgent): void {
    this.stdout.emit('data', `${JSON.stringify(message)}\n`);
  }
}

const options: SshOptions = {
  agent: ['ssh'],
  node: '/usr/bin/node',
  agentScript: '/opt/tsmpi/dist/launcher/agent.js',
  connectTimeout: 10,
  heartbeatMs: 1000,
  deadMs: 6000,
};

function launch() {
  const clock = new ManualClock();
  const agent = new FakeAgent();
  const argv: string[][] = [];
  const events: string[] = [];
  const failures: string[] = [];
  const sink: SpawnSink = {
    started: (rank, pid) => events.push(`started ${rank} ${pid}`),
    output: (rank, stream, chunk, done) => {
      events.push(`${stream} ${rank} ${chunk.toString()}`);
      done();
    },
    control: (rank, message) => events.push(`control ${rank} ${message.kind}`),
    exited: (rank, code, signal) => events.push(`exited ${rank} ${code} ${signal}`),
    hostFailed: (host, error) => failures.push(`${host}: ${error.message}`),
  };
  const spawner = new SshSpawner(options, clock, (program, args) => {
    argv.push([program, ...args]);
    return agent as unknown as ChildProcess;
  });
  const handle = spawner.launch(
    {
      host: 'h2',
      command: '/usr/bin/node',
      args: ['prog.js'],
      cwd: '/home/u',
      env: { TSMPI_SIZE: '2', TSMPI_CURVE_PUBLIC: 'pub', TSMPI_CURVE_SECRET: 'sec' },
      ranks: [
        { rank: 0, env: { TSMPI_RANK: '0' } },
        { rank: 1, env: { TSMPI_RANK: '1' } },
      ],
    },
    sink,
  );
  return { clock, agent, argv, events, failures, handle };
}

describe('ssh spawner session', () => {
  it('starts ssh with the public environment only and sends the spec, secrets included, first', () => {
    const { agent, argv } = launch();
    const command = argv[0]?.at(-1) ?? '';
    assert.equal(argv[0]?.[0], 'ssh');
    assert.ok(argv[0]?.includes('h2'));
    assert.match(command, /TSMPI_SIZE=2/);
    assert.doesNotMatch(command, /pub|sec/, 'no key on the command line');
    const [first] = agent.written;
    assert.equal(first?.kind, 'spec');
    assert.deepEqual(first?.kind === 'spec' ? first.spec.secretEnv : null, { TSMPI_CURVE_PUBLIC: 'pub', TSMPI_CURVE_SECRET: 'sec' });
  });

  it("relays the agent's messages: started, output (acknowledged), control, exited", () => {
    const { agent, events } = launch();
    agent.say({ kind: 'ready', pid: 7, address: '10.0.0.2', hostname: 'h2' });
    agent.say({ kind: 'started', rank: 1, pid: 4242 });
    agent.say({ kind: 'output', rank: 1, stream: 'stdout', data: Buffer.from('hi\n').toString('base64') });
    agent.say({ kind: 'control', rank: 1, message: { kind: 'hello', rank: 1, address: { host: 'h2' } } });
    agent.say({ kind: 'exited', rank: 1, code: 0, signal: null });
    agent.say({ kind: 'exited', rank: 1, code: 0, signal: null });
    assert.deepEqual(events, ['started 1 4242', 'stdout 1 hi\n', 'control 1 hello', 'exited 1 0 null']);
    assert.deepEqual(agent.written.at(-1), { kind: 'output-ack', rank: 1, stream: 'stdout', bytes: 3 });
  });

  it('pings every heartbeat; an agent silent for longer than deadMs after it started loses the host', () => {
    const { clock, agent, failures } = launch();
    agent.say({ kind: 'ready', pid: 7, address: '10.0.0.2', hostname: 'h2' });
    clock.advance(1000);
    assert.deepEqual(agent.written.at(-1), { kind: 'ping' });
    agent.say({ kind: 'ping' });
    clock.advance(6000);
    assert.deepEqual(failures, [], 'heard 6 s ago: not yet lost');
    clock.advance(1000);
    assert.deepEqual(failures, ['h2: no heartbeat from h2 for 7 s: the host is down or the network is partitioned']);
    assert.deepEqual(agent.signals, ['SIGKILL']);
    assert.equal(agent.written.filter((message) => message.kind === 'ping').length, 8);
    agent.emit('close', null, 'SIGKILL');
    assert.equal(failures.length, 1, 'the host is reported once');
    assert.equal(clock.pending, 0, 'the heartbeat stops with the session');
  });

  it('silence while ssh is still connecting is not a lost host (ssh has its own connect timeout)', () => {
    const { clock, failures } = launch();
    clock.advance(60_000);
    assert.deepEqual(failures, []);
  });

  it('a session that ends before the agent started names ssh and what it printed', () => {
    const { agent, failures } = launch();
    agent.stderr.emit('data', 'ssh: connect to host h2 port 22: Connection refused\n');
    agent.emit('close', 255, null);
    assert.deepEqual(failures, [
      'h2: cannot start ranks there (ssh exited with code 255): ssh: connect to host h2 port 22: Connection refused',
    ]);
  });

  it('a session lost after the start, or a fatal message, fails the host once; not once every rank has exited', () => {
    const lost = launch();
    lost.agent.say({ kind: 'ready', pid: 7, address: '10.0.0.2', hostname: 'h2' });
    lost.agent.emit('close', null, 'SIGTERM');
    assert.deepEqual(lost.failures, ['h2: lost the connection to its agent (ssh was killed by SIGTERM)']);
    const fatal = launch();
    fatal.agent.say({ kind: 'fatal', message: 'working directory /home/u does not exist on h2' });
    fatal.agent.emit('close', 1, null);
    assert.deepEqual(fatal.failures, ['h2: working directory /home/u does not exist on h2']);
    const done = launch();
    done.agent.say({ kind: 'ready', pid: 7, address: '10.0.0.2', hostname: 'h2' });
    done.agent.say({ kind: 'exited', rank: 0, code: 0, signal: null });
    done.agent.say({ kind: 'exited', rank: 1, code: 0, signal: null });
    done.agent.emit('close', 0, null);
    assert.deepEqual(done.failures, []);
  });

  it('SIGKILL ends the session itself only while connecting or after two silent heartbeats; the agent hears every kill', () => {
    const { agent, handle } = launch();
    handle.kill('SIGKILL');
    assert.deepEqual(agent.signals, ['SIGTERM'], 'still connecting: hang up');
    const started = launch();
    started.agent.say({ kind: 'ready', pid: 7, address: '10.0.0.2', hostname: 'h2' });
    started.handle.kill('SIGTERM');
    started.handle.kill('SIGKILL');
    assert.deepEqual(started.agent.signals, [], 'the agent answers: it escalates itself');
    assert.deepEqual(
      started.agent.written.filter((message) => message.kind === 'kill'),
      [
        { kind: 'kill', signal: 'SIGTERM' },
        { kind: 'kill', signal: 'SIGKILL' },
      ],
    );
    started.clock.advance(2001);
    started.handle.kill('SIGKILL');
    started.handle.kill('SIGKILL');
    assert.deepEqual(started.agent.signals, ['SIGTERM'], 'silent for two heartbeats: hang up, once');
  });
});
