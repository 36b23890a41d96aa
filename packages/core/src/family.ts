import {
  type Backend,
  currentBackend,
  type InstanceBackendClass,
  keepsNumbersLocal,
  LOCAL_BACKEND,
  type LoadedBackend,
  type LocalNumbers,
  type MetricDescriptor,
  type MetricType,
  type MultiprocessMode,
  markInUse,
  type SeriesDescriptor,
} from './backend.js';
import { BackendError, describeValue, reasonOf } from './errors.js';
import { renderLabelPairs } from './escape.js';
import { callQuietly, SERIES_OVERFLOW_VALUE, SERIES_REFUSED_NAME } from './series-limit.js';

// A Family is the state that a metric and all of its children share: its identity, its label schema, its
// backend binding, and its series. Users never see it; they hold Metric objects that point at it.
//
// Series are numbered in creation order, and their numbers are stored by that index in one flat array per
// family, not in an object per series: a series costs its entry in the label tree, its child object (three
// fields) and its numbers. Label values are not stored per series at all: the tree holds them, and a walk of the
// tree gives them back when a scrape or a backend needs them.

/** What the label tree holds at its last level: a fully labelled child, which knows its series index. */
export interface SeriesHandle {
  readonly _index: number;
}

/** Maps the first label value to a map of the second, and so on; the last level maps to a fully labelled child. */
export type LabelTree = Map<string, LabelTree | SeriesHandle>;

/** An exemplar as stored: its labels already rendered, the value, and an optional timestamp in seconds. */
export interface Exemplar {
  readonly labelText: string;
  readonly value: number;
  readonly timestamp: number | undefined;
}

/** What a registry asks a family with a series limit to tell it: a label set refused, and the first refusal. */
export interface SeriesLimitHooks {
  /** Counts one refused label set (the registry's `pytheus_series_refused_total{metric}`). */
  refused(): void;
  /** Told once, at the first refusal, with the metric; a console warning when absent. */
  onLimit: ((metric: object) => void) | undefined;
}

// How the first refusal is reported when no one asked to hear of it.
function warnOfLimit(family: Family, counted: boolean): void {
  (globalThis as { console?: { warn?(message: string): void } }).console?.warn?.(
    `pytheus: metric "${family.exposedName}" reached its limit of ${family.maxSeries} series; new label sets count into its overflow series, whose every label is "${SERIES_OVERFLOW_VALUE}"${counted ? ` (counted in ${SERIES_REFUSED_NAME})` : ''}`,
  );
}

/** A stored number that stays in this process: what a series gets when its backend failed to make one. */
class LocalNumber implements Backend {
  private value = 0;
  inc(value: number): void {
    this.value += value;
  }
  dec(value: number): void {
    this.value -= value;
  }
  set(value: number): void {
    this.value = value;
  }
  get(): number {
    return this.value;
  }
}

/** What a backend other than the memory backend is told about a series, made when its instances are made. */
class SeriesInfo implements SeriesDescriptor {
  constructor(
    private readonly family: Family,
    readonly labelValues: readonly string[],
  ) {}

  get metric(): MetricDescriptor {
    return this.family.describe();
  }

  get labels(): Readonly<Record<string, string>> {
    const labels: Record<string, string> = {};
    const names = this.family.labelNames;
    for (let i = 0; i < names.length; i++) labels[names[i]!] = this.labelValues[i]!;
    return Object.freeze(labels);
  }
}

/** What a backend that keeps numbers in process reads of a family: a view that cannot change it. */
class FamilyNumbers implements LocalNumbers {
  constructor(private readonly family: Family) {}

  get metric(): MetricDescriptor {
    return this.family.describe();
  }

  get parts(): readonly string[] | undefined {
    return this.family.partNames;
  }

  get width(): number {
    return this.family.width;
  }

  get seriesCount(): number {
    return this.family.count;
  }

  get numbers(): readonly number[] {
    return this.family.numbers;
  }

  labelValues(index: number): readonly string[] {
    return this.family.valuesOf(index);
  }

  forEachSeries(visit: (index: number, labelValues: readonly string[]) => void): void {
    this.family.walk(visit);
  }
}

/**
 * A new array for a family's numbers. A counter's or gauge's starts as small integers, so counting by whole
 * numbers is integer arithmetic; V8 turns the array into doubles, once, at the first fraction or overflow. A
 * histogram's or summary's holds a sum, a fraction from its first observation on, so it starts as doubles.
 */
function numberArray(integers: boolean): number[] {
  const array = [integers ? 0 : 0.5];
  array.length = 0;
  return array;
}

