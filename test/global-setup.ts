import type { TestProject } from 'vitest/node';
import { setupPostgres } from '@atlasai/test-kit/global-setup';

/** The full tier's global setup (PostgreSQL and this run's template databases): see the test kit. */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupPostgres(project);
}
