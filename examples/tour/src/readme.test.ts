// The README's code is the tour's code: every TypeScript block in the root README is preceded by a marker naming
// the region of a tour file it shows (`<!-- example: examples/tour/src/labels.ts#labels -->`), and must equal it,
// so that no snippet can stop compiling or running without a test saying so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MARKER = /^<!-- example: (\S+)#(\S+) -->$/;

/** The lines between `// #region name` and `// #endregion name`, without their common indentation. */
function region(file: string, name: string): string {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const start = lines.indexOf(`// #region ${name}`);
  const end = lines.indexOf(`// #endregion ${name}`);
  if (start < 0 || end < start) throw new Error(`${file} has no region "${name}"`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((line) => line.trim() !== '').map((line) => line.search(/\S/)));
  return body.map((line) => line.slice(indent)).join('\n');
}

interface Block {
  line: number;
  marker: RegExpExecArray | null;
  code: string;
}

function tsBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const end = lines.indexOf('```', i + 1);
    blocks.push({
      line: i + 1,
      marker: MARKER.exec(lines[i - 1] ?? ''),
      code: lines.slice(i + 1, end).join('\n'),
    });
    i = end;
  }
  return blocks;
}

describe.each(['README.md', 'docs/migrating-from-prom-client.md'])('%s', (file) => {
  const blocks = tsBlocks(readFileSync(join(ROOT, file), 'utf8'));

  it('has TypeScript blocks, each marked with the tour region it shows', () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.filter((block) => block.marker === null).map((block) => `${file}:${block.line}`)).toEqual(
      [],
    );
  });

  it.each(
    blocks.filter((block) => block.marker !== null).map((block) => [`line ${block.line}`, block] as const),
  )('%s is the region it names, as it stands in the file', (_, block) => {
    const [, source, name] = block.marker!;
    expect(block.code).toBe(region(source!, name!));
  });
});
