import type { LocalNumbers, LocalNumbersHooks } from '@pytheus/core/backend';
import type { ResolvedConfig } from './config.js';
import type { Connection } from './connection.js';
import { encodeNumber, fieldOf, type MetricKeys } from './keys.js';

// A writer ships one metric's numbers of this process to Redis. Core keeps the numbers (`LocalNumbers`: one
// array per metric, where a write is one add); the writer keeps `shipped`, what Redis has confirmed of them, and
// a flush sends the difference. Nothing else is kept per series, so memory is bounded by the number of series,
// never by the number of writes, and the process always knows its whole contribution: if Redis loses it, the
// writer sends it all again.

/** What a writer needs of the load it belongs to. */
export interface WriterContext {
  readonly connection: Connection;
  readonly config: ResolvedConfig;
}

/**
 * Bounds of one batch (one script call): few enough series and numbers that Redis runs the script in about a
 * millisecond or two, and far fewer arguments than a command can carry (see the README's figures).
 */
export const BATCH_LIMITS = { series: 500, numbers: 1300, bytes: 256 * 1024 };

/** A batch as sent, kept until Redis confirms it: then `shipped` of its series becomes `values`. */
interface Batch {
  readonly seq: number;
  /** Field, value, field, value... */
  readonly pairs: string[];
  /** The series' indices, and their numbers (`width` each) as they were when the batch was built. */
  readonly series: number[];
  readonly values: Float64Array;
}

/** Whether two numbers differ, NaN being equal to NaN. */
function differs(a: number, b: number): boolean {
  return a !== b && !(Number.isNaN(a) && Number.isNaN(b));
}

function grown(array: Float64Array, length: number): Float64Array {
  if (array.length >= length) return array;
  const next = new Float64Array(Math.max(length, Math.ceil(array.length * 1.5), 16));
  next.set(array);
  return next;
}

/** The text of a series' `width` numbers from `base` on, each as `value(position)` gives it: `1 0 0.25`. */
function seriesText(base: number, width: number, value: (position: number) => number): string {
  let text = encodeNumber(value(base));
  for (let p = base + 1; p < base + width; p++) text += ` ${encodeNumber(value(p))}`;
  return text;
}

/** Whether any of a series' numbers differs from what was shipped. */
function seriesChanged(
  numbers: readonly number[],
  shipped: Float64Array,
  base: number,
  width: number,
): boolean {
  for (let p = base; p < base + width; p++) if (differs(numbers[p]!, shipped[p]!)) return true;
  return false;
}

/** What Redis confirmed of a batch becomes `shipped`. */
function confirm(shipped: Float64Array, batch: Batch, width: number): void {
  const { series, values } = batch;
  for (let i = 0; i < series.length; i++) {
    shipped.set(values.subarray(i * width, (i + 1) * width), series[i]! * width);
  }
}

/**
 * Splits the series that a pass sends into batches within {@link BATCH_LIMITS}. `encode` gives the value text
 * of a series whose numbers start at `base`, or undefined to leave the series out.
 */
function collectBatches(
  view: LocalNumbers,
  nextSeq: () => number,
  encode: (index: number, base: number) => string | undefined,
): Batch[] {
  const width = view.width;
  const numbers = view.numbers;
  const maxSeries = Math.max(1, Math.min(BATCH_LIMITS.series, Math.floor(BATCH_LIMITS.numbers / width)));
  const batches: Batch[] = [];
  let pairs: string[] = [];
  let series: number[] = [];
  let values = new Float64Array(maxSeries * width);
  let bytes = 0;
  const close = () => {
    batches.push({ seq: nextSeq(), pairs, series, values: values.subarray(0, series.length * width) });
    pairs = [];
    series = [];
    values = new Float64Array(maxSeries * width);
    bytes = 0;
  };
  view.forEachSeries((index, labelValues) => {
    const base = index * width;
    const value = encode(index, base);
    if (value === undefined) return;
    const field = fieldOf(labelValues);
    if (series.length > 0 && bytes + field.length + value.length > BATCH_LIMITS.bytes) close();
    const at = series.length * width;
    for (let j = 0; j < width; j++) values[at + j] = numbers[base + j]!;
    series.push(index);
    pairs.push(field, value);
    bytes += field.length + value.length;
    if (series.length === maxSeries) close();
  });
  if (series.length > 0) close();
  return batches;
}

