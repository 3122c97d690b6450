/**
 * The protocol between tsmpirun and the host agent it starts on each remote host over
 * ssh (launcher/agent.ts). One JSON object per line on the ssh session's stdin (to the
 * agent) and stdout (from it); output bytes travel base64-encoded. Secrets travel only
 * here, never on a command line.
 *
 * Both sides send `ping` every {@link HEARTBEAT_MS}; a side that hears nothing for
 * {@link DEAD_MS} takes the other for lost (a host that vanished without closing its
 * connection, or a partitioned network). The agent then stops its ranks and exits.
 */
import type { ToLauncher, ToRank } from '../src/runtime/env.js';
import type { RankLaunch } from './spawners/spawner.js';

export const HEARTBEAT_MS = 1000;
/** Silence after which the other side is taken for lost (the issue's bound is 10 s). */
export const DEAD_MS = 6000;

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
  | { readonly kind: 'ping' };

export type FromAgent =
  /** The agent runs: its pid and the address its ranks announce. */
  | { readonly kind: 'ready'; readonly pid: number; readonly address: string; readonly hostname: string }
  | { readonly kind: 'started'; readonly rank: number; readonly pid: number | null }
  | { readonly kind: 'output'; readonly rank: number; readonly stream: 'stdout' | 'stderr'; readonly data: string }
  | { readonly kind: 'control'; readonly rank: number; readonly message: ToLauncher }
  | { readonly kind: 'exited'; readonly rank: number; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  /** The agent cannot start this host's ranks (bad directory, no address, ...). */
  | { readonly kind: 'fatal'; readonly message: string }
  | { readonly kind: 'ping' };

/** Quote one argument for a POSIX shell: `'...'`, with `'` written `'\''`. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
