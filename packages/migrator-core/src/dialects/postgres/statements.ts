import { locateStatements, type Statement } from '../../dialect.js';
import type { PrecomputedSplit } from '../../migration.js';
import { parsePgScript } from './parser.js';

/**
 * PostgreSQL statements, read with PostgreSQL's own parser (libpg-query): where each one is, whether it
 * controls the transaction, and the one object it creates, so that "already exists" is tolerated only
 * where that is provably about the statement's only action.
 */

/** An object whose presence the catalog can confirm. `schema` null: found through `search_path`. */
export type PgObject =
  /**
   * `relkinds`: the pg_class kinds the statement makes (`iI` for an index); a relation of another kind is not it.
   * `table`: for an index, the table it is built on (in the same schema); an index of that name on another table is not it.
   */
  | { readonly kind: 'relation'; readonly schema: string | null; readonly name: string; readonly relkinds?: string; readonly table?: string }
  | { readonly kind: 'column'; readonly schema: string | null; readonly table: string; readonly name: string }
  | { readonly kind: 'constraint'; readonly schema: string | null; readonly table: string; readonly name: string }
  | { readonly kind: 'trigger'; readonly schema: string | null; readonly table: string; readonly name: string }
  | { readonly kind: 'policy'; readonly schema: string | null; readonly table: string; readonly name: string }
  | { readonly kind: 'schema'; readonly name: string }
  | { readonly kind: 'extension'; readonly name: string }
  | { readonly kind: 'type'; readonly schema: string | null; readonly name: string }
  | { readonly kind: 'function'; readonly schema: string | null; readonly name: string }
  | { readonly kind: 'enum-label'; readonly schema: string | null; readonly type: string; readonly name: string };

/** One action of a statement that does several (`ALTER TABLE … ADD COLUMN a, ADD COLUMN b`). */
export interface PgAction {
  readonly description: string;
  /** What the action creates, when the catalog can tell whether it is present. */
  readonly object: PgObject | null;
}

export interface PgStatement extends Statement {
  /** Set for a statement that creates exactly one object and does nothing else. */
  readonly creates?: PgObject;
  /** Set for a statement of several actions. */
  readonly actions?: readonly PgAction[];
  /** Set for CREATE INDEX CONCURRENTLY: the index a failed earlier build may have left INVALID. */
  readonly concurrentIndex?: { readonly name: string; readonly schema: string | null };
  /**
   * Set for a statement that works CONCURRENTLY (index builds, drops, reindexes): it waits for older
   * transactions by design, so it gets the longer lock bound instead of the DDL one.
   */
  readonly concurrently?: boolean;
}

interface RangeVar {
  schemaname?: string;
  relname: string;
}
type Node = Record<string, unknown>;
function names(list: unknown): { schema: string | null; name: string } {
  const parts = ((list as { String?: { sval: string } }[] | undefined) ?? []).map((n) => n.String?.sval ?? '');
  const name = parts.at(-1) ?? '';
  return { schema: parts.length > 1 ? parts.at(-2)! : null, name };
}

function relation(rv: RangeVar): { schema: string | null; table: string } {
  return { schema: rv.schemaname ?? null, table: rv.relname };
}

const TRANSACTION_KINDS: Readonly<Record<string, 'begin' | 'commit'>> = { TRANS_STMT_BEGIN: 'begin', TRANS_STMT_START: 'begin', TRANS_STMT_COMMIT: 'commit' };

function transactionControl(node: Node): Statement['transactionControl'] {
  const kind = TRANSACTION_KINDS[String(node.kind)];
  // A BEGIN with options (isolation level, read only) or a COMMIT AND CHAIN asks for more than a wrapper.
  if (kind === 'begin' && !node.options) return 'begin';
  if (kind === 'commit' && !node.chain) return 'commit';
  return 'other';
}

