// Marks dist/cjs (the CommonJS type declarations) as CommonJS: the package itself is
// "type": "module". dist/cjs/index.js forwards to the CommonJS bundle, so code that
// requires the build by path (the notebook, under tslab's CommonJS output) finds its
// declarations beside it and still loads the one runtime the package exports.
// The launcher entry is made executable by bundle.mjs.
import { writeFileSync } from 'node:fs';
writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
writeFileSync(new URL('../dist/cjs/index.js', import.meta.url), "module.exports = require('../bundle/index.cjs');\n");