// Fields set in the constructor are `declare`d: a plain declaration would define each field as undefined first,
// and a field written twice is one V8 cannot treat as constant in code that uses the family.
export class Family {
  /** Index of each label name in `labelNames`. */
  declare readonly labelIndex: ReadonlyMap<string, number>;
  /** Histogram bucket bounds as exposed in `le` (`"0.005"`, `"+Inf"`), aligned with `buckets`. */
  declare readonly bucketKeys: readonly string[] | undefined;
  /**
   * The stored numbers of a histogram or summary series, by the name a backend gets for each: the bucket keys
   * then `sum` for histograms, `count` then `sum` for summaries; undefined for counters and gauges (one value).
   */
  declare readonly partNames: readonly string[] | undefined;
  /** How many numbers a series stores: the length of `partNames`, or 1. */
  declare readonly width: number;
  /** How many series the family has; series `i` stores its numbers at `[i * width, (i + 1) * width)`. */
  count = 0;
  /** Fully labelled children, found by walking label values in `labelNames` order. */
  readonly tree: LabelTree = new Map();
  /**
   * Every series' numbers, when the family's backend keeps numbers in process (see `direct`): a counter's or
   * gauge's value, a histogram's bucket counts (not cumulative, `+Inf` last) then its sum, a summary's count then
   * its sum. Empty before the family is bound and when its backend stores numbers itself. It is an array from the
   * start, never null, so that V8 knows the field's type and a write through it stays a few instructions.
   */
  declare readonly numbers: number[];
  /**
   * The one thing every write tests: true when a write is an add to (or for a gauge's `set`, an assignment in)
   * `numbers` and nothing more. That is so once the family is bound to a backend that keeps numbers in process
   * (the memory backend, or any class with `attach`) and asked to be told of no write. Otherwise writes go
   * through {@link Family.write}: before the family's first use (it binds the family), when the backend stores
   * every number itself (an instance per number), or when it wants to hear of sets (`onSet`).
   *
   * It is 1 or 0 rather than a boolean, and tested as `if (family.direct)`: V8 then compiles the test to one
   * compare of a small integer, where a boolean field measured about 0.5 ns slower on every write.
   */
  direct: 0 | 1 = 0;
  /** Bound to a backend that keeps numbers in process: `numbers` holds the values. */
  private inProcess = false;
  /** The `set` hook of the attached backend, told when a gauge series is set; undefined for most backends. */
  private onSet: ((index: number) => void) | undefined = undefined;
  /**
   * What the backend did wrong, if it did, as the message part after the metric's name: its `attach`, an
   * instance's constructor or a write threw. Writes never throw for a backend's fault; from then on this metric's
   * scrapes fail with a {@link BackendError} that gives this reason, since its numbers can no longer be trusted.
   */
  private backendFault: { reason: string; cause: unknown } | undefined = undefined;
  /**
   * The numbers as backend instances (`index * width + part`), when the family's backend stores every number
   * itself; a series' instances are made at its first write or read (see `instanceAt`).
   */
  private readonly instances: Backend[] = [];
  /** Latest exemplar of a counter series (at 0) or of each histogram bucket, by series index; in this process. */
  exemplars: Map<number, (Exemplar | undefined)[]> | undefined = undefined;
  private binding: LoadedBackend | undefined = undefined;
  private descriptor: MetricDescriptor | undefined = undefined;
  /** The metric object that the constructor returned, and its label values (defaults, or undefined). */
  root: object | undefined = undefined;
  rootValues: readonly (string | undefined)[] = [];
  /** The series that label sets past `maxSeries` count into, made at the first refusal. */
  overflow: SeriesHandle | undefined = undefined;
  /** How many label sets were refused a series of their own (counted into `overflow`). */
  refused = 0;
  /** Set by the registry that holds a metric with a series limit. */
  limitHooks: SeriesLimitHooks | undefined = undefined;
  /** Escaped `a="1",b="2"` of each series, by index: rendered at a series' first scrape and kept. */
  private readonly labelTexts: string[] = [];
  /** Label values by series index, built only when something asks for a child's values. */
  private valueCache: (readonly string[])[] | undefined = undefined;

  constructor(
    readonly type: MetricType,
    /** The name as given to the constructor. */
    readonly name: string,
    /** The name as exposed by the registry the metric was created in. */
    readonly exposedName: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly unit: string | undefined,
    readonly buckets: readonly number[] | undefined,
    readonly multiprocessMode: MultiprocessMode | undefined,
    readonly bucketLabel: (bound: number) => string,
    /** Values kept in this process whatever backend is loaded: metrics created with `registry: null`. */
    readonly processOnly: boolean,
    /** The most series this family keeps before new label sets count into `overflow`; Infinity for no limit. */
    readonly maxSeries: number,
  ) {
    this.labelIndex = new Map(labelNames.map((name, i) => [name, i]));
    this.bucketKeys = buckets?.map(bucketLabel);
    this.partNames =
      type === 'histogram' ? [...this.bucketKeys!, 'sum'] : type === 'summary' ? ['count', 'sum'] : undefined;
    this.width = this.partNames?.length ?? 1;
    this.numbers = numberArray(this.partNames === undefined);
  }

