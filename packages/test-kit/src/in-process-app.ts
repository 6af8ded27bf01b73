import { createServiceLogger, openDatabase, type ServiceApp, type ServiceConfig, type ServiceDeps } from '@atlasai/plane-service';

/** An app built with `createApp` and listening on a port the OS picks: for cases that need no boot. */
export interface InProcessApp {
  readonly url: string;
  readonly app: ServiceApp;
  close(): Promise<void>;
}

export async function listenApp<DB>(
  loadConfig: (env: Record<string, string>) => ServiceConfig,
  createApp: (deps: ServiceDeps<DB>) => ServiceApp,
  env: Record<string, string>,
): Promise<InProcessApp> {
  const config = loadConfig(env);
  const logger = createServiceLogger('silent');
  const database = await openDatabase<DB>(config, logger);
  const app = createApp({ config, database, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
