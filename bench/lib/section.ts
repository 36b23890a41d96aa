// The section contract. A file bench/sections/<name>.ts default-exports `defineSection({...})`; bench/run.mjs runs
// each section in its own Node process (see bench/README.md).

/** The libraries compared. pytheus is measured; the other two are the anchors. */
export const LIBRARIES = ['pytheus', 'prom-client', '@prometheus-io/client'] as const;
export type Library = (typeof LIBRARIES)[number];
export const ANCHORS: readonly Library[] = ['prom-client', '@prometheus-io/client'];

/** One operation to time: called many times in a loop; may return a promise, which is awaited. */
export type Operation = () => unknown;

/** What a library's setup hands back for a timed case. */
export interface Prepared {
  /** The operation to time. It must change state or return a value, so that nothing can be optimized away. */
  op: Operation;
  /**
   * Read back after timing, to consume what the operation did and to prove it worked: a number that must be
   * greater than zero (a counter's value, an observation count, a rendered length).
   */
  check: () => number | Promise<number>;
}

/** A case timed per operation (ns/op) for each library, in one process, one library after the other. */
export interface TimedCase {
  kind: 'timed';
  /** A short name shown in the table, such as `counter.inc() unlabelled`. */
  name: string;
  /** pytheus must be at least this many times faster than the faster anchor. Omit for no target. */
  target?: number;
  /** Per library: builds the metrics in a registry of its own and returns the operation. */
  setup: Partial<Record<Library, () => Prepared | Promise<Prepared>>>;
}

/** A case that creates many series; each library runs in a fresh process started with `--expose-gc`. */
export interface SeriesCase {
  kind: 'series';
  name: string;
  /** How many series to create. */
  count: number;
  /** Target on heap bytes per series: pytheus must use at most `1 / heapTarget` of the leaner anchor's. */
  heapTarget?: number;
  /**
   * Per library: `prepare` runs before the first heap reading (build label values and metrics there, so that
   * their memory is not counted) and returns `create(i)`, which creates series number `i`; the returned object
   * (kept alive until the second heap reading) must hold everything the series live in.
   */
  setup: Partial<Record<Library, () => { create: (i: number) => void; keep: unknown }>>;
}

export type Case = TimedCase | SeriesCase;

export interface Section {
  /** The file name without `.ts`; checked against the file by the runner. */
  name: string;
  /** One line shown above the section's table. */
  title: string;
  /** Run once before the first case (to start a server, for example). */
  before?: () => void | Promise<void>;
  /** Run once after the last case, also when a case failed. */
  after?: () => void | Promise<void>;
  cases: readonly Case[];
  /**
   * Figures the section measured outside its cases (in `before`, say), called after `after`; stored as `extras`
   * in the section's result file.
   */
  extras?: () => Record<string, unknown> | undefined;
}

/** Identity function that gives a section file its types. */
export function defineSection(section: Section): Section {
  return section;
}
