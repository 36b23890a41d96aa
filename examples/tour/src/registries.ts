// The tour, part 4: registries with a prefix, and custom collectors for what you cannot instrument directly.
import { type Collector, CollectorRegistry, Counter, Gauge, generateMetrics } from '@pytheus/core';

const queue = { size: async () => 12 };

// #region registries
const registry = new CollectorRegistry({ prefix: 'shop' });
new Counter('orders_total', 'Orders placed.', { registry }).inc(); // exposed as shop_orders_total

// A collector yields metrics made on each scrape. They are created with `registry: null`: registered nowhere, and
// kept in this process whatever backend is loaded, so a snapshot is never added into numbers processes share.
class QueueCollector implements Collector {
  async *collect() {
    const depth = new Gauge('queue_depth', 'Jobs waiting.', { registry: null });
    depth.set(await queue.size());
    yield depth;
  }
}
registry.register(new QueueCollector()); // shop_queue_depth 12 on every scrape
// #endregion registries

console.log(await generateMetrics(registry));
