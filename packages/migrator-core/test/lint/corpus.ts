/**
 * The linter's snippet corpus: safe and unsafe migrations for both dialects, each with the findings it
 * must produce as `rule@line:column`. `squawk` records, for PostgreSQL snippets, every place where
 * squawk-cli's verdict on an equivalent rule differs from ours on purpose, and why.
 */
export interface Snippet {
  readonly name: string;
  readonly dialect: 'postgres' | 'sqlite';
  readonly sql: string;
  readonly expected: readonly string[];
  /** squawk rule name → why our verdict differs from squawk's on this snippet. */
  readonly squawk?: Readonly<Record<string, string>>;
}

const lines = (...l: string[]) => `${l.join('\n')}\n`;

const IN_DO_BLOCK = 'squawk does not look inside DO blocks; we lint PL/pgSQL bodies with libpg-query';
/** squawk asks removals for IF EXISTS (prefer-robust-stmts); for us the removal itself is the error, and IF EXISTS would not excuse it. */
const ROBUST_REMOVAL = 'squawk asks for IF EXISTS on a removal or rename; we report the removal itself, which IF EXISTS would not make additive';
const NEW_TABLE_INDEX = 'the table is created by this migration, so it is empty and nobody writes to it yet: a plain index blocks nothing';

/** A long file: 200 safe statements, then one violation on line 203. */
const LONG_FILE = lines(
  '-- a long migration: 200 idempotent columns, then a mistake near the end',
  'CREATE TABLE IF NOT EXISTS wide (id bigint PRIMARY KEY);',
  ...Array.from({ length: 200 }, (_, i) => `ALTER TABLE wide ADD COLUMN IF NOT EXISTS c${i} text;`),
  'ALTER TABLE users DROP COLUMN legacy_flag;',
);

