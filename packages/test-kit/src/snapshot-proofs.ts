import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDialect, generateSnapshot, parseSnapshot, renderSnapshot, silentLogger, type Registry } from '@atlasai/migrator-core';
import { DIALECTS } from './dialects.js';

const HOW_TO_FIX = 'the committed snapshot is stale: run `pnpm schema:snapshot` and commit packages/*/schema/*.snapshot with the migration';

/**
 * The committed snapshots of a registry are what a fresh apply produces (each registry applied once per
 * dialect, one migration at a time, which is also how the versions are tagged), and the built package
 * embeds exactly the committed text.
 */
export function snapshotProofs(registry: Registry, packageDir: string): void {
  describe.each(DIALECTS)(`${registry.plane} schema snapshot on $name`, ({ name, create }) => {
    const file = join(packageDir, 'schema', `${name}.snapshot`);

    it('matches a fresh apply of the registry, object by object and version by version', async () => {
      const db = await create();
      try {
        const fresh = renderSnapshot(await generateSnapshot({ registry, dialect: await createDialect(db.url, silentLogger) }));
        expect(fresh, HOW_TO_FIX).toBe(readFileSync(file, 'utf8'));
      } finally {
        await db.drop();
      }
    });

    it('is embedded in the built registry as committed', () => {
      expect(registry.snapshots?.[name], 'rebuild the registry (pnpm build) after pnpm schema:snapshot').toEqual(
        parseSnapshot(readFileSync(file, 'utf8'), file),
      );
    });
  });
}
