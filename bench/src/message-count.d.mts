export declare function logOffset(logFile: string | undefined): number | null;
export declare function logSince(logFile: string | undefined, from: number | null): string | null;
export declare function countLoggedMessages(logText: string, db: string): number;
/** A number, or 'unmeasured' when the log is missing or attributes no message to `db`. */
export declare function messagesPerMigration(logText: string | null | undefined, db: string, migrations: number): number | 'unmeasured';
