import { pgParser } from '../dialects/postgres/parser.js';

// libpg-query's PL/pgSQL trees have no published types; they are read defensively instead.
type Tree = any;

/** A SQL statement found inside a PL/pgSQL body (a DO block or a function). */
export interface EmbeddedStatement {
  /** The SQL as written, or the text of a constant `EXECUTE '…'` string. */
  readonly sql: string;
  /** 1-based line within the body, the body's first line being the one its opening quote is on. */
  readonly lineInBody: number;
  /** Inside an existence check (`IF NOT EXISTS (SELECT … FROM pg_…)`) or a block catching duplicate_*. */
  readonly guarded: boolean;
  /** Text to look for on that line to find the column. */
  readonly anchor: string;
}

/** What a PL/pgSQL body holds, as far as the linter can read it. */
export interface PlpgsqlBody {
  readonly statements: EmbeddedStatement[];
  /** `EXECUTE` of computed strings (format(), concatenation): line in body. */
  readonly dynamic: { lineInBody: number; anchor: string }[];
}

/** Handlers that make their block an existence guard: the "already exists" conditions. */
const DUPLICATE_CONDITIONS = new Set(['duplicate_object', 'duplicate_table', 'duplicate_column', 'duplicate_schema', 'duplicate_function', 'duplicate_alias']);
const CATALOG_SCHEMAS = new Set(['pg_catalog', 'information_schema']);
const REG_FUNCTIONS = new Set(['to_regclass', 'to_regtype', 'to_regproc', 'to_regprocedure', 'to_regnamespace', 'to_regoper', 'to_regrole', 'to_regcollation']);

function firstKey(node: Tree): string | undefined {
  return node && typeof node === 'object' ? Object.keys(node)[0] : undefined;
}

/** Does this subtree read a system catalog (pg_constraint, pg_type, information_schema.columns, …)? */
function readsCatalog(node: Tree): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(readsCatalog);
  const range = node.RangeVar;
  if (range && (String(range.relname).startsWith('pg_') || CATALOG_SCHEMAS.has(range.schemaname))) return true;
  return Object.values(node).some(readsCatalog);
}

/** `NOT EXISTS (SELECT … FROM <catalog> …)` or `to_regclass('…') IS NULL`, anywhere in the condition. */
function isExistenceCheck(expression: Tree): boolean {
  if (!expression || typeof expression !== 'object') return false;
  if (Array.isArray(expression)) return expression.some(isExistenceCheck);
  const bool = expression.BoolExpr;
  if (bool?.boolop === 'NOT_EXPR') {
    const sub = bool.args?.[0]?.SubLink;
    if (sub?.subLinkType === 'EXISTS_SUBLINK' && readsCatalog(sub.subselect)) return true;
  }
  const nullTest = expression.NullTest;
  if (nullTest?.nulltesttype === 'IS_NULL') {
    const name = nullTest.arg?.FuncCall?.funcname?.at(-1)?.String?.sval;
    if (REG_FUNCTIONS.has(name)) return true;
  }
  return Object.values(expression).some(isExistenceCheck);
}

/** The expression of a PL/pgSQL condition, parsed as the SQL it is. */
function parseExpression(text: string): Tree {
  try {
    return (pgParser().parseSync(`SELECT ${text}`) as Tree).stmts?.[0]?.stmt?.SelectStmt?.targetList?.[0]?.ResTarget?.val;
  } catch {
    return undefined;
  }
}

function conditionGuards(cond: Tree): boolean {
  const query = cond?.PLpgSQL_expr?.query;
  return typeof query === 'string' && isExistenceCheck(parseExpression(query));
}

function catchesDuplicates(exceptions: Tree): boolean {
  const list: Tree[] = exceptions?.PLpgSQL_exception_block?.exc_list ?? [];
  return list.some((e) => (e.PLpgSQL_exception?.conditions ?? []).some((c: Tree) => DUPLICATE_CONDITIONS.has(c.PLpgSQL_condition?.condname)));
}

function anchorOf(sql: string): string {
  return sql.trimStart().split('\n', 1)[0]!.slice(0, 40);
}

class BodyWalker {
  readonly body: PlpgsqlBody = { statements: [], dynamic: [] };

  walkList(list: Tree, guarded: boolean): void {
    if (!Array.isArray(list)) return;
    for (const item of list) this.walk(item, guarded);
  }

  walk(item: Tree, guarded: boolean): void {
    const kind = firstKey(item);
    if (!kind) return;
    const node = item[kind];
    switch (kind) {
      case 'PLpgSQL_stmt_block': {
        this.walkList(node.body, guarded || catchesDuplicates(node.exceptions));
        for (const handler of node.exceptions?.PLpgSQL_exception_block?.exc_list ?? []) this.walkList(handler.PLpgSQL_exception?.action, guarded);
        return;
      }
      case 'PLpgSQL_stmt_if': {
        this.walkList(node.then_body, guarded || conditionGuards(node.cond));
        for (const elsif of node.elsif_list ?? []) this.walkList(elsif.PLpgSQL_if_elsif?.stmts, guarded || conditionGuards(elsif.PLpgSQL_if_elsif?.cond));
        this.walkList(node.else_body, guarded);
        return;
      }
      case 'PLpgSQL_stmt_execsql': {
        const sql = node.sqlstmt?.PLpgSQL_expr?.query;
        if (typeof sql === 'string') this.body.statements.push({ sql, lineInBody: node.lineno ?? 1, guarded, anchor: anchorOf(sql) });
        return;
      }
      case 'PLpgSQL_stmt_dynexecute': {
        const query: string = node.query?.PLpgSQL_expr?.query ?? '';
        const constant = parseExpression(query)?.A_Const?.sval?.sval;
        if (typeof constant === 'string') this.body.statements.push({ sql: constant, lineInBody: node.lineno ?? 1, guarded, anchor: anchorOf(query) });
        else this.body.dynamic.push({ lineInBody: node.lineno ?? 1, anchor: 'EXECUTE' });
        return;
      }
      default:
        // Loops, CASE and anything newer: whatever statement lists they hold run under the same guard.
        for (const value of Object.values(node ?? {})) {
          if (Array.isArray(value)) {
            if (value.some((v) => firstKey(v)?.startsWith('PLpgSQL_stmt_'))) this.walkList(value, guarded);
            else for (const v of value) for (const inner of Object.values(v ?? {}) as Tree[]) this.walkList(inner?.stmts, guarded);
          }
        }
    }
  }
}

/**
 * The SQL statements of the PL/pgSQL function or DO block in `statementSql` (one statement), with
 * whether each sits behind an existence guard. Throws the parser's error on invalid PL/pgSQL.
 */
export function readPlpgsqlBody(statementSql: string): PlpgsqlBody {
  const parsed = pgParser().parsePlPgSQLSync(statementSql) as { plpgsql_funcs?: Tree[] };
  const walker = new BodyWalker();
  for (const fn of parsed.plpgsql_funcs ?? []) walker.walk(fn.PLpgSQL_function?.action, false);
  return walker.body;
}
