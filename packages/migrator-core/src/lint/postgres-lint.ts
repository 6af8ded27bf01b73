import { loadPgParser, pgParser } from '../dialects/postgres/parser.js';
import { lineCursor, locateInText, skipLeadingComments } from '../dialect.js';
import { messageOf } from '../errors.js';
import { NO_TRANSACTION_MARKER, normalizeSql } from '../migration.js';
import { CreatedObjects } from './created-objects.js';
import type { FileLint, StatementSite } from './findings.js';
import { readPlpgsqlBody } from './plpgsql.js';
import { idempotentAlone } from './postgres-idempotent.js';
import { PostgresStatementRules } from './postgres-statements.js';
import type { Scope } from './postgres-table-rules.js';
import { IDEMPOTENT_CREATE_RULES } from './rules.js';

// libpg-query's JSON trees are read defensively; @pgsql/types is not a dependency of this package.
type Tree = any;

function firstLine(text: string): string {
  return text.trimStart().split('\n', 1)[0]!.trim();
}

/** The body and language of a DO block or function, when it has a body the linter can read. */
function routineBody(kind: string, stmt: Tree): { body: string; language: string } | undefined {
  const options: Tree[] = (kind === 'DoStmt' ? stmt.args : stmt.options) ?? [];
  const option = (name: string) => options.find((o) => o.DefElem?.defname === name)?.DefElem?.arg;
  const as = option('as');
  const body = as?.String?.sval ?? as?.List?.items?.[0]?.String?.sval;
  const language = String(option('language')?.String?.sval ?? (kind === 'DoStmt' ? 'plpgsql' : 'sql')).toLowerCase();
  return typeof body === 'string' ? { body, language } : undefined;
}

class PostgresFileLint {
  readonly rules: PostgresStatementRules;
  private readonly lines: string[];
  /** Statements come front to back: their lines are counted once over the file (linear in its size). */
  private readonly locate: (offset: number) => { line: number; column: number };

  constructor(
    text: string,
    private readonly transactional: boolean,
    earlier: CreatedObjects,
  ) {
    this.lines = text.split('\n');
    this.locate = lineCursor(text);
    this.rules = new PostgresStatementRules(earlier);
  }

  syntaxError(site: StatementSite, error: unknown): void {
    this.rules.findings.push({ rule: 'syntax-error', site, detail: messageOf(error) });
  }

  /** Lints one top-level statement: `chunk` is its text, `offset` where it starts in the file (characters). */
  statement(node: Tree, chunk: string, offset: number): void {
    const skip = skipLeadingComments(chunk);
    const site: StatementSite = { ...this.locate(offset + skip), text: firstLine(chunk.slice(skip)) };
    const before = this.rules.findings.length;
    const scope: Scope = { site, guarded: false, inFunction: false, transactional: this.transactional };
    this.rules.visit(node, scope);
    const kind = Object.keys(node ?? {})[0] ?? '';
    let bodyIdempotent = true;
    if (kind === 'DoStmt' || kind === 'CreateFunctionStmt') bodyIdempotent = this.routine(kind, node[kind], chunk, offset, site);
    if (this.transactional) return;
    const own = this.rules.findings.slice(before);
    // A no-transaction migration is re-run from the top after an interruption: each statement must
    // survive that alone. Statements already reported as non-idempotent need no second finding.
    if (own.some((f) => IDEMPOTENT_CREATE_RULES.has(f.rule))) return;
    if (!idempotentAlone(node) || !bodyIdempotent) {
      this.rules.report('no-transaction-not-idempotent', scope, `${kind.replace(/Stmt$/, '')} statement is not idempotent on its own`);
    }
  }

