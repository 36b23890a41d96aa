// A second process of the demo app: it loads the backend from the environment (PYTHEUS_BACKEND_CLASS and
// PYTHEUS_BACKEND_CONFIG), prints its port, and closes its backend and exits when told `exit` on stdin.
import { createInterface } from 'node:readline';
import { closeBackend, loadBackend } from '@pytheus/core';
import express from 'express';
import { demoApp } from './app.js';

loadBackend();
const server = demoApp(express).listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
});
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'exit') {
    server.closeAllConnections();
    server.close();
    await closeBackend();
    process.exit(0);
  }
}
