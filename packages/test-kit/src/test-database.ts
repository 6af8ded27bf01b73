/** A real database a test owns, in either dialect, with just enough access to inspect it. */
export interface TestDatabase {
  readonly dialect: 'postgres' | 'sqlite';
  readonly url: string;
  /** Runs SQL and returns the rows (both dialects; SQLite statements without rows return []). */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Tables, columns (type, nullability, default) and indexes, as one comparable text. */
  catalog(): Promise<string>;
  tableExists(name: string): Promise<boolean>;
  columns(table: string): Promise<string[]>;
  drop(): Promise<void>;
}
