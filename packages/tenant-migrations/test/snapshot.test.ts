import { fileURLToPath } from 'node:url';
import { registry } from '@atlasai/tenant-migrations';
import { snapshotProofs } from '../../../test/support/snapshot-proofs.js';

snapshotProofs(registry, fileURLToPath(new URL('..', import.meta.url)));
