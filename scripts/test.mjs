// Runs every compiled test file (dist/test/**/*.test.js) with node's built-in runner,
// one file at a time (multi-process tests share this machine's cores). Node 20's
// `--test DIR` would also pick up fixtures and helpers, hence the explicit list.
// Extra arguments (e.g. --test-name-pattern=flood, or file filters) are passed on.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

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
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...options, ...files], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
