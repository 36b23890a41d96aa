import type { MetricType, MultiprocessMode } from './backend.js';
import {
  describeValue,
  InvalidArgumentError,
  InvalidNameError,
  LabelError,
  MissingLabelsError,
} from './errors.js';
import { describeLoneSurrogate, loneSurrogateAt } from './escape.js';
import { Family, type LabelTree, type SeriesHandle } from './family.js';
import { counterFamily, validateLabelName, validateMetricName } from './names.js';
import { checkOptions } from './options.js';
import { type CollectorRegistry, getDefaultRegistry, isRegistry, provideRefusedCounter } from './registry.js';
import { checkMaxSeries, SERIES_OVERFLOW_VALUE } from './series-limit.js';
import { decorateWith, type MethodDecorator, startTimer, type Timer, wrapWith } from './timing.js';

/** Label values by label name. Values are strings; a number or anything else is a {@link LabelError}. */
export type LabelValues<L extends string = string> = { readonly [K in L]?: string };

/** Options every metric takes. */
export interface MetricOptions<L extends string = string> {
  /** Labels every observation needs. A value can come from `defaultLabels`, or be set with `labels()`. */
  requiredLabels?: readonly L[];
  /** Values for some required labels; `labels()` may override them. */
  defaultLabels?: LabelValues<L>;
  /**
   * The registry to register in: the default registry when absent, none with `null`. A metric created with
   * `registry: null` (as custom collectors do) keeps its values in this process, whatever backend is loaded.
   */
  registry?: CollectorRegistry | null;
  /** The unit, such as `seconds` or `bytes`, exposed as `# UNIT` in OpenMetrics; the name must end with it. */
  unit?: string;
  /**
   * How a multi-process backend combines this metric across processes: `'shared'` (default: one series for all
   * processes) or `'perProcess'` (a series per process, for values such as memory use or a process' own CPU
   * time). See {@link MultiprocessMode}; single-process backends ignore it.
   */
  multiprocessMode?: MultiprocessMode;
  /**
   * The most series (label sets) this metric keeps; default: the registry's `maxSeries`, or no limit. Past it, a
   * new label set counts into one overflow series whose every label is {@link SERIES_OVERFLOW_VALUE}, and the
   * registry's `pytheus_series_refused_total{metric="..."}` grows; see {@link RegistryOptions.onSeriesLimit}.
   */
  maxSeries?: number;
}

// The option keys every metric takes. `multiprocessMode` is read by the metric types that use it.
const METRIC_OPTIONS: readonly string[] = [
  'requiredLabels',
  'defaultLabels',
  'registry',
  'unit',
  'maxSeries',
  'multiprocessMode',
];
const HISTOGRAM_ONLY = { buckets: 'only histograms take buckets' };

/** @internal What a metric type adds to the common construction. */
export interface FamilyExtras {
  /** Option keys this metric type takes besides the common ones. */
  optionKeys?: readonly string[];
  reservedLabels?: readonly string[];
  buckets?: readonly number[];
  bucketLabel?: (bound: number) => string;
}

const NO_BUCKET_LABEL = (bound: number) => String(bound);

/**
 * What Counter, Gauge, Histogram and Summary share: a name, help, labels, and children.
 *
 * `labels()` returns a child with more label values set. A child with every label set observes; a child that
 * still lacks some is partial and can be kept and completed later. Fully labelled children are cached, so
 * holding one and calling it in a loop does no label work at all.
 */
export abstract class Metric<L extends string = string> {
  /** @internal */
  declare protected readonly _family: Family;
  /** @internal The index of the series this metric observes into in its family, or -1 while labels are missing. */
  declare readonly _index: number;
  /**
   * @internal The label values set so far (defaults included, in `labelNames` order) while some are missing;
   * null once every label has a value, since the family's label tree then holds them.
   */
  declare protected readonly _given: readonly (string | undefined)[] | null;

