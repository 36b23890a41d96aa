// Judges of our expositions that no one here wrote: Python's prometheus_client (its strict OpenMetrics parser and
// its Prometheus text parser, through parse.py) and Prometheus' promtool. Tests hand them every exposition they
// produce; a missing judge fails the test with the command that installs it, it never skips.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  type CollectorRegistry,
  type GenerateOptions,
  generateMetrics as generateUnjudged,
} from '@pytheus/core';
import { promtool } from '@pytheus/test-support';

export type Format = 'prometheus' | 'openmetrics';

/** A sample as a judge read it. Values are text: `"NaN"`, `"+Inf"`, `"-Inf"`, or a decimal. */
export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: string;
  readonly exemplar?: {
    readonly labels: Readonly<Record<string, string>>;
    readonly value: string;
    readonly timestamp: string | null;
  };
}

export interface ParsedFamily {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly unit: string;
  readonly samples: readonly ParsedSample[];
}

type PythonAnswer = { ok: true; families: ParsedFamily[] } | { ok: false; error: string };

const INSTALL_PYTHON_CLIENT =
  "this test needs Python's prometheus_client as a judge: on Debian or Ubuntu, `apt-get install python3-prometheus-client` (it installs for /usr/bin/python3)";

// Debian's package installs for the system Python, which a pyenv or venv `python3` on PATH does not see.
const PYTHONS = ['/usr/bin/python3', 'python3'];

function findPython(): string {
  for (const python of PYTHONS) {
    const probe = spawnSync(python, ['-c', 'import prometheus_client.openmetrics.parser'], {
      stdio: 'ignore',
    });
    if (!probe.error && probe.status === 0) return python;
  }
  throw new Error(`cannot import prometheus_client with ${PYTHONS.join(' or ')}: ${INSTALL_PYTHON_CLIENT}`);
}

/** One long-lived parse.py per test worker: requests are JSON lines, answered in order. */
class PythonJudge {
  private readonly child: ChildProcess;
  private readonly waiting: ((answer: PythonAnswer) => void)[] = [];
  private buffer = '';
  private failure: Error | undefined;

  constructor() {
    this.child = spawn(findPython(), [join(import.meta.dirname, 'parse.py')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    this.child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 1);
        this.waiting.shift()?.(JSON.parse(line) as PythonAnswer);
      }
    });
    this.child.once('exit', (code) => {
      this.failure = new Error(`parse.py exited with code ${code}: ${stderr}`);
      for (const resolve of this.waiting.splice(0)) resolve({ ok: false, error: this.failure.message });
    });
    // The worker may exit with the judge still running: stdin closing ends it.
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (stream as unknown as { unref?: () => void }).unref?.();
    }
  }

  parse(text: string, format: Format): Promise<PythonAnswer> {
    if (this.failure) return Promise.resolve({ ok: false, error: this.failure.message });
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin!.write(`${JSON.stringify({ format, text })}\n`);
    });
  }
}

let python: PythonJudge | undefined;

/** What a scraper receives: the text as UTF-8 on the wire (a lone surrogate arrives as U+FFFD). */
function onTheWire(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** Python's prometheus_client: the strict OpenMetrics parser, or the Prometheus text parser. */
export function parseWithPython(text: string, format: Format): Promise<PythonAnswer> {
  python ??= new PythonJudge();
  return python.parse(onTheWire(text), format);
}

/**
 * `promtool check metrics` (Prometheus text only): status 0 when clean, 3 when only its linter complains (style:
 * no help text, a `_count` suffix on a gauge), 1 when the text does not parse.
 */
export { promtool };

export interface JudgeOptions {
  /** Also fail on promtool's lint complaints (style, not validity). */
  lint?: boolean;
}

/**
 * Hands an exposition to every judge of its format and returns what Python read. Throws, quoting the judge and
 * the text, when one of them rejects it.
 */
export async function judge(
  text: string,
  format: Format,
  options: JudgeOptions = {},
): Promise<ParsedFamily[]> {
  const answer = await parseWithPython(text, format);
  if (!answer.ok) {
    throw new Error(`prometheus_client's ${format} parser rejected the exposition: ${answer.error}\n${text}`);
  }
  // Neither parser refuses a series written twice (the OpenMetrics one drops an adjacent repeat), so count.
  const seen = new Set<string>();
  let samples = 0;
  for (const family of answer.families) {
    for (const sample of family.samples) {
      samples++;
      const key = sampleKey(sample.name, sample.labels);
      if (seen.has(key)) {
        const labels = Object.entries(sample.labels).map(
          ([name, value]) => `${name}=${JSON.stringify(value)}`,
        );
        throw new Error(`duplicate series ${sample.name}{${labels.join(',')}} in the exposition:\n${text}`);
      }
      seen.add(key);
    }
  }
  const lines = onTheWire(text)
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#')).length;
  if (lines !== samples) {
    throw new Error(
      `${lines} sample lines, but ${format} parser read ${samples}: duplicate series dropped?\n${text}`,
    );
  }
  if (format === 'prometheus') {
    const { status, output } = promtool(text);
    if (status !== 0 && (status !== 3 || options.lint)) {
      throw new Error(
        `promtool check metrics rejected the exposition (status ${status}): ${output}\n${text}`,
      );
    }
  }
  return answer.families;
}

/** Core's generateMetrics, with every exposition it returns handed to the judges first. */
export async function generateMetrics(
  registry?: CollectorRegistry,
  options?: GenerateOptions,
): Promise<string> {
  const text = await generateUnjudged(registry, options);
  await judge(text, options?.format ?? 'prometheus');
  return text;
}

/**
 * Every sample by `name{labels sorted}`, for comparing what judges read with what was recorded. Values are in
 * JavaScript's own form (`String(number)`: `1`, not Python's `1.0`), so they compare with recorded numbers.
 */
export function samplesOf(families: readonly ParsedFamily[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const family of families) {
    for (const sample of family.samples)
      out.set(sampleKey(sample.name, sample.labels), numberText(sample.value));
  }
  return out;
}

/** A number as `samplesOf` gives it: `NaN`, `+Inf`, `-Inf`, or `String(value)`. */
export function numberText(value: number | string): string {
  const number =
    typeof value === 'number'
      ? value
      : value === '+Inf'
        ? Infinity
        : value === '-Inf'
          ? -Infinity
          : Number(value);
  if (Number.isNaN(number)) return 'NaN';
  if (number === Infinity) return '+Inf';
  if (number === -Infinity) return '-Inf';
  return String(number);
}

/** The key of a sample in {@link samplesOf}: injective, whatever the label values contain. */
export function sampleKey(name: string, labels: Readonly<Record<string, string>>): string {
  return JSON.stringify([name, Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}
