// One scrape of a registry that holds only the runtime metrics: pytheus' collectRuntimeMetrics() against the
// anchors' collectDefaultMetrics() (both anchors have one), each in a registry of its own, in the same run. Each
// library reads the runtime at scrape time (CPU, memory, /proc, heap spaces, handles, the delay histogram), so
// the figure is dominated by those reads, not by rendering. The libraries do not show the same series (see
// `extras.rendered`): the anchors add `_total` gauges, a stddev and a lag gauge measured on setImmediate; pytheus
// adds a p90, array-buffer memory and a GC histogram with finer buckets.
//
// The timed cases scrape back to back, awaiting only promises, so the event loop does not turn between two scrapes
// and pytheus' delay monitor has no new sample (pytheus then keeps the last figures and skips reading the
// histogram). A scrape in production comes seconds after the previous one: `after` times that too, a scrape after
// a 15 ms pause, for every library.
import {
  Registry as PioRegistry,
  collectDefaultMetrics as pioCollectDefaultMetrics,
} from '@prometheus-io/client';
import { CollectorRegistry, type Format, generateMetrics } from '@pytheus/core';
import { collectRuntimeMetrics } from '@pytheus/core/node';
import { Registry as PromRegistry, collectDefaultMetrics as promCollectDefaultMetrics } from 'prom-client';
import { sampleLines } from '../lib/readback.js';
import { defineSection, type Library, type TimedCase } from '../lib/section.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Lets the event loop turn and a GC happen before timing, so that every library shows all it can (pytheus shows
// the delay figures once its monitor has sampled, the GC histogram after the first GC).
async function settle(): Promise<void> {
  await sleep(50);
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(20);
}

interface Scraper {
  scrape: () => Promise<string>;
  /** Ends what the library runs between scrapes, where it can (the anchors have no way to). */
  stop: () => void;
}

// prom-client's types omit the constructor's content type, which it takes (see render.ts).
const PromRegistryWithType = PromRegistry as unknown as new (contentType: string) => PromRegistry;

const SCRAPERS: Record<Library, (format: Format) => Promise<Scraper>> = {
  pytheus: async (format) => {
    const registry = new CollectorRegistry();
    const runtime = collectRuntimeMetrics({ registry });
    await settle();
    return { scrape: () => generateMetrics(registry, { format }), stop: () => runtime.stop() };
  },
  'prom-client': async (format) => {
    const registry = new PromRegistryWithType(
      format === 'openmetrics' ? PromRegistry.OPENMETRICS_CONTENT_TYPE : PromRegistry.PROMETHEUS_CONTENT_TYPE,
    );
    promCollectDefaultMetrics({ register: registry });
    await settle();
    return { scrape: () => registry.metrics(), stop: () => {} };
  },
  '@prometheus-io/client': async (format) => {
    const registry = new PioRegistry(
      format === 'openmetrics' ? PioRegistry.OPENMETRICS_CONTENT_TYPE : PioRegistry.PROMETHEUS_CONTENT_TYPE,
    );
    pioCollectDefaultMetrics({ register: registry });
    await settle();
    return { scrape: () => registry.metrics(), stop: () => {} };
  },
};

const rendered: Record<string, number> = {};
const paused: Record<string, number> = {};

// Families and samples each library rendered, kept for the result file.
function record(format: Format, library: Library, text: string): number {
  const count = sampleLines(text);
  rendered[`${format}, ${library}: families`] = text
    .split('\n')
    .filter((line) => line.startsWith('# TYPE ')).length;
  rendered[`${format}, ${library}: samples`] = count;
  return count;
}

function scrapeCase(format: Format): TimedCase {
  const setup = (library: Library) => async () => {
    const { scrape, stop } = await SCRAPERS[library](format);
    return {
      op: scrape,
      check: async () => {
        const count = record(format, library, await scrape());
        // pytheus' delay monitor and GC observer must not run on while the anchors are measured.
        stop();
        return count;
      },
    };
  };
  return {
    kind: 'timed',
    name: `scrape of runtime metrics only, ${format}`,
    setup: {
      pytheus: setup('pytheus'),
      'prom-client': setup('prom-client'),
      '@prometheus-io/client': setup('@prometheus-io/client'),
    },
  };
}

const PAUSES = 40;

/** The median time of a scrape that comes 15 ms after the previous one, in µs. */
async function pausedScrape(library: Library): Promise<number> {
  const { scrape, stop } = await SCRAPERS[library]('prometheus');
  const times: number[] = [];
  for (let i = 0; i < PAUSES; i++) {
    await sleep(15);
    const start = performance.now();
    await scrape();
    times.push((performance.now() - start) * 1000);
  }
  stop();
  times.sort((a, b) => a - b);
  return times[PAUSES >> 1]!;
}

export default defineSection({
  name: 'runtime',
  title: 'One scrape of a registry holding only the runtime metrics (collectDefaultMetrics for the anchors)',
  cases: [scrapeCase('prometheus'), scrapeCase('openmetrics')],
  after: async () => {
    for (const library of ['pytheus', 'prom-client', '@prometheus-io/client'] as const) {
      paused[library] = await pausedScrape(library);
    }
    console.log(
      `scrape after a 15 ms pause, prometheus text, median of ${PAUSES}: ${Object.entries(paused)
        .map(([library, us]) => `${library} ${us.toFixed(1)} µs`)
        .join(', ')}`,
    );
  },
  extras: () => ({ rendered, pausedScrapeMicroseconds: paused }),
});
