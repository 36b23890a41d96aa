import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANCHORS, type Library } from './section.js';

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** One row of a section's table. Values are per operation or per series; lower is better. */
export interface CaseResult {
  name: string;
  unit: 'ns/op' | 'ns/series' | 'bytes/series';
  values: Partial<Record<Library, number>>;
  /** The anchor with the lower value: the one pytheus is compared with. */
  anchor: Library | undefined;
  /** How many times lower pytheus' value is than the anchor's (above 1: pytheus is faster or leaner). */
  ratio: number | undefined;
  /** The ratio pytheus must reach, if the case has a target. */
  target: number | undefined;
  met: boolean | undefined;
  /** Raw statistics per library (sample counts, percentiles), for comparing runs. */
  details?: Partial<Record<Library, unknown>>;
}

export interface Machine {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** The commit the run measured, with `+dirty` when the work tree had changes. */
  commit: string | undefined;
}

export interface SectionResult {
  section: string;
  title: string;
  date: string;
  machine: Machine;
  /** Median time of an empty operation in the same harness: the floor under every ns/op figure. */
  floorNs?: number;
  cases: CaseResult[];
  /** What the section's `extras()` returned. */
  extras?: Record<string, unknown>;
}

function gitCommit(): string | undefined {
  try {
    const cwd = path.dirname(RESULTS_DIR);
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../packages'], {
      cwd,
      encoding: 'utf8',
    });
    return dirty.trim() === '' ? head : `${head}+dirty`;
  } catch {
    return undefined;
  }
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    commit: gitCommit(),
  };
}

/** Builds a row: finds the leaner anchor, the ratio against it, and whether the target is met. */
export function caseResult(
  name: string,
  unit: CaseResult['unit'],
  values: Partial<Record<Library, number>>,
  target: number | undefined,
  details?: Partial<Record<Library, unknown>>,
): CaseResult {
  let anchor: Library | undefined;
  for (const library of ANCHORS) {
    const value = values[library];
    if (value !== undefined && (anchor === undefined || value < values[anchor]!)) anchor = library;
  }
  const mine = values.pytheus;
  const ratio = anchor !== undefined && mine !== undefined && mine > 0 ? values[anchor]! / mine : undefined;
  const met = target === undefined || ratio === undefined ? undefined : ratio >= target;
  return { name, unit, values, anchor, ratio, target, met, ...(details ? { details } : {}) };
}

/** Writes results/<section>.json, then results/latest.json with every section's latest result. */
export function writeResults(result: SectionResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${result.section}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const sections: Record<string, SectionResult> = {};
  for (const name of readdirSync(RESULTS_DIR).sort()) {
    if (!name.endsWith('.json') || name === 'latest.json') continue;
    const section = JSON.parse(readFileSync(path.join(RESULTS_DIR, name), 'utf8')) as SectionResult;
    sections[section.section] = section;
  }
  const latest = { updated: new Date().toISOString(), machine: result.machine, sections };
  writeFileSync(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(latest, null, 2)}\n`);
  return file;
}
