// Regenerates the pictures of docs/teaching.md (npm run teaching-pictures): traces the
// lesson's ACF collecting its results with send/recv and with gather, and a broadcast loop
// against bcast, each at np 8 with `tsmpirun --trace`, and draws each with
// `tsmpi-trace --svg --no-agreement` into docs/teaching/. The ACF pictures show the collection only
// (--window: from the first of its messages to the last). Needs `npm run build` first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'docs/teaching');
const work = mkdtempSync(join(tmpdir(), 'tsmpi-teaching-'));
mkdirSync(out, { recursive: true });

/** The span (ms) of the messages `keep` selects, with a margin. */
function span(trace, keep) {
  const slices = trace.traceEvents.filter((event) => event.ph === 'X' && (event.cat === 'p2p' || event.cat === 'message') && keep(event));
  const start = Math.min(...slices.map((slice) => slice.ts));
  const end = Math.max(...slices.map((slice) => slice.ts + slice.dur));
  const margin = (end - start) * 0.08;
  return `${((start - margin) / 1000).toFixed(3)}-${((end + margin) / 1000).toFixed(3)}`;
}

const pictures = [
  { name: 'acf-p2p', program: ['dist/examples/acf.js', '--comm', 'p2p'], focus: (slice) => slice.args.tag === 12 },
  {
    name: 'acf-gather',
    program: ['dist/examples/acf.js', '--comm', 'gather'],
    focus: (slice) => /^gather #/.test(slice.args.collective ?? ''),
  },
  { name: 'bcast-loop', program: ['dist/examples/bcast-loop.js'], focus: null },
];

try {
  for (const { name, program, focus } of pictures) {
    const trace = join(work, `${name}.json`);
    execFileSync(process.execPath, [join(root, 'dist/launcher/tsmpirun.cjs'), '-np', '8', '--trace', trace, 'node', ...program], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const window = focus === null ? [] : ['--window', span(JSON.parse(readFileSync(trace, 'utf8')), focus)];
    execFileSync(
      process.execPath,
      [join(root, 'dist/launcher/report/main.js'), trace, '--svg', join(out, `${name}.svg`), '--no-agreement', ...window],
      {
        stdio: 'inherit',
      },
    );
    console.log(`docs/teaching/${name}.svg`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
