/**
 * Rows: how long a whole hello-world job takes, from starting the command to its exit, as a
 * user times it: `node hello.js` alone, `tsmpirun -np 1` and `-np 4` of it, against
 * `python3 hello.py` alone and `mpirun -np 1`/`-np 4` of its mpi4py twin (Open MPI over TCP
 * and over shared memory). All variants take turns, round by round. "launcher overhead" is
 * the median over rounds of (job at np 1 − the program alone) within the same round.
 * "the floor" is what any launcher written for Node pays before it does anything: one
 * `node` process that starts four `node -e 0` and waits for them, nothing loaded, nothing
 * exchanged.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LAUNCHER, median, ROOT } from '../util.js';
import { atMost, interleave, type BenchCase, type Row } from './case.js';

/** Wall seconds of one run of `argv` (in `env`, by default this process's); throws if it fails. */
function wall(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const start = performance.now();
  const result = spawnSync(argv[0] as string, argv.slice(1), { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}`);
  return seconds;
}

export const launch: BenchCase = {
  name: 'launch',
  async rows({ quick, mpi, progress, extraCaCerts }) {
    const rounds = quick ? 3 : 9;
    const hello = join(ROOT, 'dist/bench/cases/hello.js');
    const python = join(ROOT, 'bench/mpi4py/hello.py');
    // The launcher through its #! line, as ./node_modules/.bin/tsmpirun runs it; `node` from PATH for the program.
    const tsmpirun = (np: number) => () => wall([LAUNCHER, '-np', String(np), 'node', hello]);
    // The children's handles keep this process alive until all four have exited.
    const floor = "for (let i = 0; i < 4; i++) require('node:child_process').spawn('node', ['-e', '0'], { stdio: 'inherit' });";
    // The same jobs as this environment runs them, when it sets NODE_EXTRA_CA_CERTS (bench/run.ts).
    const withCa = extraCaCerts === null ? null : { ...process.env, NODE_EXTRA_CA_CERTS: extraCaCerts };
    const tsmpirunWithCa = (np: number) => (withCa === null ? null : () => wall([LAUNCHER, '-np', String(np), 'node', hello], withCa));
    const mpirun = (transport: 'tcp' | 'sm', np: number) => {
      const open = mpi(transport);
      return open === null ? null : () => wall([...open.mpirun, '-np', String(np), open.python, python]);
    };
    const pythonAlone = mpi('tcp');
    progress(
      `launch: ${rounds} rounds of node hello.js, tsmpirun -np 1 and 4, python3 hello.py, mpirun -np 1 and 4 over TCP and shared memory`,
    );
    const samples = await interleave(rounds, {
      nodeAlone: () => wall(['node', hello]),
      tsmpi1: tsmpirun(1),
      tsmpi4: tsmpirun(4),
      floor4: () => wall(['node', '-e', floor]),
      pythonAlone: pythonAlone === null ? null : () => wall([pythonAlone.python, python]),
      ompiTcp1: mpirun('tcp', 1),
      ompiTcp4: mpirun('tcp', 4),
      ompiSm1: mpirun('sm', 1),
      ompiSm4: mpirun('sm', 4),
      nodeAloneCa: withCa === null ? null : () => wall(['node', hello], withCa),
      tsmpi1Ca: tsmpirunWithCa(1),
      tsmpi4Ca: tsmpirunWithCa(4),
    });
    const m = (name: string): number | undefined => {
      const values = samples[name];
      return values === undefined ? undefined : median(values);
    };
    /** Median over rounds of job − program alone, both from the same round. */
    const overhead = (job: string, alone: string): number | undefined => {
      const jobs = samples[job];
      const alones = samples[alone];
      return jobs === undefined || alones === undefined
        ? undefined
        : median(jobs.map((seconds, round) => seconds - (alones[round] ?? Number.NaN)));
    };
    const rows: Row[] = [
      {
        name: 'hello, the program alone (node / python3)',
        np: 1,
        seconds: { tsmpi: m('nodeAlone'), ompiTcp: m('pythonAlone'), ompiSm: m('pythonAlone') },
      },
      { name: 'launch: whole hello job', np: 1, seconds: { tsmpi: m('tsmpi1'), ompiTcp: m('ompiTcp1'), ompiSm: m('ompiSm1') } },
      {
        name: 'launch: job − program alone (launcher overhead)',
        np: 1,
        seconds: {
          tsmpi: overhead('tsmpi1', 'nodeAlone'),
          ompiTcp: overhead('ompiTcp1', 'pythonAlone'),
          ompiSm: overhead('ompiSm1', 'pythonAlone'),
        },
        target: { text: 'tsmpi ≤ 80 ms', met: (seconds) => atMost(seconds.tsmpi, 0.08) },
      },
      {
        name: 'launch: whole hello job',
        np: 4,
        seconds: { tsmpi: m('tsmpi4'), ompiTcp: m('ompiTcp4'), ompiSm: m('ompiSm4') },
        target: { text: '≤ 0.5× MPI TCP', met: (_, ratio) => atMost(ratio('ompiTcp'), 0.5) },
      },
      {
        name: 'launch: the floor, node starting 4 × node -e 0',
        np: 4,
        seconds: { tsmpi: m('floor4'), ompiTcp: m('ompiTcp4'), ompiSm: m('ompiSm4') },
      },
    ];
    if (withCa !== null)
      rows.push(
        { name: 'hello, the program alone, NODE_EXTRA_CA_CERTS set', np: 1, seconds: { tsmpi: m('nodeAloneCa') } },
        {
          name: 'launch: job − program alone, NODE_EXTRA_CA_CERTS set',
          np: 1,
          seconds: { tsmpi: overhead('tsmpi1Ca', 'nodeAloneCa') },
        },
        {
          name: 'launch: whole hello job, NODE_EXTRA_CA_CERTS set',
          np: 4,
          seconds: { tsmpi: m('tsmpi4Ca'), ompiTcp: m('ompiTcp4'), ompiSm: m('ompiSm4') },
        },
      );
    return rows;
  },
};
