// tsmpi-trace on a real trace: the HTML report opened in a real headless browser (Debian's
// chromium through puppeteer-core) draws one arrow per message, logs no console error and
// asks for nothing over the network; --svg writes the diagram alone; bad files end with
// one line naming the file.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { built, ROOT, runCommand, runJob } from '../helpers/job.js';
import { checkFlows, messageSlices, readTrace } from '../helpers/trace.js';
import { predict, readModel } from '../../launcher/report/model.js';

const KNOWN = built('test/fixtures/trace-known.js');
const REPORT = built('launcher/report/main.js');
const dir = mkdtempSync(join(tmpdir(), 'tsmpi-report-test-'));
const trace = join(dir, 'trace.json');
after(() => rmSync(dir, { recursive: true, force: true }));

const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const browser = BROWSERS.find((path) => existsSync(path));

describe('tsmpi-trace', () => {
  let messages = 0;
  before(async () => {
    const run = await runJob(['-np', '5', '--trace', trace, 'node', KNOWN], { timeoutMs: 120_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    messages = checkFlows(readTrace(trace));
  });

  it(
    'writes an HTML report that a headless browser renders with one arrow per message, no console error and no network request',
    { skip: browser === undefined ? `no headless browser (looked for ${BROWSERS.join(', ')}; apt-get install chromium)` : false },
    async () => {
      const html = join(dir, 'report.html');
      const made = await runCommand(process.execPath, [REPORT, trace, '--html', html]);
      assert.equal(made.exitCode, 0, made.stderr);
      assert.equal(made.stdout, '');
      const { launch } = await import('puppeteer-core');
      const chrome = await launch({ executablePath: browser as string, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
      try {
        const page = await chrome.newPage();
        const problems: string[] = [];
        const requests: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warn') problems.push(`${message.type()}: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
        await page.setRequestInterception(true);
        const url = pathToFileURL(html).href;
        page.on('request', (request) => {
          if (request.url() !== url) {
            requests.push(request.url());
            void request.abort();
          } else void request.continue();
        });
        await page.goto(url, { waitUntil: 'load' });
        // A string, evaluated in the page (this project's types have no DOM).
        const counts = (await page.evaluate(`(() => {
          const all = (selector) => [...document.querySelectorAll(selector)];
          return {
            arrows: all('svg.space-time line.message').length,
            ids: new Set(all('svg.space-time line.message').map((line) => line.getAttribute('data-id'))).size,
            lanes: all('svg.space-time .lane').length,
            rounds: all('svg.space-time .round').length,
            cells: all('svg.heat-map .matrix-cell').length,
            bars: all('svg.time-bars .time-bar').length,
            rows: all('table.model tbody tr').length,
            width: document.querySelector('svg.space-time').getBoundingClientRect().width,
          };
        })()`)) as Record<string, number>;
        assert.equal(counts.arrows, messages);
        assert.equal(counts.ids, messages);
        assert.equal(counts.lanes, 5);
        assert.ok((counts.rounds ?? 0) > 0);
        assert.equal(counts.cells, 25);
        assert.equal(counts.bars, 15);
        // bcast, gather, Allreduce, Split, allreduce on each half of the Split, barrier.
        assert.equal(counts.rows, 7);
        assert.ok((counts.width ?? 0) > 0);
        assert.deepEqual(problems, []);
        assert.deepEqual(requests, []);
      } finally {
        await chrome.close();
      }
    },
  );

  it("models a separate agreement round only for the calls that had one (a small bcast's or allreduce's steps carry it)", () => {
    const model = readModel(readTrace(trace));
    const call = (name: string) => {
      const found = model.calls.find((entry) => entry.name === name && entry.comm === 'world');
      assert.ok(found, `${name} on the world in ${model.calls.map((entry) => entry.label).join(', ')}`);
      return found;
    };
    for (const name of ['bcast', 'Allreduce']) {
      const fused = call(name);
      assert.equal(fused.agreement, false, name);
      assert.doesNotMatch(predict(fused, model.fit).formula, /\+ ⌈log₂p⌉α$/, name);
    }
    const gather = call('gather');
    assert.equal(gather.agreement, true);
    assert.match(predict(gather, model.fit).formula, /\+ ⌈log₂p⌉α$/);
  });

  it('models no separate agreement round for an Allreduce by Rabenseifner either: its reduce-scatter carries the round', async () => {
    const forced = join(dir, 'rabenseifner.json');
    const run = await runJob(['-np', '5', '--trace', forced, '-x', 'TSMPI_COLL_ALLREDUCE=rabenseifner', 'node', KNOWN], {
      timeoutMs: 120_000,
    });
    assert.equal(run.exitCode, 0, run.stderr);
    const model = readModel(readTrace(forced));
    const allreduce = model.calls.find((entry) => entry.name === 'Allreduce' && entry.comm === 'world');
    assert.ok(allreduce);
    assert.equal(allreduce.algorithm, 'rabenseifner');
    assert.equal(allreduce.agreement, false);
    assert.doesNotMatch(predict(allreduce, model.fit).formula, /\+ ⌈log₂p⌉α$/);
    // np 5: the fold-in and fold-out (1 each), 2 × 4 for the reduce-scatter and as many for
    // the allgather; a round of its own would add 10 (as many as the barrier's).
    assert.equal(allreduce.messages, 18);
  });

  it('--svg writes the space-time diagram alone, one line per message', async () => {
    const svg = join(dir, 'diagram.svg');
    const made = await runCommand(process.execPath, [REPORT, trace, '--svg', svg]);
    assert.equal(made.exitCode, 0, made.stderr);
    const text = readFileSync(svg, 'utf8');
    assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(text.match(/<line class="message"/g)?.length, messages);
    assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('--no-agreement leaves out the agreement rounds; --window draws one span', async () => {
    const svg = join(dir, 'data.svg');
    const made = await runCommand(process.execPath, [REPORT, trace, '--svg', svg, '--no-agreement']);
    assert.equal(made.exitCode, 0, made.stderr);
    const agreement = messageSlices(readTrace(trace), 'send').filter((slice) => slice.args.round === 'agree').length;
    assert.ok(agreement > 0);
    assert.equal(readFileSync(svg, 'utf8').match(/<line class="message"/g)?.length, messages - agreement);
    const windowed = join(dir, 'window.svg');
    const cut = await runCommand(process.execPath, [REPORT, trace, '--svg', windowed, '--window', '0-0.001']);
    assert.equal(cut.exitCode, 0, cut.stderr);
    assert.equal(readFileSync(windowed, 'utf8').match(/<line class="message"/g), null);
    const bad = await runCommand(process.execPath, [REPORT, trace, '--svg', windowed, '--window', '5-2']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /^tsmpi-trace: --window 5-2: give the span as FROM-TO in ms, FROM below TO \(e\.g\. 3500-3560\)\n$/);
  });

  it('docs/teaching.md shows space-time diagrams that tsmpi-trace drew', () => {
    const page = readFileSync(join(ROOT, 'docs/teaching.md'), 'utf8');
    const pictures = [...page.matchAll(/!\[[^\]]*\]\((teaching\/[^)]+\.svg)\)/g)].map((match) => match[1] as string);
    assert.deepEqual(pictures, ['teaching/acf-p2p.svg', 'teaching/acf-gather.svg', 'teaching/bcast-loop.svg']);
    for (const picture of pictures) {
      const text = readFileSync(join(ROOT, 'docs', picture), 'utf8');
      assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="space-time"/, picture);
      assert.equal(text.match(/class="lane"/g)?.length, 8, picture);
      assert.ok((text.match(/<line class="message"/g)?.length ?? 0) >= 7, picture);
    }
  });

  it('prints the summary when asked for no file', async () => {
    const made = await runCommand(process.execPath, [REPORT, trace]);
    assert.equal(made.exitCode, 0, made.stderr);
    assert.match(made.stdout, /^trace summary: time per rank/);
    assert.match(made.stdout, /messages sent \(row: sender, column: receiver\)/);
  });

  it('names the file and what is wrong with it', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "traceEvents": [\n    {"ph": "X",\n  ]\n}\n');
    const notOurs = join(dir, 'chrome.json');
    writeFileSync(notOurs, JSON.stringify({ traceEvents: [] }));
    const cases: [string[], number, RegExp][] = [
      [[join(dir, 'missing.json')], 1, /^tsmpi-trace: .*missing\.json does not exist\n$/],
      [[bad], 1, /^tsmpi-trace: .*bad\.json is not JSON at line 4 \(.*\)\n$/],
      [
        [notOurs],
        1,
        /^tsmpi-trace: .*chrome\.json is not a tsmpi trace \(no otherData\.tsmpi; write one with tsmpirun --trace FILE\.json\)\n$/,
      ],
      [[dir], 1, /^tsmpi-trace: .* is a directory\n$/],
      [[], 2, /^tsmpi-trace: missing required argument 'trace\.json'\n$/],
      [[trace, '--html'], 2, /^tsmpi-trace: option '--html <report\.html>' argument missing\n$/],
      [[trace, '--html', join(dir, 'no', 'such', 'dir.html')], 1, /^tsmpi-trace: cannot write .*dir\.html: ENOENT/],
    ];
    for (const [args, code, pattern] of cases) {
      const run = await runCommand(process.execPath, [REPORT, ...args]);
      assert.equal(run.exitCode, code, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
  });
});
