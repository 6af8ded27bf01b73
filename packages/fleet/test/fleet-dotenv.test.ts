import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, run } from '@atlasai/test-kit';

/** `npm run migrate:fleet` reads the repository's .env as every root script does (a variable already set wins). */
describe('migrate:fleet and .env', () => {
  const script = join(REPO_ROOT, 'scripts/migrate-fleet.mjs');
  const envFile = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'atlas-fleet-env-')), '.env');
    writeFileSync(file, text);
    return file;
  };

  it('takes CONTROL_PLANE_DATABASE_URL from the .env file it is pointed at', async () => {
    const file = envFile('CONTROL_PLANE_DATABASE_URL=sqlite:/nonexistent/control.db\n');
    const result = await run(process.execPath, [script, 'status'], { env: { ATLAS_DOTENV: '1', ATLAS_ENV_FILE: file, CONTROL_PLANE_DATABASE_URL: undefined } });
    expect(result.code).toBe(2);
    // The value came from the file: the refusal is about SQLite, not about an unset variable.
    expect(result.stderr).toContain('SQLite');
    expect(result.stderr).not.toContain('it is not set');
  });

  it('a variable already set, even empty, wins over the file; a missing named file is exit 2', async () => {
    const file = envFile('CONTROL_PLANE_DATABASE_URL=sqlite:/nonexistent/control.db\n');
    const kept = await run(process.execPath, [script, 'status'], { env: { ATLAS_DOTENV: '1', ATLAS_ENV_FILE: file, CONTROL_PLANE_DATABASE_URL: '' } });
    expect(kept.code).toBe(2);
    expect(kept.stderr).not.toContain('SQLite');
    const missing = await run(process.execPath, [script, 'status'], {
      env: { ATLAS_DOTENV: '1', ATLAS_ENV_FILE: join(tmpdir(), 'no-such-dir-atlas', '.env') },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });
});
