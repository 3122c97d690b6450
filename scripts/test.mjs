// Runs every compiled test file (dist/test/**/*.test.js) with node's built-in runner,
// one file at a time (multi-process tests share this machine's cores). Node 20's
// `--test DIR` would also pick up fixtures and helpers, hence the explicit list.
// Extra arguments (e.g. --test-name-pattern=flood, or file filters) are passed on.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const options = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const files = find(join(root, 'dist/test'))
  .map((path) => relative(root, path))
  .filter((path) => filters.length === 0 || filters.some((filter) => path.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Besides the usual report (spec on a terminal, TAP otherwise, as node chooses), a second
// reporter records every skip, listed at the end with its reason: node's own summary counts
// skipped tests but does not say which or why.
const skipLog = join(mkdtempSync(join(tmpdir(), 'tsmpi-test-')), 'skips.jsonl');
const reporters = options.some((arg) => arg.startsWith('--test-reporter'))
  ? []
  : [
      '--test-reporter',
      process.stdout.isTTY ? 'spec' : 'tap',
      '--test-reporter-destination',
      'stdout',
      '--test-reporter',
      join(root, 'scripts/skip-reporter.mjs'),
      '--test-reporter-destination',
      skipLog,
    ];
// Node 20 loads NODE_EXTRA_CA_CERTS's file at the start of every node process (~90 ms of CPU
// each where it is set); the tests start thousands of processes and make no TLS connections.
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...reporters, ...options, ...files], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (existsSync(skipLog)) {
  const skips = readFileSync(skipLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const groups = new Map();
  for (const { file, name, reason, suite } of skips) {
    const key = `${relative(root, file ?? '')}: ${reason || 'no reason given'}`;
    const group = groups.get(key) ?? { tests: 0, suites: [] };
    if (suite) group.suites.push(name);
    else group.tests++;
    groups.set(key, group);
  }
  const count = skips.filter((skip) => !skip.suite).length;
  console.log(`\nskipped: ${count} test${count === 1 ? '' : 's'}${groups.size === 0 ? '' : ', by file and reason:'}`);
  for (const [key, { tests, suites }] of groups) {
    const what = [
      tests > 0 ? `${tests} test${tests === 1 ? '' : 's'}` : '',
      ...suites.map((name) => `the whole suite '${name}' (its tests are not counted above)`),
    ].filter(Boolean);
    console.log(`  ${key}: ${what.join(', ')}`);
  }
  rmSync(dirname(skipLog), { recursive: true, force: true });
}
process.exit(result.status ?? 1);
