/**
 * The host agent: tsmpirun starts one per remote host, over one ssh session, as
 * `env VAR=value... node .../dist/launcher/agent.js`. It reads the launch spec (with the
 * job's secrets) from stdin, starts that host's ranks with the local spawner, and
 * relays their output, lifeline messages and exits back over stdout (protocol in
 * agent-protocol.ts).
 *
 * It never outlives the launcher: end of stdin (the ssh session closed, e.g. tsmpirun
 * was killed) or no ping for `deadMs` (the network is partitioned) makes it stop its
 * ranks — SIGTERM, then SIGKILL — remove the host's job directory and exit.
 */
import { rmSync, statSync } from 'node:fs';
import { constants, hostname, networkInterfaces } from 'node:os';
import { ENV } from '../src/runtime/env.js';
import { readJsonLines } from '../src/util/lines.js';
import { AddressError, selectAddress, sshServerAddress } from './addresses.js';
import { flushThenExit } from './flush.js';
import { makeJobDir } from './job-dir.js';
import { Window, type AgentSpec, type FromAgent, type ToAgent } from './agent-protocol.js';
import { LocalSpawner } from './spawners/local.js';
import { AGENT_KILL_GRACE_MS, type HostHandle } from './spawners/spawner.js';

/** After the SIGKILL: time for the ranks' exits to be read and reported before the agent exits. */
const EXIT_REPORT_MS = 200;

function send(message: FromAgent): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

let handle: HostHandle | null = null;
let jobDir: string | null = null;
let live = 0;
let stopping = false;
let lastHeard = Date.now();
/** Output sent to tsmpirun and not yet acknowledged, per rank and stream: the ranks' pipes are read no faster than it takes them. */
const windows = new Map<string, Window>();
function outputWindow(rank: number, stream: 'stdout' | 'stderr'): Window {
  const key = `${rank}:${stream}`;
  let window = windows.get(key);
  if (window === undefined) windows.set(key, (window = new Window()));
  return window;
}

function cleanup(): void {
  if (jobDir !== null) rmSync(jobDir, { recursive: true, force: true });
  jobDir = null;
}

/** Stop every rank and exit: the launcher is gone or asked for it. */
function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  if (handle === null || live === 0) {
    cleanup();
    void flushThenExit(code);
    return;
  }
  handle.kill('SIGTERM');
  setTimeout(() => {
    handle?.kill('SIGKILL');
    setTimeout(() => {
      cleanup();
      void flushThenExit(code);
    }, EXIT_REPORT_MS);
  }, AGENT_KILL_GRACE_MS);
}

function fatal(message: string): void {
  send({ kind: 'fatal', message });
  cleanup();
  void flushThenExit(1);
}

function announceAddress(spec: AgentSpec): string {
  if (spec.ifInclude !== undefined) return selectAddress(spec.ifInclude, networkInterfaces(), spec.host);
  const server = sshServerAddress(process.env.SSH_CONNECTION);
  if (server === null) {
    throw new AddressError(`cannot tell which address of ${spec.host} the other hosts reach (no SSH_CONNECTION); pass --if-include CIDR`);
  }
  return server;
}

function start(spec: AgentSpec): void {
  try {
    if (!statSync(spec.cwd).isDirectory()) return fatal(`working directory ${spec.cwd} is not a directory on ${spec.host}`);
  } catch {
    return fatal(`working directory ${spec.cwd} does not exist on ${spec.host} (use --wdir)`);
  }
  let address: string;
  try {
    address = announceAddress(spec);
  } catch (error) {
    return fatal(error instanceof Error ? error.message : String(error));
  }
  jobDir = makeJobDir();
  send({ kind: 'ready', pid: process.pid, address, hostname: hostname() });
  live = spec.ranks.length;
  const spawner = new LocalSpawner();
  handle = spawner.launch(
    {
      host: spec.host,
      command: spec.command,
      args: spec.args,
      cwd: spec.cwd,
      env: { ...spec.secretEnv, [ENV.jobDir]: jobDir, [ENV.tcpAddress]: address },
      ranks: spec.ranks,
    },
    {
      started: (rank, pid) => send({ kind: 'started', rank, pid: pid ?? null }),
      output: (rank, stream, chunk, done) => {
        send({ kind: 'output', rank, stream, data: chunk.toString('base64') });
        outputWindow(rank, stream).sent(chunk.length, done);
      },
      control: (rank, message) => send({ kind: 'control', rank, message }),
      exited: (rank, code, signal) => {
        send({ kind: 'exited', rank, code, signal });
        if (--live === 0) {
          handle?.kill('SIGKILL'); // what the ranks left running in their process groups
          cleanup();
          void flushThenExit(0);
        }
      },
      hostFailed: (_host, error) => fatal(`cannot start ranks on ${spec.host}: ${error.message}`),
    },
  );
  if (stopping) handle.kill('SIGTERM');
}

function receive(message: ToAgent): void {
  lastHeard = Date.now();
  switch (message.kind) {
    case 'spec':
      if (handle !== null || stopping) return; // one spec per agent
      heartbeat(message.spec);
      start(message.spec);
      return;
    case 'kill':
      handle?.kill(message.signal);
      return;
    case 'stdin': {
      const data = message.data === null ? null : Buffer.from(message.data, 'base64');
      const ack = (): void => send({ kind: 'stdin-ack', bytes: data?.length ?? 0 });
      if (handle === null) ack();
      else handle.writeStdin(message.rank, data, ack);
      return;
    }
    case 'output-ack':
      outputWindow(message.rank, message.stream).ack(message.bytes);
      return;
    case 'control':
      handle?.control(message.rank, message.message);
      return;
    case 'ping':
      return;
  }
}

function heartbeat(spec: AgentSpec): void {
  const timer = setInterval(() => {
    send({ kind: 'ping' });
    if (Date.now() - lastHeard > spec.deadMs) {
      process.stderr.write(`tsmpi agent on ${spec.host}: no word from tsmpirun for ${spec.deadMs / 1000} s; stopping this host's ranks\n`);
      clearInterval(timer);
      stop(1);
    }
  }, spec.heartbeatMs);
}

readJsonLines<ToAgent>(process.stdin, (message) => {
  if (message !== null) receive(message);
});
process.stdin.on('end', () => stop(1));
process.stdin.on('error', () => stop(1));
process.stdout.on('error', () => stop(1));
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop(128 + (constants.signals[signal] ?? 15)));
