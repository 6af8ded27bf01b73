import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigratorError, SQL_VARIANTS, checksumSql, readMigrationFiles, type Registry } from '@atlasai/migrator-core';
import type { PlaneDefinition } from './planes.js';

/** The repository root, for paths shown relative to it. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** How a registry's built files differ from its folder now. */
export interface BuildDifference {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

/**
 * The folder a plane's build is compared with: its `sql/` folder, or `ATLAS_<PLANE>_SQL_DIR` when set.
 * The variable exists for tests, which compare the real build with a copy of the folder instead of
 * dirtying the repository's own.
 */
export function sqlDirOf(plane: PlaneDefinition, env: Readonly<Record<string, string | undefined>>): string {
  return env[`ATLAS_${plane.registry.plane.toUpperCase()}_SQL_DIR`]?.trim() || plane.sqlDir;
}

/** Each file a registry embedded, with its checksum (a file shared by both dialects is listed once). */
function builtFiles(registry: Registry): Map<string, string> {
  const files = new Map<string, string>();
  for (const migration of registry.migrations)
    for (const variant of SQL_VARIANTS) files.set(migration.scripts[variant].file, migration.scripts[variant].checksum);
  return files;
}

/** What changed in `dir` since `registry` was built from it: files added, changed (by checksum) and removed. */
export async function buildDifference(registry: Registry, dir: string): Promise<BuildDifference> {
  const built = builtFiles(registry);
  const now = await readMigrationFiles(dir);
  const names = new Set(now.map((f) => f.fileName));
  return {
    added: now.filter((f) => !built.has(f.fileName)).map((f) => f.fileName),
    changed: now.filter((f) => built.has(f.fileName) && built.get(f.fileName) !== checksumSql(f.text)).map((f) => f.fileName),
    removed: [...built.keys()].filter((name) => !names.has(name)).sort(),
  };
}

function packageName(plane: PlaneDefinition): string {
  const manifest = JSON.parse(readFileSync(join(dirname(plane.sqlDir), 'package.json'), 'utf8')) as { name: string };
  return manifest.name;
}

function shown(dir: string): string {
  const path = relative(REPO_ROOT, dir);
  return path === '' || path.startsWith('..') || path.startsWith(sep) ? dir : path;
}

/**
 * Refuses a registry build older than its folder: the operator commands run the built registries, and a
 * migration added, edited or removed since the build would otherwise be silently left out (or run as it
 * was). REGISTRY_INVALID (exit 2), naming each file that differs and the one command that rebuilds.
 * A registry without its folder (a deployed build, which ships `dist/` only) has nothing to compare
 * with and is used as built. The services do not check at boot: they run from their build.
 */
export async function assertBuildsCurrent(planes: readonly PlaneDefinition[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const stale: { plane: PlaneDefinition; dir: string; difference: BuildDifference }[] = [];
  for (const plane of planes) {
    const dir = sqlDirOf(plane, env);
    if (dir === plane.sqlDir && !existsSync(dir)) continue;
    const difference = await buildDifference(plane.registry, dir);
    if (difference.added.length + difference.changed.length + difference.removed.length > 0) stale.push({ plane, dir, difference });
  }
  if (stale.length === 0) return;
  const lines = stale.flatMap(({ plane, dir, difference }) => [
    `The ${plane.registry.plane} registry's build is older than ${shown(dir)}; its files differ:`,
    ...difference.added.map((f) => `  added since the build:   ${f}`),
    ...difference.changed.map((f) => `  changed since the build: ${f}`),
    ...difference.removed.map((f) => `  removed since the build: ${f}`),
  ]);
  const filters = stale.map(({ plane }) => `--filter=${packageName(plane)}`).join(' ');
  lines.push(`Nothing was run. Rebuild, then run the command again: npx turbo run build ${filters}`);
  throw new MigratorError('REGISTRY_INVALID', lines.join('\n'));
}
