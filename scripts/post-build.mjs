// Marks dist/cjs (the CommonJS type declarations) as CommonJS: the package itself is
// "type": "module". The launcher entry is made executable by bundle.mjs.
import { writeFileSync } from 'node:fs';
writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
