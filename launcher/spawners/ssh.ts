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
 * word from its agent for DEAD_MS and the host is reported failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { ENV } from '../../src/runtime/env.js';
import { readJsonLines, readLines } from '../../src/util/lines.js';
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

/** The argument vector of the launch agent for one host (pure). */
export function agentArgv(options: SshOptions, host: string, command: string): string[] {
  const [program = 'ssh', ...words] = options.agent;
  // Options we add only for ssh itself: a custom agent (rsh, a wrapper script) may not take them.
  const ssh = basename(program) === 'ssh';
  const extra = ssh
    ? ['-T', '-x', '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${options.connectTimeout}`, '-o', 'ServerAliveInterval=5']
    : [];
  return [program, ...words, ...extra, host, command];
}

export class SshSpawner implements Spawner {
  constructor(private readonly options: SshOptions) {}

  launch(spec: HostLaunch, sink: SpawnSink): HostHandle {
    const { options } = this;
    const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    const deadMs = options.deadMs ?? DEAD_MS;
    const secretEnv: Record<string, string> = {};
    for (const [name, value] of Object.entries(spec.env)) if (SECRET_VARIABLES.has(name)) secretEnv[name] = value;
    const agentSpec: AgentSpec = {
      host: spec.host,
      command: spec.command,
      args: spec.args,
      cwd: spec.cwd,
      secretEnv,
      ranks: spec.ranks,
      ...(options.ifInclude === undefined ? {} : { ifInclude: options.ifInclude }),
      heartbeatMs,
      deadMs,
    };
    const [program, ...args] = agentArgv(options, spec.host, remoteCommand(options.node, options.agentScript, spec.env));
    const pending = new Set(spec.ranks.map((launch) => launch.rank));
    const stderrTail: string[] = [];
    let ready = false;
    let failed = false;
    let lastHeard = Date.now();
    let child: ChildProcess;
    /** stdin sent to the agent and not yet taken by the rank. */
    const stdin = new Window();

    const fail = (message: string): void => {
      if (failed || pending.size === 0) return;
      failed = true;
      pending.clear();
      stdin.release();
      sink.hostFailed(spec.host, new Error(message));
    };
    const write = (message: ToAgent): void => {
      if (child.stdin === null || child.stdin.destroyed || !child.stdin.writable) return;
      child.stdin.write(`${JSON.stringify(message)}\n`);
    };

    try {
      child = spawn(program as string, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      sink.hostFailed(spec.host, error instanceof Error ? error : new Error(String(error)));
      return { kill() {}, writeStdin() {}, control() {} };
    }
    child.on('error', (error) => fail(`cannot run the launch agent '${program}': ${error.message}`));
    child.stdin?.on('error', () => {});
    write({ kind: 'spec', spec: agentSpec });

    /** Keep the last few lines ssh or the remote shell printed, for the failure message. */
    const remember = (line: string): void => {
      if (line.trim() === '') return;
      stderrTail.push(line.trim());
      if (stderrTail.length > 5) stderrTail.shift();
    };
    if (child.stdout !== null)
      readJsonLines<FromAgent>(child.stdout, (message, line) => {
        if (message === null) return remember(line); // printed by the remote login shell
        lastHeard = Date.now();
        receive(message);
      });
    if (child.stderr !== null) readLines(child.stderr, remember);

    const receive = (message: FromAgent): void => {
      switch (message.kind) {
        case 'ready':
          ready = true;
          return;
        case 'started':
          sink.started(message.rank, message.pid ?? undefined);
          return;
        case 'output': {
          const bytes = Buffer.from(message.data, 'base64');
          sink.output(message.rank, message.stream, bytes, () =>
            write({ kind: 'output-ack', rank: message.rank, stream: message.stream, bytes: bytes.length }),
          );
          return;
        }
        case 'stdin-ack':
          stdin.ack(message.bytes);
          return;
        case 'control':
          sink.control(message.rank, message.message);
          return;
        case 'exited':
          if (!pending.delete(message.rank)) return;
          sink.exited(message.rank, message.code, message.signal);
          return;
        case 'fatal':
          fail(message.message);
          return;
        case 'ping':
          return;
      }
    };

    const timer = setInterval(() => {
      write({ kind: 'ping' });
      if (ready && Date.now() - lastHeard > deadMs) {
        fail(
          `no heartbeat from ${spec.host} for ${Math.round((Date.now() - lastHeard) / 1000)} s: the host is down or the network is partitioned`,
        );
        child.kill('SIGKILL');
      }
    }, heartbeatMs);
    timer.unref();

    child.on('close', (code, signal) => {
      clearInterval(timer);
      stdin.release();
      if (pending.size === 0) return;
      const said = stderrTail.length > 0 ? `: ${stderrTail.join(' / ')}` : '';
      const how = signal !== null ? `ssh was killed by ${signal}` : `ssh exited with code ${code}`;
      if (!ready) fail(`cannot start ranks there (${how})${said}`);
      else fail(`lost the connection to its agent (${how})${said}`);
    });

    let killedAgent = false;
    return {
      kill(signal) {
        write({ kind: 'kill', signal });
        // Still connecting (or not answering): end the session; the agent stops its ranks on EOF.
        if (signal === 'SIGKILL' && !killedAgent && (!ready || Date.now() - lastHeard > heartbeatMs * 2)) {
          killedAgent = true;
          child.kill('SIGTERM');
        }
      },
      writeStdin(rank, chunk, done) {
        write({ kind: 'stdin', rank, data: chunk === null ? null : chunk.toString('base64') });
        stdin.sent(chunk?.length ?? 0, done);
      },
      control(rank, message) {
        write({ kind: 'control', rank, message });
      },
    };
  }
}