  constructor(
    type: MetricType,
    name: string,
    help: string,
    options: MetricOptions<L> | undefined,
    extras: FamilyExtras = {},
  ) {
    // Everything is validated before anything is registered, so a bad metric leaves nothing behind.
    validateMetricName(name);
    const where = `${type} "${name}"`;
    checkOptions(where, options, {
      known: extras.optionKeys === undefined ? METRIC_OPTIONS : [...METRIC_OPTIONS, ...extras.optionKeys],
      elsewhere: type === 'histogram' ? undefined : HISTOGRAM_ONLY,
    });
    if (typeof help !== 'string') {
      throw new InvalidArgumentError(`${where}: help text must be a string, got ${describeValue(help)}`);
    }
    const helpSurrogate = loneSurrogateAt(help);
    if (helpSurrogate >= 0) {
      throw new InvalidArgumentError(`${where}: help text ${describeLoneSurrogate(help, helpSurrogate)}`);
    }
    const multiprocessMode = checkMultiprocessMode(where, options?.multiprocessMode);
    const required = options?.requiredLabels;
    if (required !== undefined && !Array.isArray(required)) {
      throw new LabelError(
        `${where}: requiredLabels must be an array of label names, got ${describeValue(required)}`,
      );
    }
    const labelNames = Array.from(required ?? [], (label) => label as string);
    const seen = new Set<string>();
    for (const label of labelNames) {
      validateLabelName(name, label, extras.reservedLabels);
      if (seen.has(label)) throw new LabelError(`metric "${name}": label "${label}" is required twice`);
      seen.add(label);
    }
    const values: (string | undefined)[] = labelNames.map(() => undefined);
    const defaults = options?.defaultLabels;
    if (defaults !== undefined) {
      if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) {
        throw new LabelError(
          `metric "${name}": defaultLabels must be an object of label values, got ${describeValue(defaults)}`,
        );
      }
      for (const [label, value] of Object.entries(defaults)) {
        const index = labelNames.indexOf(label);
        if (index < 0) {
          throw new LabelError(
            `metric "${name}": default label "${label}" is not a required label (required: ${listLabels(labelNames)})`,
          );
        }
        checkLabelValue(name, label, value, 'default label');
        values[index] = value;
      }
    }
    const unit = options?.unit;
    if (unit !== undefined) {
      if (typeof unit !== 'string' || !/^[a-zA-Z0-9_:]+$/.test(unit)) {
        throw new InvalidNameError(`metric "${name}": invalid unit ${describeValue(unit)}`);
      }
      const base = type === 'counter' ? counterFamily(name) : name;
      if (!base.endsWith(`_${unit}`)) {
        throw new InvalidNameError(
          `metric "${name}": a metric with unit "${unit}" must have a name ending in _${unit}`,
        );
      }
    }
    const registry = options?.registry === undefined ? getDefaultRegistry() : options.registry;
    if (registry !== null && !isRegistry(registry)) {
      throw new InvalidArgumentError(
        `${where}: registry must be a CollectorRegistry or null, got ${describeValue(registry)}`,
      );
    }
    const maxSeries =
      options?.maxSeries !== undefined
        ? options.maxSeries
        : (registry?.maxSeries ?? Number.POSITIVE_INFINITY);
    checkMaxSeries(where, maxSeries);
    const exposedName = registry ? registry.exposedName(name) : name;
    const family = new Family(
      type,
      name,
      exposedName,
      help,
      labelNames,
      unit,
      extras.buckets,
      multiprocessMode,
      extras.bucketLabel ?? NO_BUCKET_LABEL,
      registry === null,
      maxSeries,
    );
    // The metric object is made by the same constructor as its children rather than being `this`: all of them
    // then share one shape, and the methods they share stay monomorphic (V8 would see two maps at every write).
    // Its fields are final when it is made, which lets V8 fold them into code that uses this metric object.
    const Child = childConstructor(family, new.target.prototype);
    // A metric whose labels all have values is itself the series for those values, and is exposed from the start.
    let index = -1;
    if (values.every((value) => value !== undefined)) {
      index =
        labelNames.length === 0 ? family.addSeries([]) : leafOf(family, Child, values as string[])._index;
    }
    const self = new Child(family, index, index < 0 ? values : null);
    family.root = self;
    // A subclass' own fields are defined on this object after this constructor returns; children of a subclass
    // inherit from it (see childConstructor), so they see those fields too.
    family.rootValues = values;
    registry?.register(self);
    // biome-ignore lint/correctness/noConstructorReturn: see above.
    return self as this;
  }

  /** The metric's name, as given. */
  get name(): string {
    return this._family.name;
  }

  /** The help text. */
  get description(): string {
    return this._family.help;
  }

  /** The type: `counter`, `gauge`, `histogram` or `summary`. */
  get type(): MetricType {
    return this._family.type;
  }

  /** The required label names, in declaration order. */
  get labelNames(): readonly string[] {
    return this._family.labelNames;
  }

  /** The label values set on this metric or child so far (defaults included). */
  get labelValues(): LabelValues<L> {
    const out: Record<string, string> = {};
    const values = this._fixedValues();
    this._family.labelNames.forEach((label, i) => {
      const value = values[i];
      if (value !== undefined) out[label] = value;
    });
    return out as LabelValues<L>;
  }

  /** Whether every label has a value, so that this metric or child can be observed. */
  get observable(): boolean {
    return this._index >= 0;
  }

  /**
   * A child with more label values set. A child with all labels set is cached and observes; one that still
   * lacks labels is partial, and its own `labels()` adds the rest.
   *
   * @example
   * ```ts
   * const requests = new Counter('http_requests_total', 'Requests', { requiredLabels: ['method', 'route'] });
   * const gets = requests.labels({ method: 'GET' }); // partial: keep it
   * gets.labels({ route: '/users' }).inc();
   * ```
   */
  labels(values: LabelValues<L>): this {
    const family = this._family;
    const names = family.labelNames;
    if (names.length === 0 || typeof values !== 'object' || values === null) return this._labelsSlow(values);
    const fixed = this._fixedValues();
    // Fast path: walk the tree of cached children while reading the given values in their own order, which is
    // the declared order in nearly every call; a label not given takes its value set before. A for-in loop
    // reads each value through V8's enum cache, where reading `values[names[i]]` would be a generic lookup per
    // label. Anything unusual (another order, an unknown label, a value that is not a string, a series not made
    // yet) takes the slow path, which validates and explains.
    let node: LabelTree | SeriesHandle | undefined = family.tree;
    let next = 0;
    for (const key in values) {
      while (key !== names[next]) {
        if (next === names.length) return this._labelsSlow(values);
        // A label with no value set finds nothing: the tree's keys are strings.
        node = (node as LabelTree).get(fixed[next++]!);
        if (node === undefined) return this._labelsSlow(values);
      }
      const value = (values as Record<string, unknown>)[key];
      if (typeof value !== 'string') return this._labelsSlow(values);
      node = (node as LabelTree).get(value);
      if (node === undefined) return this._labelsSlow(values);
      next++;
    }
    while (next < names.length) {
      node = (node as LabelTree).get(fixed[next++]!);
      if (node === undefined) return this._labelsSlow(values);
    }
    return node as this;
  }

  /** @internal Validates, then returns the cached full child or a new partial one. */
  protected _labelsSlow(given: LabelValues<L>): this {
    const family = this._family;
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      throw new LabelError(
        `metric "${family.name}": labels() takes an object of label values, got ${describeValue(given)}`,
      );
    }
    const values = this._fixedValues().slice();
    // The label values are the object's enumerable properties, inherited ones too, as the fast path's for-in
    // reads them: both paths give one answer for any object. An inherited property that is no label is ignored
    // (something added to Object.prototype must not break every call); an own one is an error.
    for (const label in given) {
      const index = family.labelIndex.get(label);
      if (index === undefined) {
        if (!Object.hasOwn(given, label)) continue;
        throw new LabelError(
          `metric "${family.name}": unknown label "${label}" (its labels: ${listLabels(family.labelNames)})`,
        );
      }
      const value = (given as Record<string, unknown>)[label];
      checkLabelValue(family.name, label, value, 'label');
      values[index] = value;
    }
    if (values.every((value) => value !== undefined)) return this._leaf(values as string[]);
    return this._child(-1, values);
  }

  /** @internal The label values of this metric or child, those a full child's family keeps included. */
  protected _fixedValues(): readonly (string | undefined)[] {
    if (this._index < 0) return this._given!;
    // The root's own values are at hand; another full child's are looked up by index.
    const family = this._family;
    return this === family.root ? family.rootValues : family.valuesOf(this._index);
  }

  /**
   * @internal The cached fully labelled child for `values`, created with its series on first use. `values` is
   * kept: pass an array no one changes.
   */
  protected _leaf(values: readonly string[]): this {
    // Without labels the metric is its own only series.
    if (values.length === 0) return this;
    const family = this._family;
    return leafOf(family, childConstructor(family, Object.getPrototypeOf(this)), values) as this;
  }

  /** @internal A metric object of the same class that shares the family. */
  protected _child(index: number, values: readonly (string | undefined)[] | null): this {
    const Child = childConstructor(this._family, Object.getPrototypeOf(this));
    const family = this._family;
    return new Child(family, index, values) as this;
  }

  /** @internal Throws a {@link MissingLabelsError} unless every label has a value. */
  protected _requireLabels(): void {
    if (this._index < 0) throw this._missingLabels();
  }

  /** @internal The error for an observation that still lacks labels. */
  protected _missingLabels(): MissingLabelsError {
    const family = this._family;
    const values = this._fixedValues();
    const missing = family.labelNames.filter((_, i) => values[i] === undefined);
    return new MissingLabelsError(
      `metric "${family.name}": cannot observe before every label has a value; missing ${listLabels(missing)} (set them with labels())`,
      missing,
    );
  }
}

