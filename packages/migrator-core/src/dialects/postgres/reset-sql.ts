import type { SessionContext } from './session-context.js';

/**
 * The reset's statements. `mark`: a batch's timestamp column (batch.ts) ends them, in the same SELECT
 * that puts the stamped `application_name` back: a batch of 5,000 migrations runs 5,000 statements fewer.
 */
export function resetSql(ctx: Pick<SessionContext, 'client' | 'settingsSql'>, applicationName: string | undefined, mark?: string): string {
  const { client } = ctx;
  const columns = [
    ...(mark === undefined ? [] : [mark]),
    ...(applicationName === undefined ? [] : [`set_config('application_name', ${client.escapeLiteral(applicationName)}, false)`]),
  ];
  const again = [...ctx.settingsSql, ...(columns.length > 0 ? [`SELECT ${columns.join(', ')}`] : [])].map((sql) => `; ${sql}`).join('');
  return `SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; DEALLOCATE ALL; UNLISTEN *; DISCARD PLANS; DISCARD SEQUENCES; DISCARD TEMP${again}`;
}
