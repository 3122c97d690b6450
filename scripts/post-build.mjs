// Marks the CommonJS build as CommonJS (the package itself is "type": "module")
// and makes the launcher entry executable, so `npx tsmpirun` works from a fresh clone.
import { chmodSync, writeFileSync } from 'node:fs';
writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
chmodSync(new URL('../dist/launcher/main.js', import.meta.url), 0o755);