  /**
   * The backend this family's series store in: fixed at the family's first use. This is the one place that
   * decides where the family's writes go. Metrics created with `registry: null` (those custom collectors build on
   * each scrape) stay in this process' memory, so that a snapshot taken by one process's collector is never added
   * into numbers that all processes share.
   */
  bind(): LoadedBackend {
    if (this.binding === undefined) {
      const binding = this.processOnly ? LOCAL_BACKEND : currentBackend();
      const { backendClass, backendConfig } = binding;
      this.binding = binding;
      markInUse(binding);
      if (keepsNumbersLocal(backendClass)) {
        for (let i = this.count * this.width; i > 0; i--) this.numbers.push(0);
        // Binding happens on a write, which must never throw: a failing attach leaves the numbers in process
        // and fails this metric's scrapes instead, with the reason.
        try {
          const hooks = backendClass.attach(backendConfig, new FamilyNumbers(this));
          if (typeof hooks?.set === 'function') this.onSet = hooks.set.bind(hooks);
        } catch (error) {
          this.fault(`failed to attach it: ${reasonOf(error)}`, error);
        }
        this.inProcess = true;
        this.direct = this.onSet === undefined ? 1 : 0;
      }
      // Otherwise instances are made at a series' first write or read, not here: a multi-process backend shows a
      // series of this process only once this process has used it.
    }
    return this.binding;
  }

  /** Adds a series with these label values (in `labelNames` order, kept: not to be changed) and returns its index. */
  addSeries(values: readonly string[]): number {
    const index = this.count++;
    if (this.inProcess) {
      for (let i = this.width; i > 0; i--) this.numbers.push(0);
    }
    if (this.valueCache !== undefined) this.valueCache[index] = values;
    return index;
  }

  /**
   * Writes to the number at `position` (`index * width + part`) of a family whose writes are not `direct`: binds
   * the family on its first use, then writes to `numbers` (telling the backend of a set) or to the number's
   * backend instance. It is small so that V8 inlines it into the writes.
   */
  write(operation: 'inc' | 'dec' | 'set', position: number, value: number): void {
    const instance = this.instances[position];
    if (instance === undefined) this.writeFirst(operation, position, value);
    else {
      // A backend must not throw on a write (the contract); one that does must not fail the caller's inc().
      try {
        instance[operation](value);
      } catch (error) {
        this.fault(`failed a write (${operation}): ${reasonOf(error)}`, error);
      }
    }
  }

  // A write that is not to an instance made already: binds the family on its first use, writes in process, or
  // makes the backend instances of the series on their first use.
  private writeFirst(operation: 'inc' | 'dec' | 'set', position: number, value: number): void {
    this.bind();
    if (!this.inProcess) {
      const instance = this.instanceAt(position);
      try {
        instance[operation](value);
      } catch (error) {
        this.fault(`failed a write (${operation}): ${reasonOf(error)}`, error);
      }
    } else if (operation === 'inc') {
      this.numbers[position]! += value;
    } else if (operation === 'dec') {
      this.numbers[position]! -= value;
    } else {
      this.numbers[position] = value;
      if (this.onSet !== undefined) {
        try {
          this.onSet(Math.floor(position / this.width));
        } catch (error) {
          this.fault(`failed to take a set: ${reasonOf(error)}`, error);
        }
      }
    }
  }

  /** Records the first fault of this family's backend; its scrapes fail with it from then on. */
  private fault(reason: string, cause: unknown): void {
    this.backendFault ??= { reason, cause };
  }

  /**
   * Counts a label set refused a series of its own (past `maxSeries`) and tells the registry, which is told the
   * first time too; with no registry, the first refusal is a console warning.
   */
  refuse(): void {
    const hooks = this.limitHooks;
    callQuietly(hooks?.refused);
    if (this.refused++ === 0) {
      if (hooks?.onLimit === undefined) warnOfLimit(this, hooks !== undefined);
      else callQuietly(hooks.onLimit, this.root!);
    }
  }

  /** The backend instance of the number at `position`, made (with its series' others) on first use. */
  private instanceAt(position: number): Backend {
    return this.instances[position] ?? this.makeInstances(position);
  }

