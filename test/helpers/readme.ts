/**
 * Code blocks of the repository's Markdown files, for the tests that keep the docs true:
 * a block whose info string names a file (```` ```ts file=hello.ts ````) is that file's
 * text, either written out and run by a test or compared with the file of that name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './job.js';

export interface CodeBlock {
  /** Language word of the info string (`ts`, `js`, `sh`, …). */
  readonly lang: string;
  /** The `file=` of the info string, if any. */
  readonly file: string | undefined;
  /** The block's text, ending in a newline. */
  readonly text: string;
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
}

/** Every fenced code block of the Markdown file at `path` (relative to the repository). */
export function codeBlocks(path: string): CodeBlock[] {
  const lines = readFileSync(join(ROOT, path), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] ?? '');
    const file = /\bfile=(\S+)/.exec(open[2] ?? '')?.[1];
    blocks.push({ lang: open[1] ?? '', file, text: `${body.join('\n')}\n`, line: start + 1 });
  }
  return blocks;
}
