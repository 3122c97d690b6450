/**
 * ssh spawner: one ssh session per remote host runs the host agent
 * (launcher/agent.ts), which starts all of that host's ranks and relays their output,
 * lifeline messages and exits (protocol in launcher/agent-protocol.ts). Ranks on one
 * host therefore share one ssh connection, as with Open MPI's orted.
 *
 * The remote command is `exec env VAR=value... NODE AGENT` with every word quoted for
 * the remote shell; the job's CURVE keys (both: see SECRET_VARIABLES) go to the agent on the
 * session's stdin instead, so they never appear in `ps` output on either side. ssh runs with
 * BatchMode (no password prompts) and a connect timeout, so an unreachable host fails
 * within that time with ssh's own reason.
 *
 * Heartbeats both ways detect a host that vanished without closing the connection: no
 * word from its agent for DEAD_MS and the host is reported failed. Its clock and the
 * spawning of the agent are injected (test/unit/ssh-spawner.test.ts runs it without
 * processes or waiting).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { ENV } from '../../src/runtime/env.js';
import { readJsonLines, readLines } from '../../src/util/lines.js';
import { realClock, type Clock } from '../clock.js';
import { DEAD_MS, HEARTBEAT_MS, shellQuote, Window, type AgentSpec, type FromAgent, type ToAgent } from '../agent-protocol.js';
import type { HostHandle, HostLaunch, SpawnSink, Spawner } from './spawner.js';

/**
 * Variables that must never be put on a command line. Both CURVE keys: the inboxes run
 * without a ZAP handler, so a client that knows the server's *public* key completes the
 * handshake with a key pair of its own; the public key is as secret as the secret one.
 */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([ENV.curvePublic, ENV.curveSecret]);

export interface SshOptions {
  /** The launch agent's words, e.g. `['ssh']` or `['ssh', '-p', '2222']` (--launch-agent). */
  readonly agent: readonly string[];
  /** node on the remote hosts (--node; default: the launcher's own path). */
  readonly node: string;
  /** Path of dist/launcher/agent.js, the same on every host. */
  readonly agentScript: string;
  readonly ifInclude?: string;
  /** ssh ConnectTimeout in seconds. */
  readonly connectTimeout: number;
  readonly heartbeatMs?: number;
  readonly deadMs?: number;
}

/** The remote shell command that starts the agent with the job's public environment (pure). */
export function remoteCommand(node: string, agentScript: string, env: Readonly<Record<string, string>>): string {
  const assignments = Object.entries(env)
    .filter(([name]) => !SECRET_VARIABLES.has(name))
    .map(([name, value]) => shellQuote(`${name}=${value}`));
  return ['exec', 'env', ...assignments, shellQuote(node), shellQuote(agentScript)].join(' ');
}

/** Starts the launch agent's process (node:child_process `spawn`, or a test's fake). */
export type SpawnAgent = (program: string, args: readonly string[]) => ChildProcess;

const spawnAgentProcess: SpawnAgent = (program, args) => spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });

/** ssh's own keepalive (ServerAliveInterval), in seconds: ssh gives up on a dead TCP connection. */
const SERVER_ALIVE_SECONDS = 5;

/** Lines of what ssh or the remote shell printed that a failure message quotes (the last ones). */
const STDERR_TAIL_LINES = 5;

/**
 * Heartbeats without a word from the agent after which a SIGKILL of the job ends the
 * session itself (the agent, if alive, stops its ranks on EOF) instead of waiting for it.
 */
const SILENT_BEATS_BEFORE_HANGUP = 2;

/** The argument vector of the launch agent for one host (pure). */
export function agentArgv(options: SshOptions, host: string, command: string): string[] {
  const [program = 'ssh', ...words] = options.agent;
  // Options we add only for ssh itself: a custom agent (rsh, a wrapper script) may not take them.
  const ssh = basename(program) === 'ssh';
  const extra = ssh
    ? [
        '-T',
        '-x',
        '-o',
        'BatchMode=yes',
        '-o',
        `ConnectTimeout=${options.connectTimeout}`,
        '-o',
        `ServerAliveInterval=${SERVER_ALIVE_SECONDS}`,
      ]
    : [];
  return [program, ...words, ...extra, host, command];
}