  private makeInstances(position: number): Backend {
    const instances = this.instances;
    const backendClass = this.binding!.backendClass as InstanceBackendClass;
    const config = this.binding!.backendConfig;
    const index = Math.floor(position / this.width);
    const info = new SeriesInfo(this, this.valuesOf(index));
    const parts = this.partNames;
    const width = this.width;
    for (let i = 0; i < width; i++) {
      // A constructor that throws must not fail the write that made it: the series keeps its numbers in this
      // process, and the metric's scrapes report the fault.
      try {
        instances[index * width + i] =
          parts === undefined ? new backendClass(config, info) : new backendClass(config, info, parts[i]);
      } catch (error) {
        this.fault(
          `failed to make the store of series ${JSON.stringify(info.labels)}${parts === undefined ? '' : ` (${parts[i]})`}: ${reasonOf(error)}`,
          error,
        );
        instances[index * width + i] = new LocalNumber();
      }
    }
    return instances[position]!;
  }

  /**
   * This process' numbers of every series (`index * width + part`): the array itself when they are kept in
   * process, otherwise one `get()` per backend instance, awaited together. Rejects with a {@link BackendError}
   * that names the metric when a read fails.
   */
  async readNumbers(): Promise<readonly number[]> {
    this.checkBound();
    if (this.inProcess) return this.numbers;
    const raw = new Array<number | Promise<number>>(this.count * this.width);
    let values: readonly unknown[];
    try {
      for (let i = 0; i < raw.length; i++) raw[i] = this.instanceAt(i).get();
      values = raw.every((value) => typeof value === 'number') ? raw : await Promise.all(raw);
    } catch (error) {
      throw this.readError(error);
    }
    // The instances were made above if they were not yet: a constructor that failed is reported here.
    this.checkBound();
    const wrong = values.findIndex((value) => typeof value !== 'number');
    if (wrong >= 0) {
      throw new BackendError(
        `reading metric "${this.exposedName}" failed: backend ${this.binding!.backendClass.name}'s get() returned ${describeValue(values[wrong])}, not a number`,
      );
    }
    return values as number[];
  }

  /** Binds the family (a scrape reads it); throws a {@link BackendError} if its backend failed to attach it. */
  checkBound(): LoadedBackend {
    const binding = this.bind();
    const fault = this.backendFault;
    if (fault !== undefined) {
      throw new BackendError(
        `metric "${this.exposedName}": backend ${binding.backendClass.name} ${fault.reason}`,
        {
          cause: fault.cause,
        },
      );
    }
    return binding;
  }

  /** A failed read of this family's backend as a {@link BackendError} that names the metric. */
  readError(error: unknown): BackendError {
    if (error instanceof BackendError) return error;
    return new BackendError(`reading metric "${this.exposedName}" failed: ${reasonOf(error)}`, {
      cause: error,
    });
  }

  /**
   * Calls `visit` with every series' index and label values. `values` is reused between calls: copy it to keep
   * it.
   */
  walk(visit: (index: number, values: readonly string[]) => void): void {
    const depth = this.labelNames.length;
    if (depth === 0) {
      if (this.count > 0) visit(0, []);
      return;
    }
    const values = new Array<string>(depth);
    const descend = (node: LabelTree, level: number): void => {
      for (const [value, next] of node) {
        values[level] = value;
        if (level === depth - 1) visit((next as SeriesHandle)._index, values);
        else descend(next as LabelTree, level + 1);
      }
    };
    descend(this.tree, 0);
  }

  /** The label values of series `index`. The first call walks the tree once; later calls look them up. */
  valuesOf(index: number): readonly string[] {
    if (this.valueCache === undefined) {
      const cache = new Array<readonly string[]>(this.count);
      this.walk((i, values) => {
        cache[i] = values.slice();
      });
      this.valueCache = cache;
    }
    return this.valueCache[index]!;
  }

  /** Every series' escaped label pairs (`a="1",b="2"`), by index. Series new since the last call are rendered. */
  renderedLabels(): readonly string[] {
    const texts = this.labelTexts;
    const rendered = texts.length;
    if (rendered < this.count) {
      texts.length = this.count;
      this.walk((index, values) => {
        if (index >= rendered) texts[index] = renderLabelPairs(this.labelNames, values);
      });
    }
    return texts;
  }

  describe(): MetricDescriptor {
    if (this.descriptor === undefined) {
      const descriptor: {
        -readonly [K in keyof MetricDescriptor]: MetricDescriptor[K];
      } = { name: this.exposedName, type: this.type, help: this.help, labelNames: this.labelNames };
      if (this.buckets) descriptor.buckets = this.buckets;
      if (this.multiprocessMode) descriptor.multiprocessMode = this.multiprocessMode;
      this.descriptor = Object.freeze(descriptor);
    }
    return this.descriptor;
  }
}

/** @internal The family of a metric object (the registry and exposition read metrics through it). */
export function familyOf(metric: object): Family {
  return (metric as { _family: Family })._family;
}

/** @internal Whether a value is a pytheus metric (of this or another copy of the package). */
export function isMetricObject(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as { _family?: unknown })._family instanceof Object
  );
}
