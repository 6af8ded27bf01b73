// `pnpm turbo run migrate --filter=@atlasai/tenant-plane`: applies this plane's pending migrations (the
// operator command `npm run migrate:versioned -- --plane tenant`, with the same flags).
import { tenantPlane, runOperatorCommand } from '@atlasai/planes';

process.exitCode = await runOperatorCommand('migrate', process.argv.slice(2), {
  planes: [tenantPlane],
  name: 'npx turbo run migrate --filter=@atlasai/tenant-plane',
});
