/**
 * Local spawner: starts a host's ranks as child processes of this process.
 * Each rank runs in a process group of its own (so a signal reaches anything it
 * started too) with stdio pipes and a lifeline socket on fd 3; the lifeline's EOF
 * tells the rank that its launcher is gone, even after SIGKILL. `kill` signals each
 * rank's group even after the rank exited, so what a rank started is stopped with it.
 * A rank counts as exited once its pipes close, or once they have been idle for
 * {@link STREAMS_AFTER_EXIT_MS} after its exit (a child of it holding them open).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { LIFELINE_FD, type ToLauncher, type ToRank } from '../../src/runtime/env.js';
import { readJsonLines } from '../../src/util/lines.js';
import { paced, writePaced } from '../streams.js';
import type { HostHandle, HostLaunch, SpawnSink, Spawner } from './spawner.js';

/** How long a rank's pipes may stay open, idle, after the rank exited (held by a child of it). */
const STREAMS_AFTER_EXIT_MS = 1000;

interface Running {
  readonly child: ChildProcess;
  readonly lifeline: Socket;
  exited: boolean;
}

/** The exit code of a rank that could not be started: a shell's for a command it cannot run. */
export const CANNOT_START_EXIT_CODE = 127;

/** Spawning, injectable so that unit tests can fail it without starting processes. */
export type SpawnProcess = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** Why a rank could not be started, in words a user can act on. */
export function spawnFailure(command: string, cwd: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT' && !existsSync(cwd)) return `working directory ${cwd} does not exist (--wdir)`;
  const hint: Record<string, string> = {
    EMFILE: ' (too many open files: raise ulimit -n or lower -np)',
    ENFILE: ' (the system is out of file descriptors)',
    EAGAIN: ' (process limit reached: raise ulimit -u or lower -np)',
    ENOMEM: ' (out of memory)',
  };
  return `cannot start '${command}': ${error.message}${hint[error.code ?? ''] ?? ''}`;
}

export class LocalSpawner implements Spawner {
  constructor(private readonly spawnProcess: SpawnProcess = (command, args, options) => spawn(command, [...args], options)) {}

  launch(spec: HostLaunch, sink: SpawnSink): HostHandle {
    const running = new Map<number, Running>();
    /** Rank `rank` could not start, so no later one is tried: the job ends, and stops those that did. */
    const cannotStart = (rank: number, error: unknown, later: readonly number[]): void => {
      const cause = error instanceof Error ? (error as NodeJS.ErrnoException) : new Error(String(error));
      sink.control(rank, { kind: 'error', rank, message: spawnFailure(spec.command, spec.cwd, cause) });
      sink.exited(rank, CANNOT_START_EXIT_CODE, null);
      for (const other of later) sink.exited(other, CANNOT_START_EXIT_CODE, null);
    };
    for (const [index, { rank, env }] of spec.ranks.entries()) {
      const later = spec.ranks.slice(index + 1).map((launch) => launch.rank);
      let child: ChildProcess;
      try {
        child = this.spawnProcess(spec.command, spec.args, {
          cwd: spec.cwd,
          env: { ...process.env, ...spec.env, ...env },
          stdio: [rank === 0 ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'],
          detached: true,
        });
      } catch (error) {
        cannotStart(rank, error, later);
        break;
      }
      const lifeline = child.stdio?.[LIFELINE_FD] as Socket | null | undefined;
      if (lifeline === null || lifeline === undefined) {
        // Failed before a process existed (EMFILE creating its pipes, EAGAIN forking): the reason follows as 'error'.
        child.once('error', (error) => cannotStart(rank, error, later));
        break;
      }
      const entry: Running = { child, lifeline, exited: false };
      running.set(rank, entry);
      let spawnFailed = false;
      child.on('error', (error: NodeJS.ErrnoException) => {
        // Only a failed spawn (e.g. ENOENT) reaches here before 'spawn'; report it as the rank's exit.
        if (child.pid === undefined && !entry.exited) {
          spawnFailed = true;
          entry.exited = true;
          sink.control(rank, { kind: 'error', rank, message: spawnFailure(spec.command, spec.cwd, error) });
          sink.exited(rank, CANNOT_START_EXIT_CODE, null);
        }
      });
      child.on('spawn', () => sink.started(rank, child.pid));
      if (child.stdout !== null) paced(child.stdout, (chunk, keepPaused) => sink.output(rank, 'stdout', chunk, keepPaused()));
      if (child.stderr !== null) paced(child.stderr, (chunk, keepPaused) => sink.output(rank, 'stderr', chunk, keepPaused()));
      child.stdin?.on('error', () => {}); // a rank that does not read stdin may close it early
      readJsonLines<ToLauncher>(lifeline, (message) => {
        if (message !== null) sink.control(rank, message);
      });
      lifeline.on('error', () => {});
      // 'close' fires after the stdio streams have ended, so all output is in before the exit.
      let streamsTimer: NodeJS.Timeout | undefined;
      child.on('close', (code, signal) => {
        clearTimeout(streamsTimer);
        lifeline.destroy();
        if (spawnFailed || entry.exited) return;
        entry.exited = true;
        sink.exited(rank, code, signal);
      });
      // A child of the rank may keep the inherited pipes open after the rank is gone
      // (`prog &`): once they have been idle for a moment after the exit, stop waiting for them.
      child.on('exit', () => {
        const idle = (): void => {
          const streams = [child.stdout, child.stderr].filter((stream) => stream !== null && !stream.destroyed);
          if (streams.some((stream) => stream?.readableFlowing === false || (stream?.readableLength ?? 0) > 0)) {
            streamsTimer = setTimeout(idle, STREAMS_AFTER_EXIT_MS); // output still being passed on (a slow reader)
            return;
          }
          for (const stream of streams) stream?.destroy();
          lifeline.destroy();
        };
        streamsTimer = setTimeout(idle, STREAMS_AFTER_EXIT_MS);
      });
    }
    return handle(running);
  }
}

function handle(running: Map<number, Running>): HostHandle {
  return {
    kill(signal) {
      for (const entry of running.values()) {
        const pid = entry.child.pid;
        if (pid === undefined) continue;
        // The rank's whole process group, even after the rank itself exited (a failed rank's
        // children, or ones it left behind), so nothing a rank started outlives the job.
        try {
          process.kill(-pid, signal);
        } catch {
          if (entry.exited) continue;
          try {
            entry.child.kill(signal);
          } catch {
            // already gone
          }
        }
      }
    },
    writeStdin(rank, chunk, done) {
      writePaced(running.get(rank)?.child.stdin, chunk, done);
    },
    control(rank, message: ToRank) {
      const entry = running.get(rank);
      if (entry === undefined || entry.exited || entry.lifeline.destroyed) return;
      entry.lifeline.write(`${JSON.stringify(message)}\n`);
    },
  };
}
