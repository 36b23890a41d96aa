// A second process of the demo app: it loads the backend from the environment (PYTHEUS_BACKEND_CLASS and
// PYTHEUS_BACKEND_CONFIG), prints its port, and closes its backend and exits when told `exit` on stdin.
import { createInterface } from 'node:readline';
import { closeBackend, loadBackend } from '@pytheus/core';
import { demoApp } from './app.js';

loadBackend();
const app = await demoApp();
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'exit') {
    await app.close();
    await closeBackend();
    process.exit(0);
  }
}
