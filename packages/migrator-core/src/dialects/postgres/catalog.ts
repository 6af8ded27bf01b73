import { ENGINE_TABLES } from '../../dialect.js';
import { bodyHash, oneLine, sortObjects, type SchemaObject } from '../../schema/schema-object.js';

/** Runs one read-only catalog query; the session supplies it (its pinned client, its search_path). */
export type CatalogQuery = <R>(text: string, values?: unknown[]) => Promise<R[]>;

/** Objects that belong to an extension are the extension's, not the registry's. */
const NOT_FROM_EXTENSION = (catalog: string, column: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${column} AND e.deptype = 'e')`;

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The engine's tables, as an SQL list: its own, not the registry's. */
const NOT_ENGINE = ENGINE_TABLES.map(literal).join(', ');

/**
 * Reads the objects of one schema (the plane's) from `pg_catalog`, through PostgreSQL's own formatting
 * functions. Called on a session whose `search_path` is that schema alone, so `format_type`,
 * `pg_get_expr` and `pg_get_constraintdef` name the schema's own objects without qualifying them, and a
 * snapshot taken in `public` compares with a plane that owns `atlas`.
 */
export async function readPostgresSchema(query: CatalogQuery, schema: string): Promise<SchemaObject[]> {
  // One after another: the session is one pinned client, and pg does not pipeline queries.
  const parts: SchemaObject[][] = [];
  for (const read of [extensions, types, sequences, functions, tables, columns, constraints, indexes, triggers, views]) parts.push(await read(query, schema));
  return sortObjects(parts.flat());
}

/** Installed extensions by name; their versions differ between servers and are left out. */
async function extensions(query: CatalogQuery, _schema: string): Promise<SchemaObject[]> {
  const rows = await query<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'`);
  return rows.map((r) => ({ kind: 'extension', name: r.extname, definition: '' }));
}

async function types(query: CatalogQuery, schema: string): Promise<SchemaObject[]> {
  const rows = await query<{
    name: string;
    typtype: string;
    labels: string[] | null;
    base: string | null;
    notnull: boolean;
    dflt: string | null;
    checks: string[] | null;
    fields: string[] | null;
  }>(
    `SELECT t.typname AS name, t.typtype::text AS typtype,
            (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
            t.typnotnull AS notnull, t.typdefault AS dflt,
            (SELECT array_agg(pg_get_constraintdef(c.oid) ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c') AS checks,
            (SELECT array_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS fields
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND ${NOT_FROM_EXTENSION('pg_type', 't.oid')}
        AND (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))`,
    [schema],
  );
  return rows.map((r) => {
    let definition: string;
    if (r.typtype === 'e') definition = `ENUM (${(r.labels ?? []).map(literal).join(', ')})`;
    else if (r.typtype === 'd')
      definition = ['DOMAIN', r.base, r.notnull ? 'NOT NULL' : null, r.dflt === null ? null : `DEFAULT ${r.dflt}`, ...(r.checks ?? [])]
        .filter(Boolean)
        .join(' ');
    else if (r.typtype === 'c') definition = `COMPOSITE (${(r.fields ?? []).join(', ')})`;
    else definition = r.typtype === 'r' ? 'RANGE' : 'MULTIRANGE';
    return { kind: 'type', name: r.name, definition: oneLine(definition) };
  });
}

/** Sequences, with what owns them; an identity column's sequence is part of the column, an engine table's is the engine's. */
async function sequences(query: CatalogQuery, schema: string): Promise<SchemaObject[]> {
  const rows = await query<{
    name: string;
    type: string;
    start: string;
    increment: string;
    min: string;
    max: string;
    cache: string;
    cycle: boolean;
    owner: string | null;
  }>(
    `SELECT c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS increment,
            s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
            (SELECT t.relname || '.' || a.attname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a' LIMIT 1) AS owner
       FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a' AND t.relnamespace = n.oid AND t.relname IN (` +
      `${NOT_ENGINE}))`,
    [schema],
  );
  return rows.map((r) => ({
    kind: 'sequence',
    name: r.name,
    definition: [
      r.type,
      `START ${r.start}`,
      `INCREMENT ${r.increment}`,
      `MINVALUE ${r.min}`,
      `MAXVALUE ${r.max}`,
      `CACHE ${r.cache}`,
      r.cycle ? 'CYCLE' : null,
      r.owner ? `OWNED BY ${r.owner}` : null,
    ]
      .filter(Boolean)
      .join(' '),
  }));
}

