import { fileURLToPath } from 'node:url';
import { registry } from '@atlasai/tenant-migrations';
import { snapshotProofs } from '@atlasai/test-kit/registry-proofs';

snapshotProofs(registry, fileURLToPath(new URL('..', import.meta.url)));
