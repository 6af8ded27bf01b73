import { redactUrl } from '@atlasai/migrator-core';
import type { ServiceApp, ServiceContext } from '@atlasai/plane-service';
import { openFleetAccess, type FleetAccess } from './access.js';
import { fleetApiRoutes } from './api-routes.js';
import { fleetPageRoutes } from './page-routes.js';

const messageOf = (error: unknown) => redactUrl(error instanceof Error ? error.message : String(error));

/**
 * The Control Plane's fleet: its API (header only), its page, and this replica's share of the work. The
 * fleet opens while the app gets ready (PostgreSQL only), so every replica works open runs from the
 * moment it listens; on shutdown it stops fetching as soon as close() begins (preClose), and is closed
 * before the app's database (boot closes the app, whose onClose hooks finish first, then the database).
 */
export function fleetPlugin<DB>(app: ServiceApp, context: ServiceContext<DB>): void {
  const secret = context.config.internalServiceSecret;
  app.register(async (scope: ServiceApp) => {
    // The fleet's caps and deadline are read where the CLI reads them: the environment (FLEET_*).
    const access: FleetAccess = await openFleetAccess(context.config, process.env, scope.log);
    const current = () => access;
    let closing: Promise<void> | undefined;
    const closeFleet = () =>
      (closing ??=
        access.kind === 'open'
          ? access.fleet.close().catch((error: unknown) => scope.log.error({ error: messageOf(error) }, 'fleet did not close cleanly'))
          : Promise.resolve());

    scope.addHook('onListen', async () => {
      if (access.kind !== 'open') return;
      // Not awaited: the worker loop lives as long as the service.
      access.fleet
        .work()
        .catch((error: unknown) => scope.log.error({ error: messageOf(error) }, 'fleet worker stopped: this replica no longer works open runs'));
      scope.log.info('fleet worker started: this replica works open runs');
    });
    scope.addHook('preClose', async () => {
      void closeFleet();
    });
    scope.addHook('onClose', async () => {
      await closeFleet();
    });

    fleetApiRoutes(scope, secret, current);
    fleetPageRoutes(scope, secret, current);
  });
}
