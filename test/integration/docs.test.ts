// The docs' code blocks are the code: README.md's and examples/README.md's blocks that name a
// repository file (```` ```ts file=examples/acf.ts ````) must be an excerpt of that file, the other
// TypeScript blocks must compile against the built package, the starts of "Your own program"
// are run by own-project.test.ts, and examples/README lists every example program.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runCommand } from '../helpers/job.js';
import { codeBlocks, type CodeBlock } from '../helpers/readme.js';

const DOCS = ['README.md', 'examples/README.md'];
/** The files of README's "Your own program": written into a fresh project and run there. */
const OWN_PROJECT_FILES = new Set(['hello.mjs', 'hello.cjs', 'hello.ts', 'tsconfig.json']);

const isElision = (line: string): boolean => /^\/\/ …/.test(line);
/** Lines that carry code: trimmed, without blank lines and comment-only lines (an elision `// … ` stays). */
const codeLines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && (!line.startsWith('//') || isElision(line)));

/** Does `excerpt` (with `// …` lines standing for any run of lines) occur in `file`, in order and contiguous otherwise? */
function occursIn(excerpt: string[], file: string[]): boolean {
  const from = (e: number, f: number): boolean => {
    if (e === excerpt.length) return true;
    const line = excerpt[e] ?? '';
    if (isElision(line)) {
      for (let skip = f; skip <= file.length; skip++) if (from(e + 1, skip)) return true;
      return false;
    }
    return f < file.length && file[f] === line && from(e + 1, f + 1);
  };
  return file.some((_, start) => from(0, start));
}

const blocks: (CodeBlock & { doc: string })[] = DOCS.flatMap((doc) => codeBlocks(doc).map((block) => ({ ...block, doc })));

describe('docs code blocks', () => {
  for (const block of blocks.filter((b) => b.file !== undefined && !OWN_PROJECT_FILES.has(b.file))) {
    it(`${block.doc}:${block.line} quotes ${block.file} as it is`, () => {
      const path = join(ROOT, block.file ?? '');
      assert.ok(existsSync(path), `${block.file} does not exist`);
      const excerpt = codeLines(block.text);
      assert.ok(excerpt.length > 0);
      assert.ok(
        occursIn(excerpt, codeLines(readFileSync(path, 'utf8'))),
        `${block.doc}:${block.line}: the block is not in ${block.file} any more:\n${block.text}`,
      );
    });
  }

  it('every JavaScript or TypeScript block either quotes a file, is a start of "Your own program", or is a TypeScript snippet', () => {
    for (const block of blocks) {
      if (block.lang === 'js') assert.ok(block.file !== undefined, `${block.doc}:${block.line}: a js block must name its file`);
    }
    assert.deepEqual(
      new Set(blocks.filter((b) => b.file !== undefined && OWN_PROJECT_FILES.has(b.file) && b.doc === 'README.md').map((b) => b.file)),
      OWN_PROJECT_FILES,
    );
  });

  it("README's other TypeScript blocks compile against the built package (strict)", async () => {
    const snippets = blocks.filter((b) => b.lang === 'ts' && b.file === undefined);
    assert.ok(snippets.length >= 2, 'the collectives and grid snippets at least');
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-snippets-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
      const names = snippets.map((block) => {
        const name = `${block.doc.replace(/\W/g, '_')}_${block.line}.ts`;
        writeFileSync(join(dir, name), block.text);
        return name;
      });
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'nodenext',
            strict: true,
            noEmit: true,
            paths: { tsmpi: [join(ROOT, 'dist/src/index.d.ts')] },
            typeRoots: [join(ROOT, 'node_modules/@types')],
            types: ['node'],
          },
          files: names,
        }),
      );
      const compile = await runCommand(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], {
        cwd: dir,
        timeoutMs: 180_000,
      });
      const where = (text: string): string =>
        text.replace(
          /(\w+)_md_(\d+)\.ts\((\d+),\d+\)/g,
          (_, doc: string, line: string, row: string) => `${doc}.md:${Number(line) + Number(row)}`,
        );
      assert.equal(compile.exitCode, 0, where(compile.stdout + compile.stderr));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('examples/README lists every example program', () => {
    const text = readFileSync(join(ROOT, 'examples/README.md'), 'utf8');
    const section = text.slice(text.indexOf('## Every example'), text.indexOf('\n## ', text.indexOf('## Every example') + 1));
    const programs = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === 'lib' ? [] : programs(path);
        // Programs start with a `// name: what it does` line; helper modules with a /** doc comment.
        return entry.name.endsWith('.ts') && readFileSync(join(ROOT, path), 'utf8').startsWith('//')
          ? [relative('examples', path).replace(/\.ts$/, '.js')]
          : [];
      });
    const all = programs('examples');
    assert.ok(all.includes('heat.js') && all.includes('hello.js'), all.join(' '));
    for (const program of all) assert.ok(section.includes(`\`${program}\``), `examples/README.md's list lacks ${program}`);
  });
});