/**
 * What Gauge, Histogram and Summary share: timing code. The duration in seconds is recorded as the metric records
 * a value: a histogram or summary observes it, a gauge is set to it.
 */
export abstract class TimedMetric<L extends string = string> extends Metric<L> {
  /** @internal Records a duration in seconds. */
  protected abstract _recordDuration(seconds: number): void;

  /**
   * Starts a timer; when it stops (or is disposed, with `using`), its duration in seconds is recorded.
   *
   * @example
   * ```ts
   * {
   *   using _ = latency.time();
   *   await handle(request);
   * } // recorded here, even if handle() threw
   * ```
   */
  time(): Timer {
    this._requireLabels();
    return startTimer((seconds) => this._recordDuration(seconds));
  }

  /** Wraps `fn` (sync or async) so that each call's duration in seconds is recorded. */
  timeFunction<A extends unknown[], R, T>(fn: (this: T, ...args: A) => R): (this: T, ...args: A) => R {
    this._requireLabels();
    return wrapWith(fn, () => this.time());
  }

  /** A method decorator that records each call's duration in seconds. */
  timeMethod(): MethodDecorator {
    this._requireLabels();
    return decorateWith(() => this.time());
  }
}

type ChildConstructor = new (
  family: Family,
  index: number,
  values: readonly (string | undefined)[] | null,
) => Metric & SeriesHandle;

