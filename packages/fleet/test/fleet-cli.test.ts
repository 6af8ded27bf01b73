import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationFolder } from '@atlasai/test-kit';
import { FLEET_SCRIPT, fleetInProcess, fleetProcess } from './fleet-process.js';
import { createFleetWorld, historyOf, type FleetWorld } from './fleet-support.js';

const STATES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'timed_out', 'unreachable', 'skipped', 'cancelled'];
const PLAIN_LINE = /^\[fleet [0-9a-f]{8}\] apply (running|succeeded)(, wave \S+)?: [a-z_ 0-9,]+ \((-|[\d.]+)\/min, ETA (-|\d+ s)\)$/;

/**
 * The fleet CLI as operators run it: `node scripts/migrate-fleet.mjs` (what `npm run migrate:fleet --` runs),
 * and the full list of its usage and configuration errors through `fleetMain`, what that script calls.
 */
describe('the fleet CLI, as a process', () => {
  let world: FleetWorld;
  let env: Record<string, string>;
  beforeAll(async () => {
    world = await createFleetWorld();
    const release = migrationFolder({ '2001_work.sql': 'CREATE TABLE work (id integer);\nSELECT pg_sleep(0.3);\n' });
    env = { CONTROL_PLANE_DATABASE_URL: world.controlUrl, FLEET_REGISTRY_DIR: release, FLEET_MAX_PER_REPLICA: '2', FLEET_REPLICA_ID: 'cli' };
  });
  afterAll(async () => {
    await world.drop();
  });
  const cli = (args: string[], more: Record<string, string> = {}) => fleetProcess(args, { ...env, ...more }).exited;

  it('run, piped: plain progress lines on stderr, never the same line twice in a row; the summary on stdout; exit 0', async () => {
    const tenants = await Promise.all([world.addTenant({ tags: ['internal'] }), ...Array.from({ length: 4 }, () => world.addTenant())]);
    const end = await cli(['run', '--waves', 'canary=tag:internal,100%']);
    expect(end.code, end.stderr).toBe(0);
    const lines = end.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).toMatch(PLAIN_LINE);
    for (let i = 1; i < lines.length; i++) expect(lines[i]).not.toBe(lines[i - 1]);
    expect(lines.some((l) => l.includes('wave canary'))).toBe(true);
    expect(end.stdout).toMatch(/^\[fleet [0-9a-f]{8}\] apply succeeded: succeeded 5 \([\d.]+\/min, ETA 0 s\)\n$/);
    for (const t of tenants) expect(await historyOf(world, t.database)).toEqual([2001]);
    await world.control(`UPDATE tenants SET status = 'deleted' WHERE id = ANY ($1)`, [tenants.map((t) => t.id)]);
  }, 60_000);

  it('--json everywhere: run (detached), watch, status, pause of a finished run, with schemaVersion and the documented keys', async () => {
    const tenant = await world.addTenant();
    const created = await cli(['run', '--detach', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const run = JSON.parse(created.stdout) as { id: string };
    expect(run).toMatchObject({ schemaVersion: 1, mode: 'apply', state: 'running', total: 1, finishedAt: null });
    expect(Object.keys((run as unknown as { counts: object }).counts)).toEqual(STATES);
    const watched = await cli(['watch', run.id, '--json']);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stderr).toBe('');
    expect(JSON.parse(watched.stdout)).toMatchObject({
      schemaVersion: 1,
      id: run.id,
      state: 'succeeded',
      items: [{ tenantId: tenant.id, state: 'succeeded', attempts: 1, version: 2001, pending: 0 }],
    });
    const status = await cli(['status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ schemaVersion: 1, byState: { current: 1 }, liveRuns: [], lastRun: { id: run.id } });
    const refused = await cli(['pause', run.id, '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({
      schemaVersion: 1,
      error: { code: 'FLEET_INVALID_TRANSITION', message: `Cannot pause run ${run.id}: it is succeeded` },
    });
    const missing = await cli(['cancel', 'feedf00d', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ schemaVersion: 1, error: { code: 'FLEET_RUN_NOT_FOUND' } });
    await world.control(`UPDATE tenants SET status = 'deleted' WHERE id = $1`, [tenant.id]);
  }, 60_000);

  it('usage and configuration errors exit 2, with the error as JSON under --json', async () => {
    // The process's own answer for one case of each kind; the whole list below, in process.
    const usage = await cli(['stauts']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^migrate:fleet: unknown command 'stauts'\n\(Did you mean status\?\)/);
    const config = await cli(['status', '--json'], { FLEET_MAX_PER_HOST: '0' });
    expect(config.code).toBe(2);
    expect(JSON.parse(config.stdout)).toMatchObject({ schemaVersion: 1, error: { code: 'CONFIG_INVALID' } });
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['run', 'plan', 'scan', 'status', 'watch', 'pause', 'resume', 'retry', 'cancel'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  }, 60_000);

  it('every usage and configuration error: exit 2, its message on stderr, and as JSON under --json (fleetMain, in process)', async () => {
    const inProcess = (args: string[], more: Record<string, string> = {}) => fleetInProcess(args, { ...env, ...more });
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[], {}, /a command is needed/],
      [['stauts'], {}, /unknown command 'stauts'\n\(Did you mean status\?\)/],
      [['watch'], {}, /missing required argument 'run-id'/],
      [['run', '--failure-budget', '3'], {}, /--failure-budget <fraction>' argument '3' is invalid/],
      [['run', '--bogus'], {}, /unknown option '--bogus'/],
      [['status'], { FLEET_MAX_PER_HOST: '0' }, /FLEET_MAX_PER_HOST must be a whole number of at least 1, got "0"/],
      [['status'], { CONTROL_PLANE_DATABASE_URL: 'sqlite:data/control.db' }, /need the Control Plane on PostgreSQL/],
      [['run', '--waves', '10%,50%'], {}, /./],
    ];
    for (const [args, more, message] of cases) {
      const text = await inProcess(args, more);
      expect([args, text.code]).toEqual([args, 2]);
      expect(text.stderr).toMatch(message);
      expect(text.stderr).toMatch(/^migrate:fleet: /);
      if (args.length === 0) continue;
      const json = await inProcess([...args, '--json'], more);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({
        schemaVersion: 1,
        error: { code: expect.stringMatching(/^(USAGE|CONFIG_INVALID|FLEET_REQUIRES_POSTGRES|FLEET_INVALID_SPEC)$/), message: expect.any(String) },
      });
    }
  }, 120_000);

  it('run on a terminal: a live cli-progress bar with the run, its counts by state, throughput and ETA', async () => {
    const tenants = await Promise.all(Array.from({ length: 4 }, () => world.addTenant()));
    // util-linux `script` gives the CLI a pseudo-terminal; what the terminal showed comes back on stdout.
    const shown = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('script', ['-qfec', `${process.execPath} ${FLEET_SCRIPT} run`, '/dev/null'], {
        env: { ...process.env, ...env, ATLAS_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(shown.code, shown.out).toBe(0);
    // The bar redraws in place (a carriage return or cursor movement), then the summary line is printed.
    expect(shown.out).toMatch(/fleet [0-9a-f]{8} running wave 100% \[[█░]{40}\] \d\/4 \| [a-z_ 0-9,]+ \| (-|[\d.]+)\/min, ETA (-|\d+ s)/);
    expect(shown.out).toMatch(/fleet [0-9a-f]{8} succeeded \[█{40}\] 4\/4 \| succeeded 4 \|/);
    expect(shown.out.includes('\r') || shown.out.includes(String.fromCharCode(27))).toBe(true);
    expect(shown.out).toMatch(/\[fleet [0-9a-f]{8}\] apply succeeded: succeeded 4/);
    for (const t of tenants) expect(await historyOf(world, t.database)).toEqual([2001]);
  }, 60_000);
});
