import { type AddressInfo, createServer } from 'node:net';

/** A free TCP port on 127.0.0.1, never 6379 (a developer's own Redis may listen there). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    if (port !== 6379) return port;
  }
}
