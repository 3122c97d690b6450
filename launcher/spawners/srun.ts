/**
 * srun spawner: inside a Slurm allocation tsmpirun starts all ranks as one job step,
 * `srun --label --kill-on-bad-exit --input=0 -n N <program> <args>`, instead of using ssh.
 * The ranks then see Slurm's variables (not TSMPI_RANK) and wire up through the
 * foreign-launcher rendezvous (src/transport/rendezvous.ts); there is no per-rank
 * lifeline, so `--timeout` cannot ask ranks where they wait.
 *
 * One HostLaunch stands for the whole step. srun's `--label` prefix (`N: `) routes each
 * output line to its rank; srun's own line `task N: Exited with exit code C` names the
 * rank that failed first, which is reported before the others so the job's exit code is
 * that rank's (srun itself returns 143 after --kill-on-bad-exit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { paced, writePaced } from '../streams.js';
import type { HostHandle, HostLaunch, SpawnSink, Spawner } from './spawner.js';

export interface SrunOptions {
  /** The srun program (default `srun`). */
  readonly srun?: string;
  /** Extra srun options, e.g. `--overcommit` for more ranks than allocated slots. */
  readonly extraArgs?: readonly string[];
}

/** srun's argument list for a step of `spec` (pure). */
export function srunArgs(spec: HostLaunch, options: SrunOptions = {}): string[] {
  return [
    '--label',
    '--kill-on-bad-exit=1',
    '--input=0',
    `--ntasks=${spec.ranks.length}`,
    `--chdir=${spec.cwd}`,
    ...(options.extraArgs ?? []),
    spec.command,
    ...spec.args,
  ];
}

const LABELLED_PREFIX = /^\s*(\d+): ?/;
/** Exit code reported for a task srun names as killed (Killed, Terminated...): SIGKILL's, as a shell reports it. */
const KILLED_EXIT_CODE = 128 + 9;
const TASK_EXIT = /srun: error: [^:]*: tasks? ([\d,-]+): (?:Exited with exit code (\d+)|(Killed|Terminated|Segmentation fault|Aborted))/;

/** The first rank and exit code in srun's `task N: Exited with exit code C` line (pure). */
export function parseTaskExit(line: string): { rank: number; code: number } | null {
  const match = TASK_EXIT.exec(line);
  if (match === null) return null;
  const rank = Number(/^\d+/.exec(match[1] ?? '')?.[0]);
  if (!Number.isInteger(rank)) return null;
  return { rank, code: match[2] === undefined ? KILLED_EXIT_CODE : Number(match[2]) };
}

export class SrunSpawner implements Spawner {
  constructor(private readonly options: SrunOptions = {}) {}

  launch(spec: HostLaunch, sink: SpawnSink): HostHandle {
    const ranks = spec.ranks.map((launch) => launch.rank);
    let child: ChildProcess;
    try {
      child = spawn(this.options.srun ?? 'srun', srunArgs(spec, this.options), {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (error) {
      sink.hostFailed(spec.host, error instanceof Error ? error : new Error(String(error)));
      return { kill() {}, writeStdin() {}, control() {} };
    }
    let firstFailure: { rank: number; code: number } | null = null;
    let exited = false;
    child.on('spawn', () => {
      for (const rank of ranks) sink.started(rank, child.pid);
    });
    child.on('error', (error) => {
      if (child.pid === undefined && !exited) {
        exited = true;
        sink.hostFailed(spec.host, new Error(`cannot start '${this.options.srun ?? 'srun'}': ${error.message}`));
      }
    });
    // srun's --label output, split into lines as bytes: a rank's bytes are passed on untouched.
    const deliver = (stream: 'stdout' | 'stderr', line: Buffer, done: () => void): void => {
      const labelled = LABELLED_PREFIX.exec(line.subarray(0, 24).toString('latin1'));
      if (labelled !== null && ranks.includes(Number(labelled[1])))
        return sink.output(Number(labelled[1]), stream, line.subarray(labelled[0].length), done);
      if (stream === 'stderr') firstFailure ??= parseTaskExit(line.toString('utf8'));
      // srun's own messages: shown as rank 0's stderr, so they keep their place in the output.
      sink.output(ranks[0] ?? 0, stream, line, done);
    };
    const tails = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
    const route = (stream: 'stdout' | 'stderr', source: NodeJS.ReadableStream): void =>
      paced(source, (chunk, keepPaused) => {
        let bytes = tails[stream].length === 0 ? chunk : Buffer.concat([tails[stream], chunk]);
        let newline: number;
        while ((newline = bytes.indexOf(0x0a)) >= 0) {
          deliver(stream, bytes.subarray(0, newline + 1), keepPaused());
          bytes = bytes.subarray(newline + 1);
        }
        tails[stream] = Buffer.from(bytes);
      });
    if (child.stdout !== null) route('stdout', child.stdout);
    if (child.stderr !== null) route('stderr', child.stderr);
    child.stdin?.on('error', () => {});
    child.on('close', (code, signal) => {
      if (exited) return;
      exited = true;
      for (const stream of ['stdout', 'stderr'] as const) if (tails[stream].length > 0) deliver(stream, tails[stream], () => {});
      const failure = firstFailure ?? (code === 0 && signal === null ? null : { rank: ranks[0] ?? 0, code: code ?? 1 });
      if (failure !== null)
        sink.exited(failure.rank, signal !== null && firstFailure === null ? null : failure.code, firstFailure === null ? signal : null);
      for (const rank of ranks) if (rank !== failure?.rank) sink.exited(rank, failure === null ? 0 : (code ?? 1), null);
    });
    return {
      kill(signal) {
        if (exited || child.pid === undefined) return;
        try {
          // srun forwards SIGTERM/SIGKILL-like requests to the step's tasks on every node.
          child.kill(signal);
        } catch {
          // already gone
        }
      },
      writeStdin(rank, chunk, done) {
        if (rank !== ranks[0]) return done();
        writePaced(child.stdin, chunk, done);
      },
      control() {
        // No lifeline under srun: the ranks wire up through the rendezvous.
      },
    };
  }
}
