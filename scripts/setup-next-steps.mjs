// The end of `npm run setup`: where the two databases are and the three commands to try next. Loaded
// once the build is done (@atlasai/planes is one of the packages it builds).
import { pathToFileURL } from 'node:url';

const planes = await import('@atlasai/planes');
const { redactUrl } = await import('@atlasai/migrator-core');

/** The lines, for the planes' URLs in `env` (after the repository's .env, as the operator commands read them). */
export function nextSteps(env) {
  const where = planes.PLANES.map((p) => {
    const url = planes.planeUrl(p, env);
    const how = env[p.urlVariable]?.trim() ? `from ${p.urlVariable}` : `SQLite default; set ${p.urlVariable} for PostgreSQL`;
    return `  ${`${p.registry.plane} plane`.padEnd(15)}${redactUrl(url)}  (${how})`;
  });
  const tenant = planes.tenantPlane.registry.plane;
  return [
    '',
    'Setup complete. The two databases, migrated:',
    ...where,
    'Try next:',
    ...[
      ['npm run migrate:status', 'every migration of both planes and its state'],
      [`node apps/${tenant}-plane/dist/main.js`, 'start the Tenant Plane service on port 3000 (GET /api/health)'],
      [`npm run migrate:new -- ${tenant} add_my_table`, 'add a migration: edit its two files, then npm run build and npm run migrate:versioned'],
    ].map(([command, what]) => `  ${command.padEnd(46)}${what}`),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  planes.loadDotenv(process.env);
  console.log(nextSteps(process.env).join('\n'));
}
