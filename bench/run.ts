/**
 * `npm run bench`: one table comparing tsmpi with raw zeromq.js and with mpi4py under Open MPI
 * (over TCP on loopback and over shared memory), measured in one run: ping-pong, Allreduce and
 * Bcast by size and np, and the time to launch a job. Ratios are tsmpi's time divided by the
 * other's; the "target" column checks the figures the project has promised.
 *
 *   npm run bench                         full table (a few minutes)
 *   npm run bench -- --quick              fewer rounds and repetitions (BENCH_QUICK=1 too)
 *   npm run bench -- --markdown           the table as Markdown, for examples/README.md
 *   npm run bench -- --only launch        some cases only (repeatable; names in cases/index.ts)
 *   npm run bench -- --rounds 5           outer rounds: how often each variant's job runs
 *
 * Each row comes from a case module under bench/cases/ (one module per case, listed in
 * cases/index.ts); see bench/README.md for adding one. Not part of the tests. Figures are
 * medians of interleaved rounds, but this VM's latencies still move with load.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COLUMN_TITLES, COLUMNS, type BenchContext, type Column, type Row } from './cases/case.js';
import { CASES } from './cases/index.js';
import { mpi4py, table, type MpiTransport } from './util.js';

const RATIO_COLUMNS: readonly Column[] = COLUMNS.filter((column) => column !== 'tsmpi');

/** A duration with a unit that suits it. */
export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || Number.isNaN(seconds)) return '-';
  const abs = Math.abs(seconds);
  if (abs >= 1) return `${seconds.toFixed(2)} s`;
  if (abs >= 1e-3) return `${(seconds * 1e3).toFixed(abs >= 0.1 ? 0 : 1)} ms`;
  return `${(seconds * 1e6).toFixed(1)} µs`;
}

/** tsmpi's time ÷ `column`'s: the paired ratio where the case measured one, else the ratio of the figures. */
export function ratioOf(row: Row, column: Column): number | undefined {
  const paired = row.pairedRatio?.[column];
  if (paired !== undefined && !Number.isNaN(paired)) return paired;
  const ours = row.seconds.tsmpi;
  const theirs = row.seconds[column];
  if (ours === undefined || theirs === undefined || Number.isNaN(ours) || Number.isNaN(theirs) || theirs <= 0) return undefined;
  return ours / theirs;
}

/** The table's cells for one row. */
export function cells(row: Row): string[] {
  const met = row.target?.met(row.seconds, (column) => ratioOf(row, column));
  return [
    row.name,
    String(row.np),
    ...COLUMNS.map((column) => formatSeconds(row.seconds[column])),
    ...RATIO_COLUMNS.map((column) => {
      const ratio = ratioOf(row, column);
      return ratio === undefined ? '-' : `${ratio.toFixed(2)}×`;
    }),
    row.target?.text ?? '',
    row.target === undefined ? '' : met === undefined ? '?' : met ? 'yes' : 'NO',
  ];
}

function openMpiVersion(): string {
  try {
    return /Open MPI\)? v?([\d.]+)/.exec(execFileSync('/usr/bin/mpirun', ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
  } catch {
    return '?';
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      rounds: { type: 'string' },
    },
  });
  const quick = values.quick || process.env.BENCH_QUICK === '1';
  const rounds = Number(values.rounds ?? (quick ? 1 : 3));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer (got '${values.rounds}')`);
  const only = values.only ?? [];
  const unknown = only.filter((name) => !CASES.some((entry) => entry.name === name));
  if (unknown.length > 0)
    throw new Error(`no case named ${unknown.join(', ')}; the cases are ${CASES.map((entry) => entry.name).join(', ')}`);

  // Node 20 reads and parses NODE_EXTRA_CA_CERTS's file at every process start, before any of
  // the program runs: ~90 ms of CPU per node process on this machine. Machines that do not set
  // it (most) do not pay it, so the jobs run without it; the launch case adds rows with it.
  const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS ?? null;
  delete process.env.NODE_EXTRA_CA_CERTS;
  const probe = mpi4py('tcp');
  const missing = 'missing' in probe ? probe.missing : null;
  const context: BenchContext = {
    quick,
    rounds,
    mpi: (transport: MpiTransport) => {
      const found = mpi4py(transport);
      return 'missing' in found ? null : found;
    },
    progress: (line) => process.stderr.write(`bench: ${line}\n`),
    extraCaCerts,
  };
  const rows: Row[] = [];
  for (const entry of CASES) {
    if (only.length > 0 && !only.includes(entry.name)) continue;
    rows.push(...(await entry.rows(context)));
  }

  const header = [
    'case',
    'np',
    ...COLUMNS.map((column) => COLUMN_TITLES[column]),
    ...RATIO_COLUMNS.map((column) => `÷ ${COLUMN_TITLES[column]}`),
    'target',
    'met',
  ];
  const title =
    `tsmpi against raw zeromq.js and mpi4py (Open MPI ${missing === null ? openMpiVersion() : 'absent'}); ${availableParallelism()} cores, Node ${process.version}, ` +
    `${new Date().toISOString().slice(0, 10)}; medians of interleaved rounds${quick ? ' (quick mode: rough figures)' : ''}`;
  const notes = [
    'Times per operation (ping-pong: half round trip; collectives: the slowest rank; launch: the whole command, start to exit).',
    'zeromq.js: raw DEALER/ROUTER sockets over ipc; MPI TCP, MPI sm: mpi4py under Open MPI over TCP on loopback, over shared memory.',
    "÷ X: tsmpi's time divided by X's, below 1 when tsmpi is faster (÷ zeromq.js is paired within each round).",
    ...(missing === null ? [] : [`mpi4py columns skipped: ${missing}.`]),
    ...(extraCaCerts === null
      ? []
      : [
          'This environment sets NODE_EXTRA_CA_CERTS, which Node 20 loads at the start of every node process: the jobs ran without it, ' +
            'as on a machine that does not set it; the rows marked "NODE_EXTRA_CA_CERTS set" show the jobs with it.',
        ]),
    ...(availableParallelism() < 8 ? [`np above ${availableParallelism()} oversubscribes this machine's cores: ranks take turns.`] : []),
  ];
  if (values.markdown) {
    console.log(`${title}\n`);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map((_, index) => (index < 2 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) console.log(`| ${cells(row).join(' | ')} |`);
    console.log(`\n${notes.join('\n')}`);
  } else {
    table(title, header, rows.map(cells));
    console.log(`\n${notes.join('\n')}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
