import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createDialect, runMigrations, silentLogger, type Registry } from '@atlasai/migrator-core';
import { withClient } from './client.js';
import { createDatabase, pgAdminUrl, withDatabase } from './server.js';
import { templatePrefix } from './template-names.js';

/** A registry whose fully migrated state a test database can be cloned from. */
export type Template = 'control' | 'tenant';

const REGISTRIES: Record<Template, () => Promise<Registry>> = {
  control: async () => (await import('@atlasai/control-migrations')).registry,
  tenant: async () => (await import('@atlasai/tenant-migrations')).registry,
};

const made = new Map<Template, Promise<string>>();

/** Without a global setup (a single vitest process of our own), the run id is this process's. */
const processRunId = randomBytes(4).toString('hex');

/** The run's id, from the global setup: the names of its databases start with it, so that its teardown finds them. */
export function currentRunId(): string {
  return inject('pgRunId') || processRunId;
}

/**
 * The name of the template database of `template` for this run, made by the first test that asks for it
 * (in any worker: an advisory lock on the server orders them) by migrating the built registry into a
 * scratch database and renaming it into place, so that a half-made template is never cloned.
 */
export function templateDatabase(template: Template): Promise<string> {
  let name = made.get(template);
  if (!name) {
    name = makeTemplate(template);
    made.set(template, name);
    name.catch(() => made.delete(template));
  }
  return name;
}

async function makeTemplate(template: Template): Promise<string> {
  const name = `${templatePrefix(currentRunId())}${template}`;
  return withClient(pgAdminUrl(), async (admin) => {
    try {
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        const scratch = `${name}_making`;
        await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
        await createDatabase(scratch);
        const url = withDatabase(pgAdminUrl(), scratch);
        const report = await runMigrations({
          registry: await REGISTRIES[template](),
          dialect: await createDialect(url, silentLogger),
          mode: 'apply',
          logger: silentLogger,
        });
        if (!report.ok) throw new Error(`the ${template} template did not migrate: ${report.error?.message ?? 'unknown error'}`);
        await admin.query(`ALTER DATABASE ${scratch} RENAME TO ${name}`);
      }
      return name;
    } finally {
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
    }
  });
}