/** Functions and procedures: signature, language, volatility, settings, and a hash of the body. */
async function functions(query: CatalogQuery, schema: string): Promise<SchemaObject[]> {
  const rows = await query<{
    name: string;
    args: string;
    result: string | null;
    kind: string;
    language: string;
    volatility: string;
    secdef: boolean;
    strict: boolean;
    config: string[] | null;
    body: string;
  }>(
    `SELECT p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result,
            p.prokind::text AS kind, l.lanname AS language, p.provolatile::text AS volatility, p.prosecdef AS secdef,
            p.proisstrict AS strict, p.proconfig AS config, coalesce(p.prosrc, '') AS body
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
      WHERE n.nspname = $1 AND ${NOT_FROM_EXTENSION('pg_proc', 'p.oid')}`,
    [schema],
  );
  const volatility: Record<string, string> = { i: 'IMMUTABLE', s: 'STABLE', v: 'VOLATILE' };
  const kinds: Record<string, string> = { f: 'FUNCTION', p: 'PROCEDURE', a: 'AGGREGATE', w: 'WINDOW' };
  return rows.map((r) => ({
    kind: 'function',
    name: `${r.name}(${r.args})`,
    definition: oneLine(
      [
        kinds[r.kind] ?? r.kind,
        r.result === null ? null : `RETURNS ${r.result}`,
        `LANGUAGE ${r.language}`,
        volatility[r.volatility] ?? r.volatility,
        r.strict ? 'STRICT' : null,
        r.secdef ? 'SECURITY DEFINER' : null,
        ...(r.config ?? []).map((setting) => `SET ${setting}`),
        `body ${bodyHash(r.body)}`,
      ]
        .filter(Boolean)
        .join(' '),
    ),
  }));
}

const TABLE_FILTER = `n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname NOT IN (${NOT_ENGINE}) AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}`;

async function tables(query: CatalogQuery, schema: string): Promise<SchemaObject[]> {
  const rows = await query<{ name: string; relkind: string; persistence: string; rls: boolean; partition: string | null }>(
    `SELECT c.relname AS name, c.relkind::text AS relkind, c.relpersistence::text AS persistence, c.relrowsecurity AS rls,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${TABLE_FILTER}`,
    [schema],
  );
  return rows.map((r) => ({
    kind: 'table',
    name: r.name,
    definition: [r.persistence === 'u' ? 'UNLOGGED' : null, r.partition ? `PARTITION BY ${r.partition}` : null, r.rls ? 'ROW LEVEL SECURITY' : null]
      .filter(Boolean)
      .join(' '),
  }));
}

async function columns(query: CatalogQuery, schema: string): Promise<SchemaObject[]> {
  const rows = await query<{
    table: string;
    name: string;
    type: string;
    collation: string | null;
    notnull: boolean;
    dflt: string | null;
    identity: string;
    generated: string;
  }>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            CASE WHEN a.attcollation <> t.typcollation THEN (SELECT quote_ident(collname) FROM pg_collation WHERE oid = a.attcollation) END AS collation,
            a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity::text AS identity, a.attgenerated::text AS generated
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE ${TABLE_FILTER} AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema],
  );
  return rows.map((r) => {
    const value =
      r.generated === 's'
        ? `GENERATED ALWAYS AS (${r.dflt}) STORED`
        : r.identity === 'a'
          ? 'GENERATED ALWAYS AS IDENTITY'
          : r.identity === 'd'
            ? 'GENERATED BY DEFAULT AS IDENTITY'
            : r.dflt === null
              ? null
              : `DEFAULT ${r.dflt}`;
    return {
      kind: 'column',
      name: `${r.table}.${r.name}`,
      definition: oneLine([r.type, r.collation ? `COLLATE ${r.collation}` : null, r.notnull ? 'NOT NULL' : null, value].filter(Boolean).join(' ')),
    };
  });
}

