import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORD, UNSUPPORTED } from '@atlasai/test-kit';
import { startService, stopAllServices } from '@atlasai/test-kit/service';

afterEach(stopAllServices);

describe("the service's fatal configuration log, for a URL in a scheme the engine does not speak", () => {
  it.each(UNSUPPORTED)('%s, as the plane URL and as MIGRATION_DATABASE_URL: exit 2, nothing of the userinfo logged', async (_scheme, url, shown) => {
    const service = startService('tenant', {
      TENANT_PLANE_DATABASE_URL: url,
      MIGRATION_DATABASE_URL: url,
      INTERNAL_SERVICE_SECRET: 'a-long-enough-internal-secret',
    });
    expect(await service.exited).toBe(2);
    expect(service.lines()).toEqual([
      expect.objectContaining({
        level: 60,
        msg: 'invalid configuration',
        problems: [
          `TENANT_PLANE_DATABASE_URL: Unsupported database URL ${shown}: expected postgres://, postgresql://, sqlite:<path>, file:<path> or a file path`,
          `MIGRATION_DATABASE_URL: Unsupported database URL ${shown}: expected postgres://, postgresql://, sqlite:<path>, file:<path> or a file path`,
        ],
      }),
    ]);
    for (const piece of [PASSWORD, ...PASSWORD.split(/[ "']/)]) expect(service.output()).not.toContain(piece);
    expect(service.output()).not.toContain('atlas:');
  });
});
