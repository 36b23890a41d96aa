// READMEs whose code cannot rot: every TypeScript or JavaScript block of a Markdown file is preceded by a marker
// that names the region of a source file it shows (`<!-- example: test/readme/start.ts#start -->`), and must equal
// that region, the lines between `// #region start` and `// #endregion start` without their common indentation.
// The tests that import the marked files then run them. For a README that ships in an npm tarball, its links are
// checked too: a relative link must name a file of the package that is shipped, never one outside it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The line before a block that names what it shows: a file relative to the root, and a region of it. */
const MARKER = /^\s*<!-- example: (\S+)#(\S+) -->\s*$/;
/** An opening fence of a code block in a language whose blocks must come from source files. */
const CODE_FENCE = /^(\s*)```\s*(ts|typescript|tsx|mts|cts|js|javascript|jsx|mjs|cjs)\s*$/i;
/** Any opening or closing fence. */
const FENCE = /^\s*```/;

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The marked file, relative to the root, and the region's name; undefined when the block has no marker. */
  source?: { file: string; region: string };
  /** The block's lines, without the fence's indentation. */
  code: string;
}

/** The TypeScript and JavaScript blocks of a Markdown text, each with the marker on the line before it, if any. */
export function codeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i]!)) continue;
    let end = i + 1;
    while (end < lines.length && !FENCE.test(lines[end]!)) end++;
    const code = CODE_FENCE.exec(lines[i]!);
    if (code !== null) {
      const indent = code[1]!.length;
      const marker = MARKER.exec(lines[i - 1] ?? '');
      blocks.push({
        line: i + 1,
        ...(marker === null ? {} : { source: { file: marker[1]!, region: marker[2]! } }),
        code: lines
          .slice(i + 1, end)
          .map((line) => line.slice(Math.min(indent, line.search(/\S|$/))))
          .join('\n'),
      });
    }
    i = end;
  }
  return blocks;
}

/** The lines between `// #region name` and `// #endregion name` of a source text, without their common indentation. */
export function regionOf(text: string, name: string): string | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trim() === `// #region ${name}`);
  const end = lines.findIndex((line) => line.trim() === `// #endregion ${name}`);
  if (start < 0 || end < start) return undefined;
  const body = lines.slice(start + 1, end);
  const indents = body.filter((line) => line.trim() !== '').map((line) => line.search(/\S/));
  const indent = indents.length === 0 ? 0 : Math.min(...indents);
  return body.map((line) => line.slice(indent)).join('\n');
}

/** The targets of a Markdown text's links and images, inline (`[a](b)`), by reference (`[a]: b`) or in HTML. */
export function linkTargets(markdown: string): { line: number; target: string }[] {
  const targets: { line: number; target: string }[] = [];
  let inCode = false;
  markdown.split('\n').forEach((text, index) => {
    if (FENCE.test(text)) inCode = !inCode;
    if (inCode || FENCE.test(text)) return;
    const prose = text.replace(/`[^`]*`/g, '');
    const found = [
      ...[...prose.matchAll(/\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!),
      ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)].map((match) => match[1]!),
      ...[...prose.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)].map((match) => match[1]!),
    ];
    for (const target of found) targets.push({ line: index + 1, target });
  });
  return targets;
}

/**
 * What is wrong with the relative links of a README that ships in the npm tarball of the package in `root`: one
 * that leaves the package (`../`), names a file that does not exist, or one under `test/`, which is not shipped.
 * Absolute URLs and links within the page (`#section`) are left alone.
 */
export function shippedLinkProblems(root: string, file: string): string[] {
  const problems: string[] = [];
  for (const { line, target } of linkTargets(readFileSync(join(root, file), 'utf8'))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#') || target.startsWith('//')) continue;
    const path = decodeURI(target.replace(/[?#].*$/, ''));
    const inside = relative(root, join(root, path));
    const where = `${file}:${line} links to ${target}`;
    if (path.startsWith('../') || isAbsolute(path) || inside === '..' || inside.startsWith(`..${sep}`)) {
      problems.push(`${where}, outside the package`);
    } else if (!existsSync(join(root, path))) {
      problems.push(`${where}, which does not exist`);
    } else if (inside === 'test' || inside.startsWith(`test${sep}`)) {
      problems.push(`${where}, which is not shipped`);
    } else if (statSync(join(root, path)).isDirectory()) {
      problems.push(`${where}, a folder, which has no page on npm`);
    }
  }
  return problems;
}

export interface ReadmeExamplesOptions {
  /** The directory that the markers' paths are relative to: a package's, or the repository's. */
  root: string;
  /** The Markdown files to check, relative to `root`. */
  files: string[];
  /** The files ship in the npm tarball of the package in `root`: check their links as npm users follow them. */
  shipped?: boolean;
}

/**
 * Declares the tests that keep Markdown files' code true: each file has code blocks, every TypeScript or
 * JavaScript block is marked, each marked block equals the region it names, and, for `shipped` files, every
 * relative link stays within the package and names a shipped file. Running the marked files is the caller's part.
 */
export function describeReadmeExamples({ root, files, shipped = false }: ReadmeExamplesOptions): void {
  describe.each(files)('%s', (file) => {
    const blocks = codeBlocks(readFileSync(join(root, file), 'utf8'));

    it('has code blocks, each marked with the region of a source file it shows', () => {
      expect(blocks.length).toBeGreaterThan(0);
      expect(
        blocks.filter((block) => block.source === undefined).map((block) => `${file}:${block.line}`),
      ).toEqual([]);
    });

    it.each(
      blocks.flatMap((block) =>
        block.source === undefined ? [] : [[`line ${block.line}`, block.source, block.code] as const],
      ),
    )('%s is the region it names, as it stands in the file', (_, source, code) => {
      const path = join(root, source.file);
      expect(relative(root, path).split(sep)[0], `${source.file} is inside ${root}`).not.toBe('..');
      expect(existsSync(path), `${source.file} exists`).toBe(true);
      const region = regionOf(readFileSync(path, 'utf8'), source.region);
      expect(region, `${source.file} has a region "${source.region}"`).toBeDefined();
      expect(code).toBe(region);
    });

    if (shipped) {
      it('links only to files that the package ships, and never outside it', () => {
        expect(shippedLinkProblems(root, file)).toEqual([]);
      });
    }
  });
}