const childConstructors = new WeakMap<object, ChildConstructor>();

/** The prototypes of pytheus' own metric classes, whose children share one prototype whatever their family. */
const ownPrototypes = new WeakSet<object>();

/** @internal Marks a metric class of pytheus' own (Counter, Gauge, Histogram, Summary). */
export function ownMetricClass(metricClass: abstract new (...args: never[]) => Metric): void {
  ownPrototypes.add(metricClass.prototype);
}

// Children are made by a plain constructor that sets the three fields and nothing else, so V8 sizes a child at
// exactly three fields. For pytheus' own classes its prototype is the class' own, one constructor per class, so
// every child of a class shares one shape whatever its family and the methods stay monomorphic. A user's subclass
// may define fields of its own, which land on the metric object after the constructor ran: its children inherit
// from that object instead (one constructor per family), so they see its fields and methods alike.
function childConstructor(family: Family, prototype: object): ChildConstructor {
  const base = ownPrototypes.has(prototype) || family.root === undefined ? prototype : family.root;
  let Child = childConstructors.get(base);
  if (Child === undefined) {
    Child = function (
      this: { _family: Family; _index: number; _given: readonly (string | undefined)[] | null },
      family: Family,
      index: number,
      values: readonly (string | undefined)[] | null,
    ) {
      this._family = family;
      this._index = index;
      this._given = values;
    } as unknown as ChildConstructor;
    Child.prototype = base as Metric & SeriesHandle;
    childConstructors.set(base, Child);
  }
  return Child;
}