const SUBCOMMANDS: Readonly<Record<string, string>> = {
  AT_AddColumn: 'ADD COLUMN',
  AT_DropColumn: 'DROP COLUMN',
  AT_AddConstraint: 'ADD CONSTRAINT',
  AT_DropConstraint: 'DROP CONSTRAINT',
  AT_AlterColumnType: 'ALTER COLUMN TYPE',
  AT_ColumnDefault: 'ALTER COLUMN DEFAULT',
  AT_SetNotNull: 'SET NOT NULL',
  AT_DropNotNull: 'DROP NOT NULL',
};

function alterTableAction(rel: { schema: string | null; table: string }, cmd: Node): PgAction {
  const subtype = String(cmd.subtype);
  const verb = SUBCOMMANDS[subtype] ?? subtype.replace(/^AT_/, '');
  const def = cmd.def as { ColumnDef?: { colname: string }; Constraint?: { conname?: string } } | undefined;
  if (subtype === 'AT_AddColumn' && def?.ColumnDef) {
    return { description: `ADD COLUMN ${def.ColumnDef.colname}`, object: { kind: 'column', ...rel, name: def.ColumnDef.colname } };
  }
  if (subtype === 'AT_AddConstraint' && def?.Constraint?.conname) {
    return { description: `ADD CONSTRAINT ${def.Constraint.conname}`, object: { kind: 'constraint', ...rel, name: def.Constraint.conname } };
  }
  return { description: cmd.name ? `${verb} ${String(cmd.name)}` : verb, object: null };
}

/** What a parsed statement creates, or its actions when it has several. */
function classify(type: string, node: Node): Pick<PgStatement, 'creates' | 'actions' | 'transactionControl' | 'sessionSetting'> {
  switch (type) {
    case 'TransactionStmt':
      return { transactionControl: transactionControl(node) };
    case 'VariableSetStmt':
      return { sessionSetting: true };
    case 'CreateStmt': {
      const rv = node.relation as RangeVar;
      return { creates: { kind: 'relation', schema: rv.schemaname ?? null, name: rv.relname, relkinds: 'rp' } };
    }
    case 'CreateSeqStmt': {
      const rv = node.sequence as RangeVar;
      return { creates: { kind: 'relation', schema: rv.schemaname ?? null, name: rv.relname, relkinds: 'S' } };
    }
    case 'ViewStmt': {
      const rv = node.view as RangeVar;
      return { creates: { kind: 'relation', schema: rv.schemaname ?? null, name: rv.relname, relkinds: 'v' } };
    }
    case 'CreateTableAsStmt': {
      const rv = (node.into as { rel: RangeVar }).rel;
      return { creates: { kind: 'relation', schema: rv.schemaname ?? null, name: rv.relname, relkinds: node.objtype === 'OBJECT_MATVIEW' ? 'm' : 'rp' } };
    }
    case 'IndexStmt': {
      if (!node.idxname) return {};
      const rv = node.relation as RangeVar;
      return { creates: { kind: 'relation', schema: rv.schemaname ?? null, name: String(node.idxname), relkinds: 'iI', table: rv.relname } };
    }
    case 'CreateSchemaStmt':
      // CREATE SCHEMA … CREATE TABLE … creates several objects: no tolerance.
      return node.schemaElts
        ? { actions: [{ description: `CREATE SCHEMA ${String(node.schemaname)} with its elements`, object: null }] }
        : { creates: { kind: 'schema', name: String(node.schemaname) } };
    case 'CreateExtensionStmt':
      return { creates: { kind: 'extension', name: String(node.extname) } };
    case 'CreateEnumStmt':
    case 'CreateRangeStmt':
      return { creates: { kind: 'type', ...names(node.typeName) } };
    case 'CompositeTypeStmt': {
      const rv = node.typevar as RangeVar;
      return { creates: { kind: 'type', schema: rv.schemaname ?? null, name: rv.relname } };
    }
    case 'CreateDomainStmt':
      return { creates: { kind: 'type', ...names(node.domainname) } };
    case 'DefineStmt':
      return node.kind === 'OBJECT_TYPE' ? { creates: { kind: 'type', ...names(node.defnames) } } : {};
    case 'CreateFunctionStmt':
      return { creates: { kind: 'function', ...names(node.funcname) } };
    case 'CreateTrigStmt':
      return { creates: { kind: 'trigger', ...relation(node.relation as RangeVar), name: String(node.trigname) } };
    case 'CreatePolicyStmt':
      return { creates: { kind: 'policy', ...relation(node.table as RangeVar), name: String(node.policy_name) } };
    case 'AlterEnumStmt': {
      if (!node.newVal || node.oldVal) return {};
      const type = names(node.typeName);
      return { creates: { kind: 'enum-label', schema: type.schema, type: type.name, name: String(node.newVal) } };
    }
    case 'AlterTableStmt': {
      const rel = relation(node.relation as RangeVar);
      const actions = ((node.cmds as { AlterTableCmd: Node }[] | undefined) ?? []).map((c) => alterTableAction(rel, c.AlterTableCmd));
      if (actions.length === 1) return actions[0]!.object ? { creates: actions[0]!.object } : {};
      return { actions };
    }
    default:
      return {};
  }
}

