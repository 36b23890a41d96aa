import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';

const server = createApp();
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';

server.on('error', (error: NodeJS.ErrnoException) => {
  // The usual port is taken: take any free one rather than fail, and say which.
  if (error.code === 'EADDRINUSE' && process.env.PORT === undefined) server.listen(0, host);
  else throw error;
});
server.on('listening', () => {
  const { port } = server.address() as AddressInfo;
  const base = `http://${host}:${port}`;
  console.log(`pytheus demo (in-memory backend) listening on ${base}`);
  console.log(`  try ${base}/ and ${base}/slow, then read ${base}/metrics`);
});
server.listen(port, host);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