/** One attempt at a time; a call while one runs gets one more attempt after it, which covers its writes. */
abstract class Shipper {
  private running: Promise<void> | undefined = undefined;
  private followUp: Promise<void> | undefined = undefined;

  get busy(): boolean {
    return this.running !== undefined;
  }

  ship(): Promise<void> {
    if (this.running === undefined) return this.start();
    if (this.followUp === undefined) {
      const after = () => {
        this.followUp = undefined;
        return this.start();
      };
      this.followUp = this.running.then(after, after);
    }
    return this.followUp;
  }

  private start(): Promise<void> {
    const attempt = this.run().finally(() => {
      if (this.running === attempt) this.running = undefined;
    });
    this.running = attempt;
    return attempt;
  }

  /** Whether a flush has anything to send. */
  abstract get due(): boolean;
  /** Asks the next flush to make sure Redis still has what this writer sent (Redis may have lost its data). */
  abstract check(): void;
  protected abstract run(): Promise<void>;
}

const PENDING_SET = 1;
const EVER_SET = 2;

/**
 * Ships a metric whose series all processes share: counters, histograms, summaries, shared gauges.
 *
 * Exactly once: a pass over the numbers builds batches, each with the next sequence number of this writer (one
 * per process and metric). One batch is in flight at a time; the script applies it only if its number is above
 * the last one it applied for this writer, and records that number in the same step. A batch whose reply was lost
 * is sent again unchanged before anything newer, and `shipped` moves only when Redis confirms a batch.
 *
 * Loss: the values hash names its generation, and the writer the generation it wrote to; the script answers
 * "lost" when they differ (the hash was emptied, expired or recreated since), and applies nothing. The writer then
 * forgets `shipped` and sends everything it holds: counters, histograms and summaries their totals, gauges their
 * value if this process ever set them, else their net change.
 */
export class Writer extends Shipper {
  private shipped: Float64Array = new Float64Array(0);
  /** Shared gauges only: per series, set since the last pass (ships as a set), and ever set (restores as a set). */
  private marks: Uint8Array | undefined = undefined;
  private setPending = false;
  /** Series below this index exist in Redis; the ones above ship even at zero, so that they show. */
  private existing = 0;
  private passSeries = 0;
  private queue: Batch[] = [];
  private seq = 0;
  /** The generation of the values hash that this writer's batches went to; '' before the first, or after a loss. */
  private generation = '';
  private attempts = 0;
  private lastCall = 0;
  private lastPrune = 0;
  private checkWanted = false;
  /** Set hook for shared gauges, so that a set ships as a set. */
  readonly hooks: LocalNumbersHooks | undefined;

  constructor(
    private readonly context: WriterContext,
    private readonly view: LocalNumbers,
    private readonly keys: MetricKeys,
    private readonly id: string,
  ) {
    super();
    if (view.metric.type === 'gauge') {
      this.marks = new Uint8Array(16);
      this.hooks = { set: (index) => this.markSet(index) };
    }
  }

  private markSet(index: number): void {
    let marks = this.marks!;
    if (index >= marks.length) {
      const next = new Uint8Array(Math.max(index + 1, marks.length * 2));
      next.set(marks);
      this.marks = marks = next;
    }
    marks[index] = PENDING_SET | EVER_SET;
    this.setPending = true;
  }

  /** Keys stay alive while a process holds the metric: a quiet writer refreshes them this often. */
  private get touchMs(): number {
    return (this.context.config.expireSeconds * 1000) / 3;
  }

