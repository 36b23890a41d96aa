// A second process of an app under test, as a deployment runs it: Node with the TypeScript sources (tsx), the
// backend chosen by PYTHEUS_BACKEND_CLASS and PYTHEUS_BACKEND_CONFIG.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ChildApp {
  /** The port the child's app listens on, from the first line it prints. */
  port: number;
  child: ChildProcess;
}

/**
 * Starts `script` (relative to `cwd`) in a child Node process on the backend `backendClass` (`module#Export`)
 * with `backendConfig` written to a JSON file; resolves once the child prints its port on its first line.
 */
export function startChildApp(options: {
  cwd: string;
  script: string;
  backendClass: string;
  backendConfig: object;
}): Promise<ChildApp> {
  const configPath = join(
    tmpdir(),
    `pytheus-child-${process.pid}-${Math.random().toString(36).slice(2)}.json`,
  );
  writeFileSync(configPath, JSON.stringify(options.backendConfig));
  const child = spawn(process.execPath, ['--conditions=@pytheus/source', '--import', 'tsx', options.script], {
    cwd: options.cwd,
    env: {
      ...process.env,
      PYTHEUS_BACKEND_CLASS: options.backendClass,
      PYTHEUS_BACKEND_CONFIG: configPath,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve({ port: Number(line), child }));
    child.once('exit', (code) => reject(new Error(`child exited with ${code}:\n${stderr}`)));
  });
}
