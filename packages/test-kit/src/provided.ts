// What the global setup provides to every test of the full tier (vitest's inject).
declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of a real PostgreSQL server; tests create their own databases on it. */
    pgAdminUrl: string;
    /** Names this run's template databases (see templates.ts), so that its teardown drops them. */
    pgRunId: string;
    /** The run's tablespace in memory (memory.ts), where every test database is made; '' for none. */
    pgTablespace: string;
  }
}

export {};
