import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, run } from '@atlasai/test-kit';

/** The README's commands work on a machine with only Node and npm: none needs a pnpm on PATH. */
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** Every command the README shows: each line of its sh blocks, and each inline code span that starts like one. */
function readmeCommands(): string[] {
  const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));
  const spans = [...README.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...blocks, ...spans].map((l) => l.replace(/#.*$/, '').trim()).filter((l) => /^(\w+=\S+ )*(npm|npx|pnpm|node|bash|turbo|atlas-migrate)\b/.test(l));
}

let bin: string;
beforeAll(() => {
  // A PATH like this machine's with every pnpm left out: Node, npm, sh and the rest stay.
  bin = mkdtempSync(join(tmpdir(), 'atlas-no-pnpm-'));
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter((d) => d && existsSync(d))) {
    for (const name of readdirSync(dir)) {
      if (/^pnp[mx]/.test(name) || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
});
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
});

describe('the README commands', () => {
  it('are npm run …, npx …, node … or bash …, never pnpm …', () => {
    const commands = readmeCommands();
    expect(commands).toContain('npm run setup');
    expect(commands).toContain('npm run migrate:status');
    expect(commands.filter((c) => /^(\w+=\S+ )*pnpm\b/.test(c))).toEqual([]);
  });

  it('npm run migrate:status works with a PATH that holds no pnpm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atlas-readme-'));
    try {
      const env = { PATH: bin, CONTROL_PLANE_DATABASE_URL: `sqlite:${join(dir, 'c.db')}`, TENANT_PLANE_DATABASE_URL: `sqlite:${join(dir, 't.db')}` };
      expect((await run('sh', ['-c', 'command -v pnpm || echo none'], { env })).stdout).toBe('none\n');
      const status = await run('npm', ['run', '--silent', 'migrate:status'], { env });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout.split('\n')[0]).toBe('=== AtlasAI Migration Status ===');
      expect(status.stdout).toContain('[TENANT] 2018 ');
      const cli = await run('npx', ['atlas-migrate', '--version'], { env });
      expect(cli.code, cli.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
