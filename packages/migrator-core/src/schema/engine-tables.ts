/**
 * The tables the engine itself creates in a plane's schema: the history, and the audit trail `baseline`
 * and `repair` append to. They are the engine's, never a registry's, so the catalog readers leave them
 * (and whatever hangs off them: columns, keys, indexes, an owned sequence) out of every comparison. The
 * dialects create them; add any new one here.
 */
export const ENGINE_TABLES: readonly string[] = ['schema_migrations', 'schema_migrations_audit'];
