// `pnpm turbo run migrate --filter=@atlasai/control-plane`: applies this plane's pending migrations (the
// operator command `npm run migrate:versioned -- --plane control`, with the same flags).
import { controlPlane, runOperatorCommand } from '@atlasai/planes';

process.exitCode = await runOperatorCommand('migrate', process.argv.slice(2), {
  planes: [controlPlane],
  name: 'npx turbo run migrate --filter=@atlasai/control-plane',
});
