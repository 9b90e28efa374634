import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A fenced code block of a Markdown file: where it starts, its language, and the HTML comment right above it. */
export interface Block {
  line: number;
  lang: string;
  code: string;
  note: string | undefined;
}

export function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && lines[i] !== '```') body.push(lines[i]!);
    let previous = start - 1;
    while (previous >= 0 && lines[previous]!.trim() === '') previous--;
    const note = /^<!--\s*(.*?)\s*-->$/.exec(lines[previous] ?? '')?.[1];
    blocks.push({ line: start + 1, lang: open[1]!, code: `${body.join('\n')}\n`, note });
  }
  return blocks;
}

export const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
/** README.md's code blocks: readme.test.ts runs them, types.test.ts compiles the TypeScript ones. */
export const README_BLOCKS = codeBlocks(README);
