// The process that runs one section: `node --expose-gc --conditions=@pytheus/source --import tsx
// lib/section-process.ts <section file>`. bench/run.mjs starts it; it can also be started by hand.
// Series cases start this file again, once per library, with `--series <case index> <library>`, so that each
// heap reading is taken in a fresh process.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gc, measure, type Timing } from './measure.js';
import { type CaseResult, caseResult, machine, writeResults } from './results.js';
import { LIBRARIES, type Library, type Section, type SeriesCase, type TimedCase } from './section.js';
import { renderTable } from './table.js';

const SERIES_MARK = 'BENCH_SERIES_RESULT ';

interface SeriesMeasurement {
  nsPerSeries: number;
  bytesPerSeries: number;
  heapBefore: number;
  heapAfter: number;
}

async function loadSection(file: string): Promise<Section> {
  const module = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: Section };
  const section = module.default;
  if (section === undefined || !Array.isArray(section.cases)) {
    throw new Error(`${file} must default-export defineSection({ name, title, cases })`);
  }
  const expected = path.basename(file).replace(/\.ts$/, '');
  if (section.name !== expected)
    throw new Error(`${file}: section name "${section.name}" must be "${expected}"`);
  return section;
}

async function runTimed(entry: TimedCase): Promise<CaseResult> {
  const values: Partial<Record<Library, number>> = {};
  const details: Partial<Record<Library, Timing & { check: number }>> = {};
  for (const library of LIBRARIES) {
    const setup = entry.setup[library];
    if (setup === undefined) continue;
    const { op, check } = await setup();
    const timing = await measure(op);
    const checked = await check();
    if (!(checked > 0))
      throw new Error(`${entry.name} (${library}): check returned ${checked}, expected > 0`);
    values[library] = timing.ns;
    details[library] = { ...timing, check: checked };
  }
  return caseResult(entry.name, 'ns/op', values, entry.target, details);
}

/** In a fresh process: the heap and time that creating `count` series of one library takes. */
function measureSeries(entry: SeriesCase, library: Library): SeriesMeasurement {
  const setup = entry.setup[library];
  if (setup === undefined) throw new Error(`${entry.name}: no setup for ${library}`);
  const { create, keep } = setup();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  for (let i = 0; i < entry.count; i++) create(i);
  const elapsed = performance.now() - start;
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  // Read `keep` after the second reading, so that what the series live in cannot be collected before it.
  if (keep === undefined || keep === null) throw new Error(`${entry.name} (${library}): keep nothing`);
  return {
    nsPerSeries: (elapsed * 1e6) / entry.count,
    bytesPerSeries: (heapAfter - heapBefore) / entry.count,
    heapBefore,
    heapAfter,
  };
}

function runSeries(file: string, index: number, entry: SeriesCase): CaseResult[] {
  const time: Partial<Record<Library, number>> = {};
  const heap: Partial<Record<Library, number>> = {};
  const details: Partial<Record<Library, SeriesMeasurement>> = {};
  for (const library of LIBRARIES) {
    if (entry.setup[library] === undefined) continue;
    const output = execFileSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), file, '--series', String(index), library],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = output.split('\n').find((text) => text.startsWith(SERIES_MARK));
    if (line === undefined) throw new Error(`${entry.name} (${library}): the child printed no result`);
    const measured = JSON.parse(line.slice(SERIES_MARK.length)) as SeriesMeasurement;
    time[library] = measured.nsPerSeries;
    heap[library] = measured.bytesPerSeries;
    details[library] = measured;
  }
  return [
    caseResult(`${entry.name}: time`, 'ns/series', time, undefined),
    caseResult(`${entry.name}: heap`, 'bytes/series', heap, entry.heapTarget, details),
  ];
}

async function main(): Promise<void> {
  const [file, flag, caseIndex, library] = process.argv.slice(2);
  if (file === undefined)
    throw new Error('usage: section-process.ts <section file> [--series <case> <library>]');
  const section = await loadSection(file);
  if (flag === '--series') {
    const entry = section.cases[Number(caseIndex)];
    if (entry?.kind !== 'series' || !LIBRARIES.includes(library as Library)) {
      throw new Error(`no series case ${caseIndex} for library ${library} in ${file}`);
    }
    try {
      await section.before?.();
      console.log(`${SERIES_MARK}${JSON.stringify(measureSeries(entry, library as Library))}`);
    } finally {
      await section.after?.();
    }
    return;
  }
  const rows: CaseResult[] = [];
  // What an empty operation costs here: figures near it are at the resolution of the harness.
  const floorNs = section.cases.some((entry) => entry.kind === 'timed')
    ? (await measure(() => {})).ns
    : undefined;
  // `after` runs also when `before` fails half-way, so that what it started (a server) is stopped.
  try {
    await section.before?.();
    for (const [index, entry] of section.cases.entries()) {
      if (entry.kind === 'timed') rows.push(await runTimed(entry));
      else rows.push(...runSeries(file, index, entry));
      process.stderr.write(`  done: ${entry.name}\n`);
    }
  } finally {
    await section.after?.();
  }
  const extras = section.extras?.();
  const written = writeResults({
    section: section.name,
    title: section.title,
    date: new Date().toISOString(),
    machine: machine(),
    ...(floorNs === undefined ? {} : { floorNs }),
    cases: rows,
    ...(extras === undefined ? {} : { extras }),
  });
  const floor = floorNs === undefined ? '' : `\nharness floor (an empty operation): ${floorNs.toFixed(2)} ns`;
  console.log(`\n${renderTable(section.title, rows)}${floor}\n(${path.relative(process.cwd(), written)})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
