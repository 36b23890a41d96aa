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

/**
 * One series: a full label set and the backend instances that store its numbers. It is its own
 * `SeriesDescriptor` for backends, so no descriptor object is kept per series: the memory backend never reads
 * it, others read it once in their constructor.
 */
export class Series implements SeriesDescriptor {
  /** Escaped `a="1",b="2"`, built on first render and reused by every scrape. */
  labelText: string | undefined = undefined;
  /** Backend instance of a counter's or gauge's value. */
  value: Backend | undefined = undefined;
  /**
   * A histogram's or summary's stored numbers, as backend instances: each bucket's count (not cumulative, `+Inf`
   * last) then the sum for histograms; the count then the sum for summaries.
   */
  parts: Backend[] | undefined = undefined;
  /**
   * The same numbers kept inline when the series is on the memory backend: one array instead of an object per
   * number, which halves a histogram series' heap and saves a call per observation.
   */
  numbers: number[] | undefined = undefined;
  /** Latest exemplar of a counter, or of each histogram bucket; in this process only. */
  exemplars: (Exemplar | undefined)[] | undefined = undefined;

  constructor(
    readonly family: Family,
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

  renderedLabels(): string {
    if (this.labelText === undefined)
      this.labelText = renderLabelPairs(this.family.labelNames, this.labelValues);
    return this.labelText;
  }

  /** Binds a counter's or gauge's series and returns its value's backend instance. */
  bindValue(): Backend {
    this.bind();
    return this.value!;
  }

  /** Creates the storage of this series on the family's backend. */
  bind(): void {
    const { backendClass, backendConfig } = this.family.bind();
    const family = this.family;
    if (family.type === 'counter' || family.type === 'gauge') {
      this.value = new backendClass(backendConfig, this);
      return;
    }
    const parts = family.partNames!;
    if (backendClass === MemoryBackend) {
      // Filled with a fraction first so the array holds unboxed doubles from the start (sums are fractions).
      this.numbers = new Array<number>(parts.length).fill(0.5).fill(0);
    } else {
      this.parts = parts.map((part) => new backendClass(backendConfig, this, part));
    }
  }
}

/** An exemplar as stored: its labels already rendered, the value, and an optional timestamp in seconds. */
export interface Exemplar {
  readonly labelText: string;
  readonly value: number;
  readonly timestamp: number | undefined;
}

/** Maps the first label value to a map of the second, and so on; the last level maps to the leaf (a child). */
export type LabelTree<T> = Map<string, LabelTree<T> | T>;

export class Family {
  /** Index of each label name in `labelNames`. */
  readonly labelIndex: ReadonlyMap<string, number>;
  /** Histogram bucket bounds as exposed in `le` (`"0.005"`, `"+Inf"`), aligned with `buckets`. */
  readonly bucketKeys: readonly string[] | undefined;
  /**
   * The stored numbers of a histogram or summary series, by the name a backend gets for each: the bucket keys
   * then `sum` for histograms, `count` then `sum` for summaries; undefined for counters and gauges (one value).
   */
  readonly partNames: readonly string[] | undefined;
  /** How many numbers a series stores: the length of `partNames`, or 1. */
  readonly width: number;
  /** Every series of this family in creation order; the exposition order. */
  readonly series: Series[] = [];
  /** Fully labelled children, found by walking label values in `labelNames` order. */
  readonly tree: LabelTree<unknown> = new Map();
  private binding: LoadedBackend | undefined = undefined;
  private descriptor: MetricDescriptor | undefined = undefined;

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
  }

  /**
   * The backend this family's series store in: fixed at the family's first use. Metrics created with
   * `registry: null` (those custom collectors build on each scrape) stay in this process' memory, so that a
   * snapshot taken by one process's collector is never added into numbers that all processes share.
   */
  bind(): LoadedBackend {
    if (this.binding === undefined) this.binding = this.local ? LOCAL_BACKEND : currentBackend();
    return this.binding;
  }

  /** The backend if the family is bound already, without binding it. */
  get boundBackend(): LoadedBackend | undefined {
    return this.binding;
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