/** The first line an agent reads: its host's ranks, with the secrets kept off the command line (pure). */
export function agentSpec(spec: HostLaunch, options: SshOptions): AgentSpec {
  const secretEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.env)) if (SECRET_VARIABLES.has(name)) secretEnv[name] = value;
  return {
    host: spec.host,
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    secretEnv,
    ranks: spec.ranks,
    ...(options.ifInclude === undefined ? {} : { ifInclude: options.ifInclude }),
    heartbeatMs: options.heartbeatMs ?? HEARTBEAT_MS,
    deadMs: options.deadMs ?? DEAD_MS,
  };
}

export class SshSpawner implements Spawner {
  /**
   * @param clock time for the heartbeats (default: the process's)
   * @param spawnAgent starts the launch agent (default: child_process `spawn`, detached, piped)
   */
  constructor(
    private readonly options: SshOptions,
    private readonly clock: Clock = realClock,
    private readonly spawnAgent: SpawnAgent = spawnAgentProcess,
  ) {}

  launch(spec: HostLaunch, sink: SpawnSink): HostHandle {
    return new AgentSession(spec, sink, this.options, this.clock).start(this.spawnAgent);
  }
}

/** A handle that does nothing: for a host whose session never started. */
const NO_HOST: HostHandle = { kill() {}, writeStdin() {}, control() {} };

/**
 * One host's ssh session to its agent, in named steps: {@link start} (spawn, send the
 * spec, read), {@link receive} (each agent message), {@link beat} (heartbeat both ways),
 * {@link closed} (the session ended), and {@link handle} (what the job controls).
 */
class AgentSession {
  private child: ChildProcess | undefined;
  /** Ranks of this host that have not exited (nor been lost). */
  private readonly pending: Set<number>;
  private readonly stderrTail: string[] = [];
  private readonly heartbeatMs: number;
  private readonly deadMs: number;
  /** The agent has started (it said `ready`): silence from now on means a lost host. */
  private ready = false;
  private failed = false;
  private lastHeard: number;
  private heartbeat: unknown = undefined;
  private hungUp = false;
  /** stdin sent to the agent and not yet taken by the rank. */
  private readonly stdin = new Window();

  constructor(
    private readonly spec: HostLaunch,
    private readonly sink: SpawnSink,
    private readonly options: SshOptions,
    private readonly clock: Clock,
  ) {
    this.pending = new Set(spec.ranks.map((launch) => launch.rank));
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.deadMs = options.deadMs ?? DEAD_MS;
    this.lastHeard = clock.now();
  }

  /** Start the launch agent, hand it the spec, read what it says, and start the heartbeat. */
  start(spawnAgent: SpawnAgent): HostHandle {
    const { spec, options } = this;
    const [program = 'ssh', ...args] = agentArgv(options, spec.host, remoteCommand(options.node, options.agentScript, spec.env));
    let child: ChildProcess;
    try {
      child = spawnAgent(program, args);
    } catch (error) {
      this.sink.hostFailed(spec.host, error instanceof Error ? error : new Error(String(error)));
      return NO_HOST;
    }
    this.child = child;
    child.on('error', (error) => this.fail(`cannot run the launch agent '${program}': ${error.message}`));
    child.stdin?.on('error', () => {});
    this.write({ kind: 'spec', spec: agentSpec(spec, options) });
    if (child.stdout !== null)
      readJsonLines<FromAgent>(child.stdout, (message, line) => {
        if (message === null) return this.remember(line); // printed by the remote login shell
        this.lastHeard = this.clock.now();
        this.receive(message);
      });
    if (child.stderr !== null) readLines(child.stderr, (line) => this.remember(line));
    this.scheduleBeat();
    child.on('close', (code, signal) => this.closed(code, signal));
    return this.handle();
  }