export const POSTGRES_SNIPPETS: readonly Snippet[] = [
  {
    name: 'create table if not exists',
    dialect: 'postgres',
    sql: lines('CREATE TABLE IF NOT EXISTS widgets (id bigint PRIMARY KEY, name text NOT NULL);'),
    expected: [],
  },
  {
    name: 'create table without if not exists',
    dialect: 'postgres',
    sql: lines('CREATE TABLE widgets (id bigint PRIMARY KEY);'),
    expected: ['non-idempotent-create@1:1'],
  },
  {
    name: 'drop table',
    dialect: 'postgres',
    sql: lines('DROP TABLE widgets;'),
    expected: ['drop-table@1:1'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  { name: 'drop table if exists is still a removal', dialect: 'postgres', sql: lines('DROP TABLE IF EXISTS widgets;'), expected: ['drop-table@1:1'] },
  {
    name: 'drop column',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users DROP COLUMN email;'),
    expected: ['drop-column@1:1'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  {
    name: 'drop column, lower case and quoted mixed case',
    dialect: 'postgres',
    sql: lines('alter table "Users" drop column "Email";'),
    expected: ['drop-column@1:1'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  {
    name: 'drop constraint',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;'),
    expected: ['drop-constraint@1:1'],
  },
  { name: 'drop index', dialect: 'postgres', sql: lines('DROP INDEX IF EXISTS ix_users_email;'), expected: ['drop-index@1:1'] },
  {
    name: 'drop type, view, schema, function',
    dialect: 'postgres',
    sql: lines('DROP TYPE mood;', 'DROP VIEW active_users;', 'DROP SCHEMA reporting;', 'DROP FUNCTION touch_updated_at();'),
    expected: ['drop-object@1:1', 'drop-object@2:1', 'drop-object@3:1', 'drop-object@4:1'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  { name: 'truncate', dialect: 'postgres', sql: lines('TRUNCATE audit_log;'), expected: ['truncate@1:1'] },
  {
    name: 'rename table',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users RENAME TO accounts;'),
    expected: ['rename-table@1:1'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  {
    name: 'rename column',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users RENAME COLUMN email TO email_address;'),
    expected: ['rename-column@1:1'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  {
    name: 'alter column type',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users ALTER COLUMN age TYPE bigint;'),
    expected: ['alter-column-type@1:1'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  {
    name: 'set not null on an existing column',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users ALTER COLUMN email SET NOT NULL;'),
    expected: ['set-not-null@1:1'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  {
    name: 'add not null column without default',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users ADD COLUMN IF NOT EXISTS plan text NOT NULL;'),
    expected: ['not-null-without-default@1:1'],
  },
  {
    name: 'add not null column with a constant default',
    dialect: 'postgres',
    sql: lines("ALTER TABLE users ADD COLUMN IF NOT EXISTS plan text NOT NULL DEFAULT 'free';"),
    expected: [],
  },
  {
    name: 'add column without if not exists',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users ADD COLUMN nickname text;'),
    expected: ['non-idempotent-add-column@1:1'],
  },
  { name: 'update without where', dialect: 'postgres', sql: lines("UPDATE users SET plan = 'free';"), expected: ['update-without-where@1:1'] },
  { name: 'update with where', dialect: 'postgres', sql: lines("UPDATE users SET plan = 'free' WHERE plan IS NULL;"), expected: [] },
  { name: 'delete without where', dialect: 'postgres', sql: lines('DELETE FROM sessions;'), expected: ['delete-without-where@1:1'] },
  {
    name: 'plain create index on an existing table, not idempotent',
    dialect: 'postgres',
    sql: lines('CREATE INDEX ix_users_email ON users (email);'),
    expected: ['blocking-create-index@1:1', 'non-idempotent-create@1:1'],
  },
  {
    name: 'plain index on a table the migration creates',
    dialect: 'postgres',
    sql: lines('CREATE TABLE IF NOT EXISTS widgets (id bigint PRIMARY KEY, owner text);', 'CREATE INDEX IF NOT EXISTS ix_widgets_owner ON widgets (owner);'),
    expected: [],
    squawk: { 'require-concurrent-index-creation': NEW_TABLE_INDEX },
  },
  {
    name: 'schema, extension, sequence, view without if not exists / or replace',
    dialect: 'postgres',
    sql: lines(
      'CREATE SCHEMA reporting;',
      'CREATE EXTENSION pgcrypto;',
      'CREATE SEQUENCE invoice_numbers;',
      'CREATE VIEW active_users AS SELECT * FROM users WHERE active;',
    ),
    expected: ['non-idempotent-create@1:1', 'non-idempotent-create@2:1', 'non-idempotent-create@3:1', 'non-idempotent-create@4:1'],
    squawk: { 'prefer-robust-stmts': 'squawk does not ask for IF NOT EXISTS on CREATE SCHEMA, EXTENSION, SEQUENCE or OR REPLACE on CREATE VIEW' },
  },
  {
    name: 'schema, extension, sequence, view in their idempotent forms',
    dialect: 'postgres',
    sql: lines(
      'CREATE SCHEMA IF NOT EXISTS reporting;',
      'CREATE EXTENSION IF NOT EXISTS pgcrypto;',
      'CREATE SEQUENCE IF NOT EXISTS invoice_numbers;',
      'CREATE OR REPLACE VIEW active_users AS SELECT 1 AS one;',
    ),
    expected: [],
  },
  {
    name: 'add constraint outside a guard',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0) NOT VALID;'),
    expected: ['unguarded-add-constraint@1:1'],
  },
  {
    name: 'add constraint NOT VALID inside an existence guard',
    dialect: 'postgres',
    sql: lines(
      'DO $$',
      'BEGIN',
      '    IF NOT EXISTS (',
      "        SELECT 1 FROM pg_constraint WHERE conname = 'users_age_check' AND conrelid = 'users'::regclass",
      '    ) THEN',
      '        ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0) NOT VALID;',
      '    END IF;',
      'END',
      '$$;',
    ),
    expected: [],
  },
  {
    name: 'guarded foreign key without NOT VALID on an existing table',
    dialect: 'postgres',
    sql: lines(
      'DO $$',
      'BEGIN',
      "    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = 'orders_user_fkey') THEN",
      '        ALTER TABLE orders ADD CONSTRAINT orders_user_fkey FOREIGN KEY (user_id) REFERENCES users (id);',
      '    END IF;',
      'END',
      '$$;',
    ),
    expected: ['constraint-without-not-valid@4:9'],
    squawk: { 'constraint-missing-not-valid': IN_DO_BLOCK },
  },
  {
    name: 'unguarded foreign key without NOT VALID',
    dialect: 'postgres',
    sql: lines('ALTER TABLE orders ADD CONSTRAINT orders_user_fkey FOREIGN KEY (user_id) REFERENCES users (id);'),
    expected: ['constraint-without-not-valid@1:1', 'unguarded-add-constraint@1:1'],
  },
  { name: 'create type outside a guard', dialect: 'postgres', sql: lines("CREATE TYPE mood AS ENUM ('happy', 'sad');"), expected: ['unguarded-create@1:1'] },
  {
    name: 'create type guarded by a duplicate_object handler',
    dialect: 'postgres',
    sql: lines('DO $$ BEGIN', "    CREATE TYPE mood AS ENUM ('happy', 'sad');", 'EXCEPTION WHEN duplicate_object THEN NULL;', 'END $$;'),
    expected: [],
  },
  {
    name: 'create table guarded by to_regclass',
    dialect: 'postgres',
    sql: lines(
      'DO $$ BEGIN',
      "    IF to_regclass('public.widgets') IS NULL THEN",
      '        CREATE TABLE widgets (id bigint PRIMARY KEY);',
      '    END IF;',
      'END $$;',
    ),
    expected: [],
  },
  {
    name: 'create trigger without or replace, then with',
    dialect: 'postgres',
    sql: lines(
      'CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch_updated_at();',
      'CREATE OR REPLACE TRIGGER users_touch2 BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch_updated_at();',
    ),
    expected: ['unguarded-create@1:1'],
  },
  {
    name: 'drop table hidden in a DO block',
    dialect: 'postgres',
    sql: lines('-- looks harmless', 'DO $$', 'BEGIN', '    RAISE NOTICE $m$cleaning up$m$;', '    DROP TABLE legacy_sessions;', 'END', '$$;'),
    expected: ['drop-table@5:5'],
    squawk: { 'ban-drop-table': IN_DO_BLOCK },
  },
  {
    name: 'truncate hidden in a constant EXECUTE',
    dialect: 'postgres',
    sql: lines("DO $$ BEGIN EXECUTE 'TRUNCATE audit_log'; END $$;"),
    expected: ['truncate@1:21'],
  },
  {
    name: 'computed EXECUTE cannot be checked',
    dialect: 'postgres',
    sql: lines('DO $$', 'BEGIN', "    EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS note text', 'users');", 'END $$;'),
    expected: ['dynamic-sql@3:5'],
  },
  {
    name: 'unguarded create inside a DO block is still not idempotent',
    dialect: 'postgres',
    sql: lines('DO $$', 'BEGIN', '    CREATE TABLE widgets (id bigint);', 'END $$;'),
    expected: ['non-idempotent-create@3:5'],
    squawk: { 'prefer-robust-stmts': IN_DO_BLOCK },
  },
  {
    name: 'concurrently without the no-transaction marker',
    dialect: 'postgres',
    sql: lines('CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_email ON users (email);'),
    expected: ['concurrently-in-transaction@1:1'],
    squawk: {
      'ban-concurrent-index-creation-in-transaction':
        'squawk only knows a transaction it can see (BEGIN, or --assume-in-transaction); our engine wraps every unmarked migration in one',
    },
  },
  {
    name: 'concurrently in a no-transaction migration',
    dialect: 'postgres',
    sql: lines('-- atlas:no-transaction', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_email ON users (email);'),
    expected: [],
  },
  {
    name: 'no-transaction migration with a statement that is not idempotent alone',
    dialect: 'postgres',
    sql: lines(
      '-- atlas:no-transaction',
      "INSERT INTO plans (code) VALUES ('free');",
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_plans_code ON plans (code);',
    ),
    expected: ['no-transaction-not-idempotent@2:1'],
  },
  {
    name: 'no-transaction migration with idempotent statements only',
    dialect: 'postgres',
    sql: lines(
      '-- atlas:no-transaction',
      "INSERT INTO plans (code) VALUES ('free') ON CONFLICT DO NOTHING;",
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_plans_code ON plans (code);',
    ),
    expected: [],
  },
  {
    name: 'volatile default on a new column',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();'),
    expected: ['volatile-default@1:1'],
  },
  {
    name: 'stable default on a new column',
    dialect: 'postgres',
    sql: lines('ALTER TABLE users ADD COLUMN IF NOT EXISTS seen_at timestamptz DEFAULT now();'),
    expected: [],
  },
  {
    name: 'new foreign key column without an index',
    dialect: 'postgres',
    sql: lines('CREATE TABLE IF NOT EXISTS orders (', '    id bigint PRIMARY KEY,', '    user_id bigint REFERENCES users (id)', ');'),
    expected: ['foreign-key-without-index@1:1'],
  },
  {
    name: 'new foreign key column with its index',
    dialect: 'postgres',
    sql: lines(
      'CREATE TABLE IF NOT EXISTS orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));',
      'CREATE INDEX IF NOT EXISTS ix_orders_user_id ON orders (user_id);',
    ),
    expected: [],
    squawk: { 'require-concurrent-index-creation': NEW_TABLE_INDEX },
  },
  {
    name: 'a migration may drop and alter what it created itself',
    dialect: 'postgres',
    sql: lines(
      'CREATE TABLE IF NOT EXISTS import_batch (id int, note text);',
      'CREATE INDEX IF NOT EXISTS ix_import_batch_note ON import_batch (note);',
      'ALTER TABLE import_batch ALTER COLUMN id TYPE bigint, ALTER COLUMN id SET NOT NULL;',
      'ALTER TABLE users ADD COLUMN IF NOT EXISTS import_note text;',
      'ALTER TABLE users RENAME COLUMN import_note TO import_remark;',
      'DROP INDEX IF EXISTS ix_import_batch_note;',
      'DELETE FROM import_batch;',
      'DROP TABLE IF EXISTS import_batch;',
    ),
    expected: [],
    squawk: {
      'changing-column-type': 'the table is created by this migration, so nothing can depend on its column type yet',
      'adding-not-nullable-field': 'the table is created by this migration, so it has no rows and no readers yet',
      'renaming-column': 'the column is added by this migration, so no deployed code uses its name yet',
      'ban-drop-table': 'the table is created by this migration: dropping it removes nothing that existed before',
      'require-concurrent-index-creation': NEW_TABLE_INDEX,
      'prefer-robust-stmts': 'squawk asks for IF EXISTS on the alter, rename and drop; all of them touch objects this migration created, which we allow',
    },
  },
  {
    name: 'finding after line and block comments',
    dialect: 'postgres',
    sql: lines('-- 2019 remove the legacy flag', '/* a block comment', '   over two lines */', '   ALTER TABLE users DROP COLUMN legacy_flag;'),
    expected: ['drop-column@4:4'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  {
    name: 'finding at the end of a long file',
    dialect: 'postgres',
    sql: LONG_FILE,
    expected: ['drop-column@203:1'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  {
    name: 'quoted mixed-case names are distinct from folded ones',
    dialect: 'postgres',
    sql: lines('CREATE TABLE IF NOT EXISTS "Orders" ("Id" int);', 'ALTER TABLE "Orders" DROP COLUMN "Id";', 'ALTER TABLE Orders DROP COLUMN Id;'),
    expected: ['drop-column@3:1'],
    squawk: {
      'ban-drop-column': 'the first DROP COLUMN is on the table this migration created ("Orders"); only the folded orders.id is a removal',
      'prefer-robust-stmts': ROBUST_REMOVAL,
    },
  },
  {
    // libpg-query gives UTF-8 byte offsets; columns count UTF-16 units like the engine's own error positions.
    name: 'multibyte text before the statement (byte offsets)',
    dialect: 'postgres',
    sql: lines("SELECT 'Überprüfung 🚀'; DROP TABLE t;"),
    expected: ['drop-table@1:26'],
    squawk: { 'prefer-robust-stmts': ROBUST_REMOVAL },
  },
  {
    name: 'delete without where inside a function body',
    dialect: 'postgres',
    sql: lines('CREATE OR REPLACE FUNCTION purge_sessions() RETURNS void LANGUAGE plpgsql AS $$', 'BEGIN', '    DELETE FROM sessions;', 'END', '$$;'),
    expected: ['delete-without-where@3:5'],
  },
  { name: 'syntax error', dialect: 'postgres', sql: lines('CREATE TABLE IF NOT EXISTS (;'), expected: ['syntax-error@1:28'] },
  {
    name: 'enum value without and with if not exists',
    dialect: 'postgres',
    sql: lines("ALTER TYPE mood ADD VALUE 'meh';", "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok';"),
    expected: ['non-idempotent-create@1:1'],
    squawk: { 'prefer-robust-stmts': 'squawk does not ask for IF NOT EXISTS on ALTER TYPE … ADD VALUE, which fails on a re-run without it' },
  },
];

export const SQLITE_SNIPPETS: readonly Snippet[] = [
  {
    name: 'sqlite: idempotent creates and add column',
    dialect: 'sqlite',
    sql: lines(
      'CREATE TABLE IF NOT EXISTS widgets (id INTEGER PRIMARY KEY, owner TEXT);',
      'CREATE INDEX IF NOT EXISTS ix_widgets_owner ON widgets (owner);',
      'ALTER TABLE widgets ADD COLUMN note TEXT;',
    ),
    expected: [],
  },
  {
    name: 'sqlite: create table without if not exists',
    dialect: 'sqlite',
    sql: lines('CREATE TABLE widgets (id INTEGER PRIMARY KEY);'),
    expected: ['non-idempotent-create@1:1'],
  },
  {
    name: 'sqlite: index, view and trigger without if not exists',
    dialect: 'sqlite',
    sql: lines(
      'CREATE UNIQUE INDEX ux_users_email ON users (email);',
      'CREATE VIEW active_users AS SELECT * FROM users WHERE active = 1;',
      'CREATE TRIGGER users_touch AFTER UPDATE ON users',
      'BEGIN',
      '    UPDATE users SET updated_at = CURRENT_TIMESTAMP WHERE id = new.id;',
      'END;',
    ),
    expected: ['non-idempotent-create@1:1', 'non-idempotent-create@2:1', 'non-idempotent-create@3:1'],
  },
  {
    name: 'sqlite: virtual table without if not exists',
    dialect: 'sqlite',
    sql: lines('CREATE VIRTUAL TABLE docs_fts USING fts5(body);'),
    expected: ['non-idempotent-create@1:1'],
  },
  { name: 'sqlite: drop table', dialect: 'sqlite', sql: lines('DROP TABLE IF EXISTS widgets;'), expected: ['drop-table@1:1'] },
  { name: 'sqlite: drop column', dialect: 'sqlite', sql: lines('ALTER TABLE users DROP COLUMN email;'), expected: ['drop-column@1:1'] },
  {
    name: 'sqlite: rename table and both column rename forms',
    dialect: 'sqlite',
    sql: lines(
      'ALTER TABLE users RENAME TO accounts;',
      'ALTER TABLE accounts RENAME COLUMN email TO email_address;',
      'ALTER TABLE teams RENAME name TO title;',
    ),
    expected: ['rename-table@1:1', 'rename-column@3:1'],
  },
  {
    name: 'sqlite: the table-rebuild pattern',
    dialect: 'sqlite',
    sql: lines(
      'CREATE TABLE IF NOT EXISTS users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL);',
      'INSERT INTO users_new (id, email) SELECT id, email FROM users;',
      'DROP TABLE users;',
      'ALTER TABLE users_new RENAME TO users;',
    ),
    expected: ['table-rebuild@3:1'],
  },
  {
    name: 'sqlite: the table-rebuild pattern, old table renamed away first',
    dialect: 'sqlite',
    sql: lines(
      'ALTER TABLE users RENAME TO users_old;',
      'CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);',
      'INSERT INTO users (id, email) SELECT id, email FROM users_old;',
      'DROP TABLE users_old;',
    ),
    expected: ['table-rebuild@1:1'],
  },
  {
    name: 'sqlite: not null column without default',
    dialect: 'sqlite',
    sql: lines('ALTER TABLE users ADD COLUMN plan TEXT NOT NULL;'),
    expected: ['not-null-without-default@1:1'],
  },
  {
    name: 'sqlite: not null column with default',
    dialect: 'sqlite',
    sql: lines("ALTER TABLE users ADD COLUMN plan TEXT NOT NULL DEFAULT 'free';"),
    expected: [],
  },
  {
    name: 'sqlite: delete and update without where; trigger bodies are not migration statements',
    dialect: 'sqlite',
    sql: lines(
      'DELETE FROM sessions;',
      "UPDATE users SET plan = 'free';",
      'CREATE TRIGGER IF NOT EXISTS sessions_cap AFTER INSERT ON sessions',
      'BEGIN',
      '    DELETE FROM sessions_archive;',
      'END;',
    ),
    expected: ['delete-without-where@1:1', 'update-without-where@2:1'],
  },
  {
    name: 'sqlite: quoted and mixed-case names',
    dialect: 'sqlite',
    sql: lines('DROP TABLE "Users";', 'drop table [Audit Log];', 'Alter Table `Teams` Drop Column `Name`;'),
    expected: ['drop-table@1:1', 'drop-table@2:1', 'drop-column@3:1'],
  },
  {
    name: 'sqlite: DROP in strings and comments is not a statement',
    dialect: 'sqlite',
    sql: lines("INSERT INTO notes (body) VALUES ('DROP TABLE users; -- not really');", '/* DROP TABLE users; */', '-- DROP TABLE users;'),
    expected: [],
  },
  {
    name: 'sqlite: drop index and trigger',
    dialect: 'sqlite',
    sql: lines('DROP INDEX IF EXISTS ix_users_email;', 'DROP TRIGGER IF EXISTS users_touch;'),
    expected: ['drop-index@1:1', 'drop-object@2:1'],
  },
  {
    name: 'sqlite: a helper table created and dropped by the same migration',
    dialect: 'sqlite',
    sql: lines(
      '-- copy through a helper table',
      'CREATE TABLE IF NOT EXISTS tmp_ids (id INTEGER);',
      'INSERT INTO tmp_ids (id) SELECT id FROM users WHERE plan IS NULL;',
      "UPDATE users SET plan = 'free' WHERE id IN (SELECT id FROM tmp_ids);",
      'DELETE FROM tmp_ids;',
      'DROP TABLE tmp_ids;',
    ),
    expected: [],
  },
  {
    name: 'sqlite: finding after comments in a long file',
    dialect: 'sqlite',
    sql: lines(
      '-- header',
      ...Array.from({ length: 120 }, (_, i) => `CREATE INDEX IF NOT EXISTS ix_wide_c${i} ON wide (c${i});`),
      '/* the mistake */ ALTER TABLE wide RENAME TO wider;',
    ),
    expected: ['rename-table@122:19'],
  },
];

export const SNIPPETS: readonly Snippet[] = [...POSTGRES_SNIPPETS, ...SQLITE_SNIPPETS];
