import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance } from '@pytheus/backend-testkit';
import { FileBackend, type FileBackendConfig } from './backend.js';

// One temporary directory per check: every load of a check (a simulated process) shares it, as processes on one
// machine share a directory; no two checks or runs ever see each other's log.
const directories = new Map<string, string>();

function directoryFor(namespace: string): string {
  let directory = directories.get(namespace);
  if (directory === undefined) {
    directory = mkdtempSync(join(tmpdir(), `pytheus-file-backend-${namespace}-`));
    directories.set(namespace, directory);
  }
  return directory;
}

describeBackendConformance<FileBackendConfig>({
  name: 'FileBackend (examples/custom-backend)',
  // A new config object per call, so each load keeps its own write buffer.
  load: ({ namespace }) => ({
    backendClass: FileBackend,
    backendConfig: { directory: directoryFor(namespace) },
  }),
  multiProcess: true,
  // Storage that cannot be reached: a "directory" below a regular file.
  loadUnavailable: ({ namespace }) => {
    const blocker = join(directoryFor(namespace), 'not-a-directory');
    writeFileSync(blocker, '');
    return { backendClass: FileBackend, backendConfig: { directory: join(blocker, 'metrics') } };
  },
  cleanup: ({ namespace }) => {
    const directory = directories.get(namespace);
    if (directory === undefined) return;
    rmSync(directory, { recursive: true, force: true });
    directories.delete(namespace);
  },
});