  /** Keep the last few lines ssh or the remote shell printed, for the failure message. */
  private remember(line: string): void {
    if (line.trim() === '') return;
    this.stderrTail.push(line.trim());
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
  }

  private receive(message: FromAgent): void {
    const { sink } = this;
    switch (message.kind) {
      case 'ready':
        this.ready = true;
        return;
      case 'started':
        sink.started(message.rank, message.pid ?? undefined);
        return;
      case 'output': {
        const bytes = Buffer.from(message.data, 'base64');
        sink.output(message.rank, message.stream, bytes, () =>
          this.write({ kind: 'output-ack', rank: message.rank, stream: message.stream, bytes: bytes.length }),
        );
        return;
      }
      case 'stdin-ack':
        this.stdin.ack(message.bytes);
        return;
      case 'control':
        sink.control(message.rank, message.message);
        return;
      case 'exited':
        if (!this.pending.delete(message.rank)) return;
        sink.exited(message.rank, message.code, message.signal);
        return;
      case 'fatal':
        this.fail(message.message);
        return;
      case 'ping':
        return;
    }
  }

  private scheduleBeat(): void {
    this.heartbeat = this.clock.set(() => this.beat(), this.heartbeatMs, { unref: true });
  }

  /** Ping the agent; an agent that started and has been silent for deadMs is lost with its host. */
  private beat(): void {
    this.scheduleBeat();
    this.write({ kind: 'ping' });
    const silentMs = this.clock.now() - this.lastHeard;
    if (this.ready && silentMs > this.deadMs) {
      this.fail(`no heartbeat from ${this.spec.host} for ${Math.round(silentMs / 1000)} s: the host is down or the network is partitioned`);
      this.child?.kill('SIGKILL');
    }
  }

  /** The session ended: ranks still pending are lost, with what ssh said. */
  private closed(code: number | null, signal: NodeJS.Signals | null): void {
    this.clock.clear(this.heartbeat);
    this.stdin.release();
    if (this.pending.size === 0) return;
    const said = this.stderrTail.length > 0 ? `: ${this.stderrTail.join(' / ')}` : '';
    const how = signal !== null ? `ssh was killed by ${signal}` : `ssh exited with code ${code}`;
    if (!this.ready) this.fail(`cannot start ranks there (${how})${said}`);
    else this.fail(`lost the connection to its agent (${how})${said}`);
  }

  /** Report the host failed, once, unless every rank has already exited. */
  private fail(message: string): void {
    if (this.failed || this.pending.size === 0) return;
    this.failed = true;
    this.pending.clear();
    this.stdin.release();
    this.sink.hostFailed(this.spec.host, new Error(message));
  }

  private write(message: ToAgent): void {
    const stdin = this.child?.stdin;
    if (stdin === null || stdin === undefined || stdin.destroyed || !stdin.writable) return;
    stdin.write(`${JSON.stringify(message)}\n`);
  }

  private handle(): HostHandle {
    return {
      kill: (signal) => {
        this.write({ kind: 'kill', signal });
        // Still connecting (or not answering): end the session; the agent stops its ranks on EOF.
        const silent = this.clock.now() - this.lastHeard > this.heartbeatMs * SILENT_BEATS_BEFORE_HANGUP;
        if (signal === 'SIGKILL' && !this.hungUp && (!this.ready || silent)) {
          this.hungUp = true;
          this.child?.kill('SIGTERM');
        }
      },
      writeStdin: (rank, chunk, done) => {
        this.write({ kind: 'stdin', rank, data: chunk === null ? null : chunk.toString('base64') });
        this.stdin.sent(chunk?.length ?? 0, done);
      },
      control: (rank, message) => {
        this.write({ kind: 'control', rank, message });
      },
    };
  }
}
