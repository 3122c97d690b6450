/**
 * tsmpi-trace: read a trace written by `tsmpirun --trace FILE.json` and make pictures of
 * it. `--html report.html` writes the self-contained report (html.ts), `--svg
 * diagram.svg` the space-time diagram alone (svg.ts); with neither, the summary is
 * printed (what `tsmpirun --trace-summary` prints). Bad input ends with one line naming
 * the file and what is wrong with it, exit code 1 (2 for a usage error).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { formatSummary, summarize } from '../../src/trace/summary.js';
import type { ChromeTrace } from '../../src/trace/chrome.js';
import { flushThenExit } from '../flush.js';
import { reportHtml } from './html.js';
import { asTrace, readModel, TraceFileError } from './model.js';
import { spaceTimeSvg, type Window } from './svg.js';

/** `line N` of a JSON syntax error at character `position` of `text`. */
function lineOf(text: string, message: string): string {
  const position = /position (\d+)/.exec(message);
  if (position === null) return '';
  const line = text.slice(0, Number(position[1])).split('\n').length;
  return ` at line ${line}`;
}

/** Read and check a trace file. @throws TraceFileError naming what is wrong */
export function readTraceFile(path: string): ChromeTrace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TraceFileError(
      code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(error)})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TraceFileError(`is not JSON${lineOf(text, message)} (${message})`);
  }
  return asTrace(value);
}

function program(): Command {
  return new Command('tsmpi-trace')
    .description('Make pictures of a trace written by tsmpirun --trace: an HTML report, the space-time diagram as SVG, or the summary')
    .argument('<trace.json>', 'the trace file')
    .option(
      '--html <report.html>',
      'write one self-contained HTML page: space-time diagram, communication matrix, time per rank, α–β model of each collective',
    )
    .option('--svg <diagram.svg>', 'write the space-time diagram alone')
    .option('--no-agreement', 'leave the agreement rounds of collectives out of the diagram')
    .option('--window <from-to>', "draw only this span of the diagram, in ms on the trace's time axis (e.g. 3500-3560)")
    .showHelpAfterError('(run tsmpi-trace --help for usage)')
    .exitOverride();
}

/** Run tsmpi-trace with `argv` (without node and script); resolves with the exit code. */
export function run(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  const command = program();
  command.configureOutput({ writeErr: () => {}, writeOut: out });
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      err(`tsmpi-trace: ${error.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    throw error;
  }
  const [path] = command.processedArgs as [string];
  const options = command.opts<{ html?: string; svg?: string; window?: string; agreement: boolean }>();
  let window: Window | null = null;
  if (options.window !== undefined) {
    const match = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(options.window);
    if (match === null || Number(match[1]) >= Number(match[2])) {
      err(`tsmpi-trace: --window ${options.window}: give the span as FROM-TO in ms, FROM below TO (e.g. 3500-3560)\n`);
      return 2;
    }
    window = { start: Number(match[1]) * 1000, end: Number(match[2]) * 1000 };
  }
  let trace: ChromeTrace;
  try {
    trace = readTraceFile(path);
  } catch (error) {
    if (error instanceof TraceFileError) {
      err(`tsmpi-trace: ${path} ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const outputs: [string, () => string][] = [];
  if (options.html !== undefined) outputs.push([options.html, () => reportHtml(trace, path, window, options.agreement)]);
  if (options.svg !== undefined) outputs.push([options.svg, () => `${spaceTimeSvg(readModel(trace), window, options.agreement)}\n`]);
  if (outputs.length === 0) out(`${formatSummary(summarize(trace)).join('\n')}\n`);
  for (const [file, make] of outputs) {
    try {
      writeFileSync(file, make());
    } catch (error) {
      err(`tsmpi-trace: cannot write ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  }
  return 0;
}

/** Entry point. */
export async function main(argv: readonly string[]): Promise<never> {
  let code: number;
  try {
    code = run(
      argv,
      (text) => process.stdout.write(text),
      (text) => process.stderr.write(text),
    );
  } catch (error) {
    process.stderr.write(`tsmpi-trace: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    code = 1;
  }
  return flushThenExit(code);
}