  get due(): boolean {
    if (this.queue.length > 0 || this.setPending) return true;
    const count = this.view.seriesCount;
    if (this.existing < count) return true;
    if (this.generation !== '' && (this.checkWanted || Date.now() - this.lastCall >= this.touchMs))
      return true;
    const numbers = this.view.numbers;
    const shipped = this.shipped;
    for (let p = count * this.view.width - 1; p >= 0; p--) if (differs(numbers[p]!, shipped[p]!)) return true;
    return false;
  }

  check(): void {
    this.checkWanted = true;
  }

  protected async run(): Promise<void> {
    // First what a failed attempt left, sent again unchanged; then one pass over what changed since.
    await this.drain();
    const wanted = this.checkWanted || Date.now() - this.lastCall >= this.touchMs;
    this.checkWanted = false;
    this.queue = this.build();
    if (this.queue.length === 0 && this.generation !== '' && wanted) {
      // Nothing changed: a batch without pairs keeps the keys alive and finds out whether Redis lost them.
      this.queue = [{ seq: this.seq, pairs: [], series: [], values: new Float64Array(0) }];
    }
    await this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue[0]!;
      const [status, generation] = await this.send(batch);
      if (status === 0) {
        this.restore();
        continue;
      }
      this.generation = generation;
      this.lastCall = Date.now();
      confirm(this.shipped, batch, this.view.width);
      this.queue.shift();
      if (this.queue.length === 0) this.existing = Math.max(this.existing, this.passSeries);
    }
  }

  private async send(batch: Batch): Promise<[number, string]> {
    const { connection, config } = this.context;
    const now = Date.now();
    const prune = now - this.lastPrune >= this.touchMs;
    try {
      const reply = await connection.client.pytheusApplyBatch(
        this.keys.values,
        this.keys.writers,
        this.id,
        String(batch.seq),
        this.generation,
        `${this.id}.${++this.attempts}`,
        String(config.expireSeconds),
        prune ? String(config.expireSeconds * 1000) : '0',
        ...batch.pairs,
      );
      if (prune) this.lastPrune = now;
      return reply;
    } catch (error) {
      throw connection.failure(error, `writing metric "${this.view.metric.name}"`);
    }
  }

  /** Redis lost what this writer sent: start over from nothing, and send everything this process holds. */
  private restore(): void {
    this.generation = '';
    this.existing = 0;
    this.shipped.fill(0);
    const marks = this.marks;
    if (marks !== undefined) {
      for (let i = 0; i < marks.length; i++) if (marks[i]! & EVER_SET) marks[i] = marks[i]! | PENDING_SET;
    }
    this.queue = this.build();
  }

  /** Batches of every series that changed since Redis last confirmed it, or is new, or was set. */
  private build(): Batch[] {
    const view = this.view;
    const width = view.width;
    const count = view.seriesCount;
    this.shipped = grown(this.shipped, count * width);
    const shipped = this.shipped;
    const numbers = view.numbers;
    const marks = this.marks;
    const existing = this.existing;
    this.setPending = false;
    this.passSeries = count;
    return collectBatches(
      view,
      () => ++this.seq,
      (index, base) => {
        if (marks !== undefined && index < marks.length && marks[index]! & PENDING_SET) {
          marks[index] = marks[index]! & ~PENDING_SET;
          return `=${encodeNumber(numbers[base]!)}`;
        }
        if (index < existing && !seriesChanged(numbers, shipped, base, width)) return undefined;
        return seriesText(base, width, (p) => numbers[p]! - shipped[p]!);
      },
    );
  }
}

/**
 * Ships a per-process metric (any type): this process' own numbers, in a hash of its own that expires unless
 * refreshed. Writes are plain sets (idempotent), so batches need no numbers; every third of `processExpireSeconds`
 * the writer writes all of its series again, and at once when the hash turns out to be gone. A labelled series
 * shows from its first use; an unlabelled metric's, which exists from the start, once one of its numbers is other
 * than 0 (an unlabelled metric that a process declares but never uses does not show for that process).
 */
