/**
 * tsmpirun's side of tracing (`--trace FILE.json`, `--trace-summary`): tell the ranks to
 * record, take their records as they arrive over the lifelines (in parts, env.ts), and at
 * the end of the job write the merged Chrome trace (src/trace/chrome.ts) and print the
 * summary (src/trace/summary.ts). The trace's format and the summary are shared with the
 * ranks (a foreign launcher's rank 0 writes the same file) and with tsmpi-trace, which is
 * why the launcher imports them from src/ besides the env contract.
 */
import { statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ENV } from '../src/runtime/env.js';
import { buildChromeTrace } from '../src/trace/chrome.js';
import { isRankTrace, type RankTrace } from '../src/trace/events.js';
import { formatSummary, summarize } from '../src/trace/summary.js';
import { LaunchError } from './launch-error.js';

/** Collects the ranks' trace records of one job. */
export interface TraceCollector {
  /** Variables that make every rank record. */
  readonly env: Readonly<Record<string, string>>;
  /** One part of a rank's record (lifeline `trace` message). */
  part(rank: number, data: string, last: boolean): void;
  /** The job is over: write the file and print the summary. False when the file could not be written. */
  finish(log: (line: string) => void): boolean;
}

/**
 * The collector for `--trace path` and/or `--trace-summary`, or null when neither asks
 * for a trace. `path` is taken relative to `cwd`.
 * @throws LaunchError when the file's directory does not exist
 */
export function traceCollector(path: string | undefined, summary: boolean, cwd: string): TraceCollector | null {
  if (path === undefined && !summary) return null;
  const file = path === undefined ? null : resolve(cwd, path);
  if (file !== null) {
    let isDirectory = false;
    try {
      isDirectory = statSync(dirname(file)).isDirectory();
    } catch {
      // reported below
    }
    if (!isDirectory) throw new LaunchError(`--trace ${path}: directory ${dirname(file)} does not exist`);
  }
  const texts = new Map<number, string[]>();
  const records: RankTrace[] = [];
  const problems: string[] = [];
  return {
    env: { [ENV.trace]: '1' },
    part(rank, data, last) {
      let parts = texts.get(rank);
      if (parts === undefined) texts.set(rank, (parts = []));
      parts.push(data);
      if (!last) return;
      texts.delete(rank);
      let record: unknown;
      try {
        record = JSON.parse(parts.join(''));
      } catch {
        record = null;
      }
      if (isRankTrace(record) && record.rank === rank) records.push(record);
      else problems.push(`rank ${rank} sent a malformed trace record`);
    },
    finish(log) {
      for (const problem of problems) log(`tsmpirun: ${problem}`);
      const trace = buildChromeTrace(records);
      if (summary) for (const line of formatSummary(summarize(trace))) log(line);
      if (file === null) return true;
      try {
        writeFileSync(file, `${JSON.stringify(trace)}\n`);
        return true;
      } catch (error) {
        log(`tsmpirun: cannot write the trace ${file}: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      }
    },
  };
}
