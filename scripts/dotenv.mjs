// The root scripts read the repository root's .env, as dbmate and Prisma do (the published atlas-migrate
// does not): a variable already set, even empty, wins. ATLAS_ENV_FILE names another file; ATLAS_DOTENV=0
// turns the read off (the test harness does, so a developer's .env never reaches a test).
import { readScriptDotenv } from '@atlasai/planes';

/** Reads .env into process.env; null (after saying why on stderr) when a named file cannot be read. */
export function dotenvForScript() {
  return readScriptDotenv(process.env, process.stderr);
}
