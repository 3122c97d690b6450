/**
 * The protocol between tsmpirun and the host agent it starts on each remote host over
 * ssh (launcher/agent.ts). One JSON object per line on the ssh session's stdin (to the
 * agent) and stdout (from it); output bytes travel base64-encoded. Secrets travel only
 * here, never on a command line.
 *
 * Both sides send `ping` every {@link HEARTBEAT_MS}; a side that hears nothing for
 * {@link DEAD_MS} takes the other for lost (a host that vanished without closing its
 * connection, or a partitioned network). The agent then stops its ranks and exits.
 *
 * Flow control, so neither side's memory grows with output or stdin the other cannot take
 * yet: at most {@link WINDOW_BYTES} of each rank's stdout, of its stderr, and of stdin
 * travel unacknowledged (per rank, so output the launcher holds back for one rank, e.g.
 * while another finishes a long line, never blocks the others). The
 * launcher sends `output-ack` once it has handed an `output` message's bytes on (its own
 * stdout can take more); the agent sends `stdin-ack` once the rank's stdin took a `stdin`
 * message's bytes. A side that reaches the window stops reading its source (the ranks'
 * pipes, or tsmpirun's stdin) until acks come back. Control messages never wait behind
 * data, so an abort or a kill gets through while output is held up.
 */
import type { ToLauncher, ToRank } from '../src/runtime/env.js';
import type { RankLaunch } from './spawners/spawner.js';

export const HEARTBEAT_MS = 1000;
/**
 * Silence after which the other side is taken for lost: six missed heartbeats, so that a
 * loaded host whose event loop stalls for a few seconds is not declared lost, while a
 * host that is gone ends the job within 10 s (this, then the kill's grace).
 */
export const DEAD_MS = 6000;
/** Bytes of one rank's stdout (or stderr, or stdin) that may be in flight unacknowledged. */
export const WINDOW_BYTES = 256 * 1024;

/** What an agent needs to start its host's ranks (the first line it reads). */
export interface AgentSpec {
  readonly host: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Variables that must not appear on a command line (the job's CURVE keys). */
  readonly secretEnv: Readonly<Record<string, string>>;
  readonly ranks: readonly RankLaunch[];
  /** CIDR or interface name selecting the address ranks announce (--if-include). */
  readonly ifInclude?: string;
  /** Milliseconds between pings, and of silence before the launcher is taken for lost. */
  readonly heartbeatMs: number;
  readonly deadMs: number;
}

export type ToAgent =
  | { readonly kind: 'spec'; readonly spec: AgentSpec }
  | { readonly kind: 'kill'; readonly signal: NodeJS.Signals }
  | { readonly kind: 'stdin'; readonly rank: number; readonly data: string | null }
  | { readonly kind: 'control'; readonly rank: number; readonly message: ToRank }
  /** The launcher has passed on this many bytes of a rank's output. */
  | { readonly kind: 'output-ack'; readonly rank: number; readonly stream: 'stdout' | 'stderr'; readonly bytes: number }
  | { readonly kind: 'ping' };

export type FromAgent =
  /** The agent runs: its pid and the address its ranks announce. */
  | { readonly kind: 'ready'; readonly pid: number; readonly address: string; readonly hostname: string }
  | { readonly kind: 'started'; readonly rank: number; readonly pid: number | null }
  | { readonly kind: 'output'; readonly rank: number; readonly stream: 'stdout' | 'stderr'; readonly data: string }
  | { readonly kind: 'control'; readonly rank: number; readonly message: ToLauncher }
  /** The rank's stdin has taken this many bytes. */
  | { readonly kind: 'stdin-ack'; readonly bytes: number }
  | { readonly kind: 'exited'; readonly rank: number; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  /** The agent cannot start this host's ranks (bad directory, no address, ...). */
  | { readonly kind: 'fatal'; readonly message: string }
  | { readonly kind: 'ping' };

/** Quote one argument for a POSIX shell: `'...'`, with `'` written `'\''`. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The sending side of a flow-control window: `send` counts bytes in flight and runs its
 * `done` at once while under {@link WINDOW_BYTES}, else once `ack`s bring it back under.
 */
export class Window {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit = WINDOW_BYTES) {}

  /** Count `bytes` as sent; `done` runs when more may be sent. */
  sent(bytes: number, done: () => void): void {
    this.inFlight += bytes;
    if (this.inFlight < this.limit) done();
    else this.waiting.push(done);
  }

  /** The other side took `bytes`. */
  ack(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
    while (this.inFlight < this.limit && this.waiting.length > 0) this.waiting.shift()?.();
  }

  /** The other side is gone: release every waiting sender. */
  release(): void {
    this.inFlight = 0;
    this.ack(0);
  }
}
