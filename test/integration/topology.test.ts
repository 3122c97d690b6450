// The mpi4py halo-exchange calls through the real tsmpirun (zeromq), and examples/heat.ts
// against a serial computation of the same scheme at np 1..4.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { built, runJob } from '../helpers/job.js';
import { BODIES } from '../helpers/topology-bodies.js';

describe('PROC_NULL, Sendrecv, Create_cart, IN_PLACE ... through tsmpirun', () => {
  for (const np of [1, 3, 4]) {
    it(`every body at np ${np}`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/topology.js')], { timeoutMs: 180_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(run.lines, [
        ...BODIES.map(([name]) => `ok ${name}`),
        Array.from({ length: np }, () => `${hostname()} 1e-9`).join(', '),
      ]);
    });
  }
});

/**
 * The scheme of examples/heat.ts written serially, in the most direct way: the same
 * operations on the same numbers in the same order for every point, so the parallel
 * program must give the same bits at every np.
 */
function serialHeat(points: number, maxSteps: number, tolerance: number): { rod: number[]; steps: number; residual: number } {
  const h = 1 / (points + 1);
  const r = 0.25;
  let u = new Array<number>(points + 2).fill(0);
  for (let j = 1; j <= points; j++) {
    const x = j * h;
    u[j] = x < 0.5 ? 2 * x : 2 * (1 - x);
  }
  let steps = 0;
  let residual = Infinity;
  while (steps < maxSteps && residual > tolerance) {
    const next = u.map((value, j) => (j === 0 || j === points + 1 ? 0 : value + r * ((u[j - 1] ?? 0) - 2 * value + (u[j + 1] ?? 0))));
    residual = Math.max(...next.map((value, j) => Math.abs(value - (u[j] ?? 0))));
    u = next;
    steps++;
  }
  return { rod: u.slice(1, points + 1), steps, residual };
}

describe('examples/heat.js', () => {
  for (const [points, maxSteps, tolerance] of [
    [37, 300, 0],
    [10, 100000, 1e-6],
  ] as const) {
    const expected = serialHeat(points, maxSteps, tolerance);
    for (const np of [1, 2, 3, 4]) {
      it(`${points} points, at most ${maxSteps} steps, tolerance ${tolerance}: the same bits as the serial scheme at np ${np}`, async () => {
        const run = await runJob(
          ['-np', String(np), 'node', built('examples/heat.js'), String(points), String(maxSteps), '--tol', String(tolerance), '--dump'],
          { timeoutMs: 180_000 },
        );
        assert.equal(run.exitCode, 0, run.stderr);
        const summary = run.lines.at(-1) ?? '';
        assert.deepEqual(run.lines.slice(0, -1).map(Number), expected.rod);
        assert.match(
          summary,
          new RegExp(`^heat: ${points} points on ${np} ranks: ${expected.steps} steps, residual ${expected.residual.toExponential(3)}, `),
        );
        if (tolerance > 0) assert.ok(expected.steps < maxSteps && expected.residual <= tolerance, 'the tolerance ended the run');
      });
    }
  }

  it('refuses fewer points than ranks, on every rank, with exit code 2', async () => {
    const run = await runJob(['-np', '3', 'node', built('examples/heat.js'), '2'], { timeoutMs: 120_000 });
    assert.equal(run.exitCode, 2);
    assert.match(run.stderr, /heat: usage: heat\.js \[points ≥ 3\]/);
  });
});
