-- 2012 add_gin_index_log_entries (SQLite)
-- Full-text search over collected log lines. SQLite has no GIN indexes, so
-- the PostgreSQL GIN index on to_tsvector('english', message) is mirrored by
-- an FTS5 external-content index over log_entries.message, kept in sync by
-- triggers. Query it with:
--   SELECT l.* FROM log_entries_fts f JOIN log_entries l ON l.id = f.rowid
--   WHERE log_entries_fts MATCH ? AND l.tenant_id = ?
-- SQLite runs this migration inside a transaction as usual: nothing here
-- needs to run outside one.

-- id is an INTEGER PRIMARY KEY, i.e. an alias of rowid. The FTS index refers
-- to rows by rowid, and an implicit rowid may be renumbered by VACUUM, which
-- would silently point the index at the wrong rows.
-- Log lines are immutable apart from redaction: no updated_at.
CREATE TABLE IF NOT EXISTS log_entries (
    id         INTEGER PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    host_id    TEXT REFERENCES hosts (id) ON DELETE SET NULL,
    -- Emitting service, file or stream.
    source     TEXT NOT NULL,
    level      TEXT NOT NULL DEFAULT 'info' CHECK (level IN ('trace', 'debug', 'info', 'warn', 'error', 'fatal')),
    message    TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
    trace_id   TEXT,
    -- When the line was written at the source, as opposed to ingested.
    logged_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX IF NOT EXISTS idx_log_entries_tenant_logged_at ON log_entries (tenant_id, logged_at);
CREATE INDEX IF NOT EXISTS idx_log_entries_tenant_level_logged_at ON log_entries (tenant_id, level, logged_at);
CREATE INDEX IF NOT EXISTS idx_log_entries_host_id ON log_entries (host_id);
-- Only a minority of lines carry a trace id.
CREATE INDEX IF NOT EXISTS idx_log_entries_trace_id ON log_entries (trace_id) WHERE trace_id IS NOT NULL;

-- External content: the index stores only tokens, the text stays in
-- log_entries. The porter stemmer approximates PostgreSQL's 'english'
-- configuration, so "failed" also matches "failing" as it does there.
CREATE VIRTUAL TABLE IF NOT EXISTS log_entries_fts USING fts5(
    message,
    content = 'log_entries',
    content_rowid = 'rowid',
    tokenize = 'porter unicode61'
);

CREATE TRIGGER IF NOT EXISTS log_entries_fts_after_insert AFTER INSERT ON log_entries
BEGIN
    INSERT INTO log_entries_fts (rowid, message) VALUES (new.rowid, new.message);
END;

-- An external-content FTS5 table cannot look up the old text itself, so the
-- delete command has to be given the exact old values.
CREATE TRIGGER IF NOT EXISTS log_entries_fts_after_delete AFTER DELETE ON log_entries
BEGIN
    INSERT INTO log_entries_fts (log_entries_fts, rowid, message) VALUES ('delete', old.rowid, old.message);
END;

-- Redaction rewrites message. Deindex the old text, index the new.
CREATE TRIGGER IF NOT EXISTS log_entries_fts_after_update AFTER UPDATE ON log_entries
BEGIN
    INSERT INTO log_entries_fts (log_entries_fts, rowid, message) VALUES ('delete', old.rowid, old.message);
    INSERT INTO log_entries_fts (rowid, message) VALUES (new.rowid, new.message);
END;

-- Index rows that existed before the triggers did. Rebuilding from the
-- content table is idempotent, so a re-run is harmless.
INSERT INTO log_entries_fts (log_entries_fts) VALUES ('rebuild');