/** Splits a script into located, classified statements; throws a StatementError on a syntax error. */
export async function splitPostgresScript(sql: string): Promise<PgStatement[]> {
  // The parser refuses an empty string; an empty migration is a migration that does nothing.
  if (sql.trim() === '') return [];
  // Character offsets, computed in one pass (libpg-query's are UTF-8 byte offsets); large files are parsed in pieces.
  const stmts = await parsePgScript(sql);
  const chunks = stmts.map((s) => ({ text: sql.slice(s.start, s.end), offset: s.start }));
  const located = locateStatements(sql, chunks);
  // Comment-only chunks were dropped; the parser never yields those, so indexes still line up.
  return located.map((statement, i) => {
    const [type, node] = Object.entries(stmts[i]?.stmt ?? {})[0] ?? ['', {}];
    const concurrently = Boolean(node.concurrent) || (type === 'ReindexStmt' && JSON.stringify(node.params ?? []).includes('"concurrently"'));
    const classified: PgStatement = { ...statement, ...classify(type, node), ...(concurrently ? { concurrently } : {}) };
    if (type !== 'IndexStmt' || !node.concurrent || !node.idxname) return classified;
    return { ...classified, concurrentIndex: { name: String(node.idxname), schema: (node.relation as RangeVar).schemaname ?? null } };
  });
}

/**
 * The splitter behind a precomputed split: this engine's reading of statements (bump the number when
 * `PgStatement` or `classify` changes) and the parser's version (a test checks it is the one installed).
 */
export const PG_SPLIT_FORMAT = 'atlas-pg-split-1/libpg-query-18.1.5';

/**
 * The split of a script for a build to store (`embedSqlPlugin`): each statement's text as its place in the
 * script. Undefined when the script does not parse: the run then reports that exactly as it would have.
 */
export async function precomputePostgresSplit(sql: string): Promise<PrecomputedSplit | undefined> {
  let split: PgStatement[];
  try {
    split = await splitPostgresScript(sql);
  } catch {
    return undefined;
  }
  let from = 0;
  const statements: PrecomputedSplit['statements'][number][] = [];
  for (const { text, index: _index, ...rest } of split) {
    const at = sql.indexOf(text, from);
    if (at === -1) return undefined;
    statements.push({ at, length: text.length, ...rest });
    from = at + text.length;
  }
  return { format: PG_SPLIT_FORMAT, statements };
}

/** Whether a precomputed split is of this splitter's making. */
export function isOwnSplit(split: PrecomputedSplit | undefined): boolean {
  return split?.format === PG_SPLIT_FORMAT;
}

/** A script's statements from its precomputed split, or undefined when there is none of this splitter's making. */
export function restorePostgresSplit(sql: string, split: PrecomputedSplit | undefined): PgStatement[] | undefined {
  if (!split || !isOwnSplit(split)) return undefined;
  return split.statements.map(({ at, length, ...rest }, i) => ({
    ...(rest as Omit<PgStatement, 'index' | 'text'>),
    index: i + 1,
    text: sql.slice(at, at + length),
  }));
}