// The fully labelled child for `values` in `family`'s tree, made with its series on first use. A family at its
// series limit makes no new series (nor any tree node on the way to one): the label set counts into the overflow
// series instead, which is the series whose every label is SERIES_OVERFLOW_VALUE.
function leafOf(
  family: Family,
  Child: ChildConstructor,
  values: readonly string[],
  limited = true,
): Metric & SeriesHandle {
  const last = family.labelNames.length - 1;
  let node = family.tree;
  let level = 0;
  for (; level < last; level++) {
    const next = node.get(values[level]!) as LabelTree | undefined;
    if (next === undefined) break;
    node = next;
  }
  if (level === last) {
    const leaf = node.get(values[last]!) as (Metric & SeriesHandle) | undefined;
    if (leaf !== undefined) return leaf;
  }
  // The one compare that the series limit costs, and only when a series is made.
  if (family.count >= family.maxSeries && limited) return overflowOf(family, Child);
  for (; level < last; level++) {
    const next: LabelTree = new Map();
    node.set(values[level]!, next);
    node = next;
  }
  const leaf = new Child(family, family.addSeries(values), null);
  node.set(values[last]!, leaf);
  return leaf;
}

function checkMultiprocessMode(where: string, mode: unknown): MultiprocessMode | undefined {
  if (mode === undefined || mode === 'shared' || mode === 'perProcess') return mode;
  throw new InvalidArgumentError(
    `${where}: multiprocessMode must be "shared" or "perProcess", got ${describeValue(mode)}`,
  );
}

// The overflow series of a family at its limit, made (past the limit) at the first refusal.
function overflowOf(family: Family, Child: ChildConstructor): Metric & SeriesHandle {
  family.refuse();
  // The markers' series may exist already (someone sent those values): then it is the overflow series.
  family.overflow ??= leafOf(
    family,
    Child,
    family.labelNames.map(() => SERIES_OVERFLOW_VALUE),
    false,
  );
  return family.overflow as Metric & SeriesHandle;
}

/** Throws a {@link LabelError} unless `value` is a string that UTF-8 can carry. `what`: "label", "default label". */
function checkLabelValue(
  metric: string,
  label: string,
  value: unknown,
  what: string,
): asserts value is string {
  if (typeof value !== 'string') {
    throw new LabelError(
      `metric "${metric}": ${what} "${label}" must be a string, got ${describeValue(value)}`,
    );
  }
  const at = loneSurrogateAt(value);
  if (at >= 0) {
    throw new LabelError(`metric "${metric}": ${what} "${label}" ${describeLoneSurrogate(value, at)}`);
  }
}

function listLabels(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.map((name) => `"${name}"`).join(', ');
}

/**
 * The counter of label sets that metrics at their series limit refused (`pytheus_series_refused_total{metric}`),
 * one per registry, made by the registry with its first limited metric. Only core writes to it.
 */
class SeriesRefusedCounter extends Metric<'metric'> {
  constructor(registry: CollectorRegistry, name: string) {
    super(
      'counter',
      name,
      'Label sets that metrics at their series limit (maxSeries) counted into their overflow series instead of a series of their own.',
      { registry, requiredLabels: ['metric'], maxSeries: Number.POSITIVE_INFINITY },
    );
  }

  /** @internal Counts one refused label set. */
  inc(): void {
    this._family.write('inc', this._index, 1);
  }
}

provideRefusedCounter((registry, name) => new SeriesRefusedCounter(registry, name));
