/**
 * `npm run bench`: every benchmark, one after the other, each printing its tables.
 * Not part of the tests. Run on an otherwise idle machine; figures are medians of
 * interleaved rounds, but this VM's latencies still move with load.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './util.js';

const suites = ['p2p', 'collectives', 'coll-algorithms', 'acf', 'cluster'];
const only = process.argv.slice(2);
for (const name of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  const path = join(ROOT, 'dist/bench', `${name}.js`);
  if (!existsSync(path)) {
    console.log(`\n(${name}: no benchmark built at ${path})`);
    continue;
  }
  console.log(`\n=== ${name} ===`);
  const module = (await import(path)) as { main?: () => Promise<void> };
  if (typeof module.main !== 'function') throw new Error(`bench/${name}.ts does not export main()`);
  await module.main();
}