/** Primary key, unique, check, foreign-key and exclusion constraints (NOT NULL is the column's). */
async function constraints(query: CatalogQuery, schema: string): Promise<SchemaObject[]> {
  const rows = await query<{ table: string; name: string; def: string }>(
    `SELECT c.relname AS table, con.conname AS name, pg_get_constraintdef(con.oid) AS def
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${TABLE_FILTER} AND con.contype IN ('p', 'u', 'c', 'f', 'x')`,
    [schema],
  );
  return rows.map((r) => ({ kind: 'constraint', name: `${r.table}.${r.name}`, definition: oneLine(r.def) }));
}

/**
 * Indexes that are not a constraint's own: `[UNIQUE ]USING method (keys) [INCLUDE …] [WHERE …]`, cut
 * from `pg_get_indexdef` after the table name (which it always schema-qualifies). An index a failed
 * concurrent build left INVALID says so.
 */
async function indexes(query: CatalogQuery, schema: string): Promise<SchemaObject[]> {
  const rows = await query<{ table: string; name: string; def: string; unique: boolean; valid: boolean }>(
    `SELECT c.relname AS table, i.relname AS name, pg_get_indexdef(x.indexrelid) AS def, x.indisunique AS unique, x.indisvalid AS valid
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${TABLE_FILTER}
        AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x'))`,
    [schema],
  );
  return rows.map((r) => {
    const using = / USING .*$/s.exec(r.def)?.[0].trimStart() ?? r.def;
    return { kind: 'index', name: `${r.table}.${r.name}`, definition: oneLine(`${r.unique ? 'UNIQUE ' : ''}${using}${r.valid ? '' : ' INVALID'}`) };
  });
}

/** User triggers: `<timing> <events> <for each …> EXECUTE FUNCTION …`, without the (qualified) table name. */
async function triggers(query: CatalogQuery, schema: string): Promise<SchemaObject[]> {
  const rows = await query<{ table: string; name: string; def: string; enabled: string }>(
    `SELECT c.relname AS table, tg.tgname AS name, pg_get_triggerdef(tg.oid) AS def, tg.tgenabled::text AS enabled
       FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${TABLE_FILTER} AND NOT tg.tgisinternal`,
    [schema],
  );
  return rows.map((r) => {
    const match = /^CREATE (?:CONSTRAINT )?TRIGGER (?:"(?:[^"]|"")*"|\S+) (.+?) ON (?:"(?:[^"]|"")*"|[^\s"]+(?:\."(?:[^"]|"")*")?) (.*)$/s.exec(r.def);
    const definition = match ? `${match[1]} ${match[2]}` : r.def;
    return { kind: 'trigger', name: `${r.table}.${r.name}`, definition: oneLine(`${definition}${r.enabled === 'D' ? ' DISABLED' : ''}`) };
  });
}

async function views(query: CatalogQuery, schema: string): Promise<SchemaObject[]> {
  const rows = await query<{ name: string; relkind: string; def: string }>(
    `SELECT c.relname AS name, c.relkind::text AS relkind, pg_get_viewdef(c.oid, true) AS def
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('v', 'm') AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}`,
    [schema],
  );
  return rows.map((r) => ({ kind: 'view', name: r.name, definition: oneLine(`${r.relkind === 'm' ? 'MATERIALIZED ' : ''}AS ${r.def.replace(/;\s*$/, '')}`) }));
}
