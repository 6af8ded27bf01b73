import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = '@atlasai/migrator-core';

/**
 * The range of a peer dependency as this package's own package.json declares it, read when it is asked
 * for (only when a driver is missing), so that the install hint and the manifest cannot disagree. The
 * package.json is the nearest one above this module that names the package: `dist/` once built, `src/`
 * under the tests. `undefined` when none is found or it declares no such peer.
 */
export function peerRange(driver: string, from: string = import.meta.url): string | undefined {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; peerDependencies?: Record<string, string> };
      if (manifest.name === PACKAGE_NAME) return manifest.peerDependencies?.[driver];
    } catch {
      // No package.json here (or not one to read): look further up.
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The command that installs a missing driver: its peer range quoted for the shell (`^`, `<`, `>` and spaces). */
export function installCommand(driver: string, range: string | undefined = peerRange(driver)): string {
  return range === undefined ? `npm install ${driver}` : `npm install '${driver}@${range}'`;
}
