import { locateStatements, type Statement } from '../../dialect.js';
import type { PrecomputedSplit } from '../../migration.js';
import { parsePgScript } from './parser.js';
import type { PgObject } from './pg-object.js';

/**
 * PostgreSQL statements, read with PostgreSQL's own parser (libpg-query): where each one is, whether it
 * controls the transaction, and the one object it creates, so that "already exists" is tolerated only
 * where that is provably about the statement's only action.
 */

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
