#!/usr/bin/env node
// `npm run setup` on a machine with only Node 20 and npm: installs the pinned pnpm's dependencies
// (frozen lockfile), builds every package, then migrates both planes into the SQLite default under data/
// and says where they are and what to try next. `-- --skip-install`: only the last two, on a checkout
// already installed and built.
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

function run(command, args, extraEnv = {}) {
  console.log(`> ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`setup: "${[command, ...args].join(' ')}" failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

const skipInstall = process.argv.includes('--skip-install');

// The pooler tests run a real PgBouncer (Debian's); install it where this machine can (root with apt-get).
const hasPgbouncer = spawnSync('sh', ['-c', 'command -v pgbouncer || test -x /usr/sbin/pgbouncer'], { env }).status === 0;
if (skipInstall) {
  // Installed and built already: nothing to add to this machine.
} else if (!hasPgbouncer && process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { env }).status === 0) {
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', 'pgbouncer'], { DEBIAN_FRONTEND: 'noninteractive' });
  // Only the binary is wanted: the tests start their own instance with a throwaway ini.
  spawnSync('sh', ['-c', '(service pgbouncer stop || systemctl stop pgbouncer) >/dev/null 2>&1'], { env });
} else if (!hasPgbouncer) {
  console.warn('setup: PgBouncer is not installed (apt-get install pgbouncer, as root): the pooler tests of npm test need it');
}

// The fleet page's browser test drives Debian's chromium at /usr/bin/chromium; install it the same way.
const hasChromium = existsSync('/usr/bin/chromium');
if (skipInstall) {
  // As above.
} else if (!hasChromium && process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { env }).status === 0) {
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', 'chromium'], { DEBIAN_FRONTEND: 'noninteractive' });
} else if (!hasChromium) {
  console.warn('setup: chromium is not installed at /usr/bin/chromium (apt-get install chromium, as root): the fleet page test of npm test needs it');
}

if (!skipInstall) {
  const onPath = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim() === pinned) run('pnpm', ['install', '--frozen-lockfile']);
  else run('npx', ['-y', `pnpm@${pinned}`, 'install', '--frozen-lockfile']);
  // From here on the pinned pnpm is a dev dependency in node_modules/.bin, which turbo needs on PATH.
  env.PATH = `${join(root, 'node_modules', '.bin')}:${env.PATH ?? ''}`;
  run('pnpm', ['run', 'build']);
}
run(process.execPath, [join(root, 'scripts', 'migrate-versioned.mjs')]);
// The next steps: no `> command` line before them, they are the last thing the operator reads.
process.exitCode = spawnSync(process.execPath, [join(root, 'scripts', 'setup-next-steps.mjs')], { cwd: root, env, stdio: 'inherit' }).status ?? 1;
