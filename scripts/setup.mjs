#!/usr/bin/env node
// `npm run setup` on a machine with only Node 20 and npm: installs the pinned pnpm's dependencies
// (frozen lockfile), builds every package, then migrates both planes into the SQLite default under data/.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };

// better-sqlite3 compiles from source where its prebuilt binary cannot be downloaded; node-gyp then
// needs this Node's own headers instead of fetching them.
const nodePrefix = dirname(dirname(process.execPath));
if (!env.npm_config_nodedir && existsSync(join(nodePrefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = nodePrefix;

function run(command, args) {
  console.log(`> ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`setup: "${[command, ...args].join(' ')}" failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

const onPath = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8' });
if (onPath.status === 0 && onPath.stdout.trim() === pinned) run('pnpm', ['install', '--frozen-lockfile']);
else run('npx', ['-y', `pnpm@${pinned}`, 'install', '--frozen-lockfile']);
// From here on the pinned pnpm is a dev dependency in node_modules/.bin, which turbo needs on PATH.
env.PATH = `${join(root, 'node_modules', '.bin')}:${env.PATH ?? ''}`;
run('pnpm', ['run', 'build']);
run(process.execPath, [join(root, 'scripts', 'migrate-versioned.mjs')]);