export class ProcessWriter extends Shipper {
  private shipped: Float64Array = new Float64Array(0);
  /** Per series: 1 once one of its numbers was other than 0, and so it is shown. */
  private shown = new Uint8Array(0);
  private fresh = true;
  private lastFull = 0;
  private fullWanted = false;
  readonly hooks = undefined;

  constructor(
    private readonly context: WriterContext,
    private readonly view: LocalNumbers,
    private readonly keys: MetricKeys,
  ) {
    super();
  }

  private get refreshMs(): number {
    return (this.context.config.processExpireSeconds * 1000) / 3;
  }

  get due(): boolean {
    if (this.fullWanted || Date.now() - this.lastFull >= this.refreshMs) return true;
    const numbers = this.view.numbers;
    for (let p = this.view.seriesCount * this.view.width - 1; p >= 0; p--) {
      if (differs(numbers[p]!, this.shipped[p] ?? 0)) return true;
    }
    return false;
  }

  check(): void {
    this.fullWanted = true;
  }

  protected async run(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const full = this.fresh || this.fullWanted || Date.now() - this.lastFull >= this.refreshMs;
      this.fullWanted = false;
      const gone = await this.write(full);
      // A partial write that found the hash gone: it expired or Redis lost it; write every series now.
      if (!gone || full) return;
      this.fullWanted = true;
    }
  }

  /** Writes the series that changed (or all); resolves to whether the hash was gone before. */
  private async write(full: boolean): Promise<boolean> {
    const view = this.view;
    const { seriesCount: count, width } = view;
    this.shipped = grown(this.shipped, count * width);
    if (this.shown.length < count) {
      const shown = new Uint8Array(Math.max(count, this.shown.length * 2, 16));
      shown.set(this.shown);
      this.shown = shown;
    }
    const numbers = view.numbers;
    const { shipped, shown } = this;
    const unlabelled = view.metric.labelNames.length === 0;
    const batches = collectBatches(
      view,
      () => 0,
      (index, base) => {
        if (!shown[index]) {
          // Not shipped yet, so `shipped` is 0. An unlabelled metric's series exists from its construction, so it
          // shows once one of its numbers is other than 0; a labelled series exists because it was used.
          if (unlabelled && !seriesChanged(numbers, shipped, base, width)) return undefined;
          shown[index] = 1;
        } else if (!full && !seriesChanged(numbers, shipped, base, width)) {
          return undefined;
        }
        return seriesText(base, width, (p) => numbers[p]!);
      },
    );
    if (batches.length === 0) {
      if (full) this.lastFull = Date.now();
      return false;
    }
    const { connection, config } = this.context;
    const hash = this.keys.processPrefix + config.processId;
    const fresh = this.fresh;
    const startedAt = Date.now();
    let replies: number[];
    try {
      replies = await Promise.all(
        batches.map((batch, i) =>
          connection.client.pytheusWriteProcess(
            this.keys.processes,
            hash,
            config.processId,
            String(config.processExpireSeconds * 1000),
            String(config.expireSeconds),
            fresh && i === 0 ? '1' : '0',
            ...batch.pairs,
          ),
        ),
      );
    } catch (error) {
      throw connection.failure(error, `writing metric "${view.metric.name}"`);
    }
    for (const batch of batches) confirm(shipped, batch, width);
    this.fresh = false;
    if (full) this.lastFull = startedAt;
    return replies[0] === 0;
  }

  /** Removes this process' series of the metric (on close). */
  async drop(): Promise<void> {
    const { connection, config } = this.context;
    try {
      await connection.client.pytheusDropProcess(
        this.keys.processes,
        this.keys.processPrefix + config.processId,
        config.processId,
      );
    } catch (error) {
      throw connection.failure(error, `removing the per-process series of "${this.view.metric.name}"`);
    }
  }
}
