import { MemoryBackend } from '@pytheus/backend-memory';
import {
  type Backend,
  currentBackend,
  LOCAL_BACKEND,
  type LoadedBackend,
  type MetricDescriptor,
  type MetricType,
  type MultiprocessMode,
  type SeriesDescriptor,
} from './backend.js';
import { renderLabelPairs } from './escape.js';

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

/** {@link Family.storage} before the family's first use. */
export const UNBOUND = 0;
/** {@link Family.storage} of a family bound to the memory backend. */
export const IN_MEMORY = 1;
/** {@link Family.storage} of a family bound to another backend. */
export const IN_STORES = 2;

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
   * Every series' numbers when the family is bound to the memory backend: a counter's or gauge's value, a
   * histogram's bucket counts (not cumulative, `+Inf` last) then its sum, a summary's count then its sum. Empty
   * before the family is bound and when it is bound to another backend. It is an array from the start, never
   * null, so that V8 knows the field's type and a write through it stays a few instructions.
   */
  declare readonly numbers: number[];
  /**
   * Where writes go: {@link UNBOUND} before the family's first use, then {@link IN_MEMORY} (to `numbers`) or
   * {@link IN_STORES} (to `stores`). A small integer rather than a boolean: V8 keeps the field's type exact, so
   * the test on every write stays one comparison.
   */
  storage: number = UNBOUND;
  /**
   * The same numbers as backend instances (`index * width + part`), once the family is bound to any other
   * backend; a series' instances are made at its first write or read (see `storeAt`).
   */
  readonly stores: Backend[] = [];
  /** Latest exemplar of a counter series (at 0) or of each histogram bucket, by series index; in this process. */
  exemplars: Map<number, (Exemplar | undefined)[]> | undefined = undefined;
  private binding: LoadedBackend | undefined = undefined;
  private descriptor: MetricDescriptor | undefined = undefined;
  /** The metric object that the constructor returned, and its label values (defaults, or undefined). */
  root: object | undefined = undefined;
  rootValues: readonly (string | undefined)[] = [];
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
    readonly local: boolean,
  ) {
    this.labelIndex = new Map(labelNames.map((name, i) => [name, i]));
    this.bucketKeys = buckets?.map(bucketLabel);
    this.partNames =
      type === 'histogram' ? [...this.bucketKeys!, 'sum'] : type === 'summary' ? ['count', 'sum'] : undefined;
    this.width = this.partNames?.length ?? 1;
    this.numbers = numberArray(this.partNames === undefined);
  }

  /**
   * The backend this family's series store in: fixed at the family's first use. Metrics created with
   * `registry: null` (those custom collectors build on each scrape) stay in this process' memory, so that a
   * snapshot taken by one process's collector is never added into numbers that all processes share.
   */
  bind(): LoadedBackend {
    if (this.binding === undefined) {
      const binding = this.local ? LOCAL_BACKEND : currentBackend();
      this.binding = binding;
      if (binding.backendClass === MemoryBackend) {
        for (let i = this.count * this.width; i > 0; i--) this.numbers.push(0);
        this.storage = IN_MEMORY;
      } else {
        // Backend instances are made at a series' first write or read, not here: a multi-process backend shows a
        // series of this process only once this process has used it.
        this.storage = IN_STORES;
      }
    }
    return this.binding;
  }

  /** Adds a series with these label values (in `labelNames` order, kept: not to be changed) and returns its index. */
  addSeries(values: readonly string[]): number {
    const index = this.count++;
    if (this.storage === IN_MEMORY) {
      for (let i = this.width; i > 0; i--) this.numbers.push(0);
    }
    if (this.valueCache !== undefined) this.valueCache[index] = values;
    return index;
  }

  /**
   * Writes to the number at `position` (`index * width + part`) of a family that is not known to be in memory:
   * binds the family on its first use, then writes to memory or to the number's backend instance. Histogram and
   * summary writes come here when `storage` is not {@link IN_MEMORY}, and counter and gauge writes before the
   * family's first use; it is small so that V8 inlines it into them.
   */
  write(operation: 'inc' | 'dec' | 'set', position: number, value: number): void {
    const store = this.stores[position];
    if (store !== undefined) store[operation](value);
    else this.writeFirst(operation, position, value);
  }

  // The first write of a number not in memory: binds the family on its first use, makes the backend instances of
  // the series on their first use.
  private writeFirst(operation: 'inc' | 'dec' | 'set', position: number, value: number): void {
    this.bind();
    if (this.storage === IN_STORES) {
      this.storeAt(position)[operation](value);
    } else if (operation === 'inc') {
      this.numbers[position]! += value;
    } else if (operation === 'dec') {
      this.numbers[position]! -= value;
    } else {
      this.numbers[position] = value;
    }
  }

  /** The backend instance of the number at `position`, made (with its series' others) on first use. */
  storeAt(position: number): Backend {
    return this.stores[position] ?? this.makeStores(position);
  }

  private makeStores(position: number): Backend {
    const stores = this.stores;
    const { backendClass, backendConfig } = this.binding!;
    const index = Math.floor(position / this.width);
    const info = new SeriesInfo(this, this.valuesOf(index));
    const parts = this.partNames;
    if (parts === undefined) {
      stores[index] = new backendClass(backendConfig, info);
    } else {
      for (let i = 0; i < parts.length; i++) {
        stores[index * parts.length + i] = new backendClass(backendConfig, info, parts[i]);
      }
    }
    return stores[position]!;
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
