import type { BackendSample } from '@pytheus/core/backend';
import type { Client } from './connection.js';
import type { Deadline } from './deadline.js';
import { decodeNumber, type MetricKeys, parseField } from './keys.js';

/**
 * Fields per HSCAN call: replies of a few hundred kilobytes, each a millisecond or two for Redis, and the deadline
 * is checked between them. (Reading 100,000 fields this way costs what one HGETALL does.)
 */
export const SCAN_COUNT = 5000;

/** What reading one metric needs. */
export interface MetricRead {
  readonly client: Client;
  readonly keys: MetricKeys;
  /** The names of a series' numbers in their stored order; undefined for counters and gauges (one number). */
  readonly parts: readonly string[] | undefined;
  readonly labelCount: number;
  readonly deadline: Deadline;
}

/** Per metric read: parses a field's label values only when core asks (it matches its own series by `key`). */
class FieldLabels {
  private readonly invalid: readonly string[];
  private lastField = '';
  private lastValues: readonly string[] = [];

  constructor(labelCount: number) {
    // A field this layout never writes gets label values of the wrong length, which core skips.
    this.invalid = Object.freeze(new Array<string>(labelCount + 1).fill(''));
  }

  of(field: string): readonly string[] {
    // The parts of a series come one after another: the field is parsed once for all of them.
    if (field !== this.lastField) {
      this.lastField = field;
      this.lastValues = parseField(field) ?? this.invalid;
    }
    return this.lastValues;
  }
}

/** One stored number of a series, as a batch read returns it. */
class FieldSample implements BackendSample {
  constructor(
    /** The field: `JSON.stringify(labelValues)`, the key core matches series by. */
    readonly key: string,
    readonly value: number,
    readonly histogramBucket: string | undefined,
    private readonly labels: FieldLabels,
    readonly extraLabels: Readonly<Record<string, string>> | undefined,
  ) {}

  get labelValues(): readonly string[] {
    return this.labels.of(this.key);
  }
}

/**
 * Adds the samples of `flat` (field, value, field, value...) to `samples`. A part at 0 is left out (core fills it
 * in): a histogram series' buckets are mostly 0, stored as they are (not cumulative). A series of zeros keeps one
 * sample, so that it shows.
 */
function addSamples(
  samples: BackendSample[],
  flat: readonly string[],
  read: MetricRead,
  labels: FieldLabels,
  extraLabels: Readonly<Record<string, string>> | undefined,
): void {
  const parts = read.parts;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!;
    // Series fields are JSON arrays; the generation field is not a series.
    if (field.charCodeAt(0) !== 91 /* [ */) continue;
    const text = flat[i + 1]!;
    if (parts === undefined) {
      samples.push(new FieldSample(field, decodeNumber(text), undefined, labels, extraLabels));
      continue;
    }
    const before = samples.length;
    let start = 0;
    for (let j = 0; j < parts.length && start < text.length; j++) {
      let end = text.indexOf(' ', start);
      if (end < 0) end = text.length;
      if (end !== start + 1 || text.charCodeAt(start) !== 48 /* 0 */) {
        samples.push(
          new FieldSample(field, decodeNumber(text.slice(start, end)), parts[j], labels, extraLabels),
        );
      }
      start = end + 1;
    }
    if (samples.length === before) samples.push(new FieldSample(field, 0, parts[0], labels, extraLabels));
  }
}

/** Reads every series of a shared metric (from all processes): the values hash, in HSCAN steps. */
export async function readShared(read: MetricRead): Promise<BackendSample[]> {
  const { client, keys, deadline } = read;
  const labels = new FieldLabels(read.labelCount);
  const samples: BackendSample[] = [];
  const scan = (cursor: string) => client.hscan(keys.values, cursor, 'COUNT', SCAN_COUNT);
  let step = scan('0');
  for (;;) {
    const [next, flat] = await step;
    deadline.check();
    // The next step is asked for before this one is parsed, so that Redis works while this process parses.
    if (next !== '0') {
      step = scan(next);
      step.catch(() => {});
    }
    addSamples(samples, flat, read, labels, undefined);
    if (next === '0') return samples;
  }
}

/** Reads the series of a per-process metric, each with its process' label, and forgets processes that are gone. */
export async function readPerProcess(read: MetricRead, processLabel: string): Promise<BackendSample[]> {
  const { client, keys, deadline } = read;
  const ids = await client.smembers(keys.processes);
  deadline.check();
  const hashes = await Promise.all(
    ids.map((id) => client.call('HGETALL', keys.processPrefix + id) as Promise<string[]>),
  );
  deadline.check();
  const labels = new FieldLabels(read.labelCount);
  const samples: BackendSample[] = [];
  const gone: string[] = [];
  hashes.forEach((flat, k) => {
    const id = ids[k]!;
    if (flat.length === 0) gone.push(id);
    addSamples(samples, flat, read, labels, { [processLabel]: id });
  });
  for (let i = 0; i < gone.length; i += 1000) {
    await client.pytheusForgetProcesses(keys.processes, keys.processPrefix, ...gone.slice(i, i + 1000));
  }
  return samples;
}
