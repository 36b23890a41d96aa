// Apps in child processes for the tests on real servers: started, told apart by what they print, hung up on.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const packageRoot = join(import.meta.dirname, '..');

/** The test app that runs on every runtime, relative to the package. */
export const RUNTIME_APP = join('test', 'runtime', 'app.ts');

/** A runtime's binary from this package's devDependencies (bun, deno); a missing one throws with what to do. */
export function bin(name: string): string {
  const path = join(packageRoot, 'node_modules', '.bin', name);
  if (!existsSync(path)) {
    throw new Error(
      `${name} is missing at ${path}: it is a devDependency of @pytheus/hono, installed by \`pnpm install\` (its binary comes from the npm registry; pnpm-workspace.yaml must allow its install script)`,
    );
  }
  return path;
}

/** How Node runs it: through tsx, which strips the types (Bun and Deno run TypeScript themselves). */
export const NODE_APP: [string, string[]] = [process.execPath, ['--import', 'tsx', RUNTIME_APP]];

export interface Running {
  child: ChildProcess;
  port: number;
  /** Resolves when the app has printed `line`. */
  printed: (line: string) => Promise<void>;
  output: () => string;
}

/**
 * Starts `command` in the package's folder and resolves once it prints `PORT <port>` (or a line of stdout or stderr
 * that `portLine` matches, the port its first group). `env` is added to the test's environment, from which
 * PYTHEUS_* is removed (a backend comes only from what the test gives).
 */
export function run(
  command: string,
  args: string[],
  extraEnv: Record<string, string> = {},
  portLine = /^PORT (\d+)$/,
): Promise<Running> {
  if (!existsSync(join(packageRoot, 'dist', 'index.js'))) {
    throw new Error('dist/index.js is missing: run `pnpm build` first (turbo builds before the tests)');
  }
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PYTHEUS_')));
  const child = spawn(command, args, {
    cwd: packageRoot,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiting = new Map<string, () => void>();
  const seen = new Set<string>();
  const errors = createInterface({ input: child.stderr! });
  errors.on('line', (line) => {
    output += `${line}\n`;
  });
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    output += `${line}\n`;
    seen.add(line);
    waiting.get(line)?.();
  });
  const printed = (line: string) =>
    seen.has(line) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(line, resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} printed no port in 20 s:\n${output}`)),
      20_000,
    );
    const onLine = (line: string) => {
      const port = portLine.exec(line)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({ child, port: Number(port), printed, output: () => output });
    };
    lines.on('line', onLine);
    errors.on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}:\n${output}`));
    });
    child.once('error', reject);
  });
}

/** Sends a request and destroys the connection once the app has printed that it has it. */
export function hangUp(app: Running, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(app.port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    });
    socket.on('error', reject);
    void app.printed(`ARRIVED ${path}`).then(() => {
      socket.destroy();
      resolve();
    });
  });
}
