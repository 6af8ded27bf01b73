import { fileURLToPath } from 'node:url';
import { registry } from '@atlasai/tenant-migrations';
import { assertBuiltRegistryMatchesFolder } from '@atlasai/test-kit/built-registry';
import { describe, it } from 'vitest';

describe('the tenant registry as built', () => {
  it('carries the checksums and transaction modes its sql/ files give, computed at build time', () => {
    assertBuiltRegistryMatchesFolder(registry, fileURLToPath(new URL('../sql', import.meta.url)));
  });
});
