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
  /** Backend instances of a histogram's buckets (non-cumulative counts, `+Inf` last) or undefined. */
  buckets: Backend[] | undefined = undefined;
  /** Backend instance of a histogram's or summary's sum. */
  sum: Backend | undefined = undefined;
  /** Backend instance of a summary's count (histograms derive theirs from the buckets). */
  count: Backend | undefined = undefined;
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

  /** Creates the backend instances of this series on the family's backend; returns the value's instance. */
  bind(): Backend {
    const { backendClass, backendConfig } = this.family.bind();
    const family = this.family;
    if (family.type === 'counter' || family.type === 'gauge') {
      this.value = new backendClass(backendConfig, this);
    } else {
      if (family.type === 'histogram') {
        this.buckets = family.bucketKeys!.map((le) => new backendClass(backendConfig, this, le));
      } else {
        this.count = new backendClass(backendConfig, this, 'count');
      }
      this.sum = new backendClass(backendConfig, this, 'sum');
    }
    return this.value ?? this.sum!;
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