  /** Lints the statements of a PL/pgSQL DO block or function; returns whether each is idempotent alone. */
  private routine(kind: string, stmt: Tree, chunk: string, offset: number, outer: StatementSite): boolean {
    const routine = routineBody(kind, stmt);
    if (routine?.language !== 'plpgsql') return kind !== 'DoStmt';
    let body: ReturnType<typeof readPlpgsqlBody>;
    try {
      body = readPlpgsqlBody(chunk);
    } catch (error) {
      this.syntaxError(outer, `PL/pgSQL: ${messageOf(error)}`);
      return false;
    }
    const at = chunk.indexOf(routine.body);
    // A body in single quotes has its quotes doubled, so it is not found verbatim: report at the statement.
    const bodyLine = at === -1 ? undefined : this.locate(offset + at).line;
    const inFunction = kind === 'CreateFunctionStmt';
    const siteOf = (lineInBody: number, anchor: string, sql: string): StatementSite => {
      if (bodyLine === undefined) return outer;
      const line = bodyLine + lineInBody - 1;
      const lineText = this.lines[line - 1] ?? '';
      const column = lineText.indexOf(anchor);
      return { line, column: (column === -1 ? lineText.search(/\S|$/) : column) + 1, text: firstLine(sql), outerLine: outer.line };
    };
    for (const dynamic of body.dynamic) {
      const site = siteOf(dynamic.lineInBody, dynamic.anchor, (this.lines[(bodyLine ?? 1) + dynamic.lineInBody - 2] ?? 'EXECUTE').trim());
      this.rules.report('dynamic-sql', { site, guarded: false, inFunction, transactional: this.transactional }, 'EXECUTE of a computed string');
    }
    let idempotent = body.dynamic.length === 0;
    for (const inner of body.statements) {
      const site = siteOf(inner.lineInBody, inner.anchor, inner.sql);
      let parsed: { stmts?: { stmt?: Tree }[] };
      try {
        parsed = pgParser().parseSync(inner.sql) as typeof parsed;
      } catch (error) {
        this.syntaxError(site, error);
        idempotent = false;
        continue;
      }
      for (const { stmt: node } of parsed.stmts ?? []) {
        this.rules.visit(node, { site, guarded: inner.guarded, inFunction, transactional: this.transactional });
        if (!inner.guarded && !idempotentAlone(node)) idempotent = false;
      }
    }
    return idempotent;
  }

  /** Foreign-key columns this file created, with no index or key of the file leading with them. */
  foreignKeysWithoutIndex(): void {
    for (const fk of this.rules.foreignKeys) {
      const covered = this.rules.keys.some((k) => k.table === fk.table && fk.columns.every((c) => k.columns.slice(0, fk.columns.length).includes(c)));
      if (!covered) {
        this.rules.report(
          'foreign-key-without-index',
          { site: fk.site, guarded: false, inFunction: fk.inFunction, transactional: this.transactional },
          `foreign key ${fk.table} (${fk.columns.join(', ')}) has no index`,
        );
      }
    }
  }
}

/**
 * Lints one PostgreSQL migration over libpg-query's parse tree, DO blocks and PL/pgSQL functions
 * included, given what the registry's earlier migrations created. Returns the findings before
 * allowances, and what this file creates.
 */
export async function lintPostgres(text: string, earlier: CreatedObjects = new CreatedObjects()): Promise<FileLint> {
  await loadPgParser();
  const transactional = (normalizeSql(text).split('\n', 1)[0] ?? '').trim() !== NO_TRANSACTION_MARKER;
  const file = new PostgresFileLint(text, transactional, earlier);
  let parsed: { stmts?: { stmt?: Tree; stmt_location?: number; stmt_len?: number }[] };
  try {
    parsed = pgParser().parseSync(text) as typeof parsed;
  } catch (error) {
    const cursor = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    const offset = cursor === undefined ? 0 : Buffer.from(text).subarray(0, cursor).toString().length;
    const at = locateInText(text, offset);
    file.syntaxError({ ...at, text: (text.split('\n')[at.line - 1] ?? '').trim() }, error);
    return { findings: file.rules.findings, created: file.rules.created };
  }
  // libpg-query reports UTF-8 byte offsets; slice the bytes, then count characters, carried from one
  // statement to the next so a large file is read once, not once per statement.
  const bytes = Buffer.from(text);
  let byteAt = 0;
  let charAt = 0;
  for (const s of parsed.stmts ?? []) {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len === undefined ? bytes.length : start + s.stmt_len;
    if (start < byteAt) {
      byteAt = 0;
      charAt = 0;
    }
    charAt += bytes.subarray(byteAt, start).toString().length;
    byteAt = start;
    file.statement(s.stmt, bytes.subarray(start, end).toString(), charAt);
  }
  file.foreignKeysWithoutIndex();
  file.rules.finish();
  return { findings: file.rules.findings, created: file.rules.created };
}