/** Text of an object for messages, as PostgreSQL would name it. */
export function describePgObject(object: PgObject): string {
  const q = (schema: string | null, name: string) => (schema ? `${schema}.${name}` : name);
  switch (object.kind) {
    case 'column':
      return `column "${object.name}" of relation "${q(object.schema, object.table)}"`;
    case 'constraint':
    case 'trigger':
    case 'policy':
      return `${object.kind} "${object.name}" of relation "${q(object.schema, object.table)}"`;
    case 'enum-label':
      return `label "${object.name}" of enum "${q(object.schema, object.type)}"`;
    case 'relation':
      return object.table ? `index "${q(object.schema, object.name)}" on "${q(object.schema, object.table)}"` : `relation "${q(object.schema, object.name)}"`;
    case 'schema':
    case 'extension':
      return `${object.kind} "${object.name}"`;
    default:
      return `${object.kind} "${q(object.schema, object.name)}"`;
  }
}

/** One query, with parameters, that answers whether the object is in the catalog. */
export function existenceQuery(object: PgObject): { text: string; values: unknown[] } {
  // The qualified name is built server-side with quote_ident: never by interpolating names.
  const rel = (schema: string | null, name: string) => ({
    expr: "to_regclass(CASE WHEN $1::text IS NULL THEN quote_ident($2) ELSE quote_ident($1) || '.' || quote_ident($2) END)",
    values: [schema, name],
  });
  switch (object.kind) {
    case 'relation': {
      // Tables, indexes, views and sequences share one namespace: an index's name taken by a table is not the index.
      const r = rel(object.schema, object.name);
      const onTable =
        "($4::text IS NULL OR EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = c.oid AND indrelid = to_regclass(CASE WHEN $1::text IS NULL THEN quote_ident($4) ELSE quote_ident($1) || '.' || quote_ident($4) END)))";
      return {
        text: `SELECT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = ${r.expr} AND ($3::text IS NULL OR strpos($3::text, c.relkind::text) > 0) AND ${onTable}) AS present`,
        values: [...r.values, object.relkinds ?? null, object.table ?? null],
      };
    }
    case 'column': {
      const r = rel(object.schema, object.table);
      return {
        text: `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${r.expr} AND attname = $3 AND attnum > 0 AND NOT attisdropped) AS present`,
        values: [...r.values, object.name],
      };
    }
    case 'constraint': {
      const r = rel(object.schema, object.table);
      return { text: `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${r.expr} AND conname = $3) AS present`, values: [...r.values, object.name] };
    }
    case 'trigger': {
      const r = rel(object.schema, object.table);
      return { text: `SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ${r.expr} AND tgname = $3) AS present`, values: [...r.values, object.name] };
    }
    case 'policy': {
      const r = rel(object.schema, object.table);
      return { text: `SELECT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = ${r.expr} AND polname = $3) AS present`, values: [...r.values, object.name] };
    }
    case 'schema':
      return { text: 'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present', values: [object.name] };
    case 'extension':
      return { text: 'SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = $1) AS present', values: [object.name] };
    case 'type':
      return {
        text: "SELECT to_regtype(CASE WHEN $1::text IS NULL THEN quote_ident($2) ELSE quote_ident($1) || '.' || quote_ident($2) END) IS NOT NULL AS present",
        values: [object.schema, object.name],
      };
    case 'function':
      // CREATE FUNCTION creates nothing but its function: 42723 there can only be about that function.
      return {
        text: 'SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = $2 AND ($1::text IS NULL OR pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1))) AS present',
        values: [object.schema, object.name],
      };
    case 'enum-label':
      return {
        text: "SELECT EXISTS (SELECT 1 FROM pg_enum WHERE enumtypid = to_regtype(CASE WHEN $1::text IS NULL THEN quote_ident($2) ELSE quote_ident($1) || '.' || quote_ident($2) END) AND enumlabel = $3) AS present",
        values: [object.schema, object.type, object.name],
      };
  }
}
