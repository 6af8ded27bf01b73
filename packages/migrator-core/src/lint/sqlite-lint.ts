import { locateInStatement } from '../dialect.js';
import { splitSqliteScript } from '../dialects/sqlite/script.js';
import { scratchSqlite, sqliteSyntaxError } from '../dialects/sqlite/syntax.js';
import { CreatedObjects, isReplaceableKind, type ObjectKind } from './created-objects.js';
import type { FileLint, RawFinding, StatementSite } from './findings.js';
import { nameOf, tokenizeSqlite, type SqliteToken } from '../dialects/sqlite/lexer.js';

const CREATE_KINDS: Record<string, ObjectKind> = { TABLE: 'table', INDEX: 'index', VIEW: 'view', TRIGGER: 'trigger' };

/** A reader over one statement's tokens. */
class Tokens {
  i = 0;
  constructor(readonly list: readonly SqliteToken[]) {}

  word(offset = 0): string | undefined {
    const t = this.list[this.i + offset];
    return t?.kind === 'word' ? t.value : undefined;
  }

  /** Consumes the given keywords if they come next. */
  accept(...words: string[]): boolean {
    if (!words.every((w, k) => this.word(k) === w)) return false;
    this.i += words.length;
    return true;
  }

  /** Consumes a possibly schema-qualified name and returns its last part. */
  name(): string | undefined {
    let name = nameOf(this.list[this.i]);
    if (name === undefined) return undefined;
    this.i++;
    while (this.list[this.i]?.value === '.' && nameOf(this.list[this.i + 1]) !== undefined) {
      name = nameOf(this.list[this.i + 1]);
      this.i += 2;
    }
    return name;
  }

  /** Whether a keyword appears outside parentheses from here on. */
  hasTopLevel(word: string): boolean {
    let depth = 0;
    for (const t of this.list.slice(this.i)) {
      if (t.value === '(') depth++;
      else if (t.value === ')') depth--;
      else if (depth === 0 && t.kind === 'word' && t.value === word) return true;
    }
    return false;
  }

  /** Whether the given keywords appear in sequence anywhere from here on. */
  hasSequence(...words: string[]): boolean {
    return this.list.slice(this.i).some((_, k) => words.every((w, n) => this.list[this.i + k + n]?.kind === 'word' && this.list[this.i + k + n]?.value === w));
  }
}

class SqliteFileLint {
  readonly findings: RawFinding[] = [];
  readonly created = new CreatedObjects();
  /** `DROP … IF EXISTS` of objects no migration made yet: a removal unless the file creates them again. */
  private readonly replacements: { kind: ObjectKind; name: string; rule: string; site: StatementSite; detail: string }[] = [];
  /** DROP TABLE of tables the file did not create, held until the file shows whether it is a rebuild. */
  private readonly drops: { table: string; site: StatementSite; index: number }[] = [];
  private readonly renames: { from: string; to: string; site: StatementSite; index: number; fromIsNew: boolean }[] = [];
  private readonly creates: { table: string; index: number }[] = [];

  /** `earlier`: what the registry's earlier migrations created (a drop of it is a removal, whatever follows). */
  constructor(private readonly earlier: CreatedObjects) {}

  report(rule: string, site: StatementSite, detail: string): void {
    this.findings.push({ rule, site, detail });
  }

  statement(tokens: Tokens, site: StatementSite, index: number): void {
    if (tokens.accept('CREATE')) return this.create(tokens, site, index);
    if (tokens.accept('DROP')) return this.drop(tokens, site, index);
    if (tokens.accept('ALTER', 'TABLE')) return this.alter(tokens, site, index);
    if (tokens.accept('UPDATE')) {
      if (tokens.accept('OR')) tokens.i++;
      const table = tokens.name();
      if (table !== undefined && !tokens.hasTopLevel('WHERE') && !this.created.has('table', table))
        this.report('update-without-where', site, `updates every row of ${table}`);
      return;
    }
    if (tokens.accept('DELETE', 'FROM')) {
      const table = tokens.name();
      if (table !== undefined && !tokens.hasTopLevel('WHERE') && !this.created.has('table', table))
        this.report('delete-without-where', site, `deletes every row of ${table}`);
    }
  }

  private create(tokens: Tokens, site: StatementSite, index: number): void {
    tokens.accept('TEMP') || tokens.accept('TEMPORARY');
    tokens.accept('UNIQUE');
    const virtual = tokens.accept('VIRTUAL');
    const keyword = tokens.word();
    const kind = keyword === undefined ? undefined : CREATE_KINDS[keyword];
    if (!kind) return;
    tokens.i++;
    const guarded = tokens.accept('IF', 'NOT', 'EXISTS');
    const name = tokens.name();
    if (!guarded) this.report('non-idempotent-create', site, `creates ${virtual ? 'virtual table' : keyword!.toLowerCase()} ${name} without IF NOT EXISTS`);
    this.created.add(kind, name);
    if (kind === 'table' && name !== undefined) this.creates.push({ table: name, index });
  }

  private drop(tokens: Tokens, site: StatementSite, index: number): void {
    const keyword = tokens.word();
    const kind = keyword === undefined ? undefined : CREATE_KINDS[keyword];
    if (!kind) return;
    tokens.i++;
    const ifExists = tokens.accept('IF', 'EXISTS');
    const name = tokens.name();
    if (this.created.has(kind, name)) return;
    if (kind === 'table' && name !== undefined) return void this.drops.push({ table: name, site, index });
    const rule = kind === 'index' ? 'drop-index' : 'drop-object';
    const detail = `drops ${keyword!.toLowerCase()} ${name}`;
    // SQLite has no CREATE OR REPLACE: a trigger or view is replaced by dropping it and creating it again.
    if (ifExists && name !== undefined && isReplaceableKind(kind) && !this.earlier.has(kind, name)) this.replacements.push({ kind, name, rule, site, detail });
    else this.report(rule, site, detail);
  }

  private alter(tokens: Tokens, site: StatementSite, index: number): void {
    const table = tokens.name();
    if (table === undefined) return;
    const tableIsNew = this.created.has('table', table);
    if (tokens.accept('RENAME', 'TO')) {
      const to = tokens.name() ?? '';
      this.renames.push({ from: table, to, site, index, fromIsNew: tableIsNew });
      this.created.add('table', to);
    } else if (tokens.accept('RENAME')) {
      tokens.accept('COLUMN');
      const column = tokens.name();
      tokens.accept('TO');
      const to = tokens.name();
      if (!this.created.hasColumn(table, column)) this.report('rename-column', site, `renames column ${table}.${column} to ${to}`);
      this.created.addColumn(table, to);
    } else if (tokens.accept('DROP')) {
      tokens.accept('COLUMN');
      const column = tokens.name();
      if (!this.created.hasColumn(table, column)) this.report('drop-column', site, `drops column ${table}.${column}`);
    } else if (tokens.accept('ADD')) {
      tokens.accept('COLUMN');
      const column = tokens.name();
      // SQLite itself refuses this on a table with rows; older code inserting without the column would fail too.
      if (!tableIsNew && tokens.hasSequence('NOT', 'NULL') && !tokens.hasTopLevel('DEFAULT'))
        this.report('not-null-without-default', site, `adds NOT NULL column ${table}.${column} without a default`);
      if (column !== undefined) this.created.addColumn(table, column);
    }
  }

  /**
   * Drops and renames of tables the file did not create. A drop of T followed by a rename of a new
   * table to T, or a rename of T followed by a new T, is the table-rebuild pattern: one finding.
   */
  finish(): void {
    // Nothing of that name existed when it was dropped, so a CREATE of it since came after the drop.
    for (const r of this.replacements) if (!this.created.has(r.kind, r.name)) this.report(r.rule, r.site, r.detail);
    const rebuiltRenames = new Set<object>();
    for (const drop of this.drops) {
      const swap = this.renames.find((r) => r.to === drop.table && r.index > drop.index && r.fromIsNew);
      if (swap) {
        rebuiltRenames.add(swap);
        this.report('table-rebuild', drop.site, `rebuilds table ${drop.table} (drop, then rename ${swap.from} to ${drop.table})`);
      } else {
        this.report('drop-table', drop.site, `drops table ${drop.table}`);
      }
    }
    for (const rename of this.renames) {
      if (rename.fromIsNew || rebuiltRenames.has(rename)) continue;
      const recreated = this.creates.some((c) => c.table === rename.from && c.index > rename.index);
      if (recreated) this.report('table-rebuild', rename.site, `rebuilds table ${rename.from} (renamed to ${rename.to}, then created anew)`);
      else this.report('rename-table', rename.site, `renames table ${rename.from} to ${rename.to}`);
    }
  }
}

/**
 * Lints one SQLite migration with the SQLite rules, given what the registry's earlier migrations
 * created. Returns the findings before allowances, and what this file creates.
 */
export function lintSqlite(text: string, earlier: CreatedObjects = new CreatedObjects()): FileLint {
  // Split exactly as the engine splits it, so a finding's line is the line the engine would run.
  const statements = splitSqliteScript(text);
  const file = new SqliteFileLint(earlier);
  // SQLite's own parser, as `plan` and `up` check syntax (dialects/sqlite/syntax.ts): the same position for the same error.
  const scratch = scratchSqlite();
  for (const statement of statements) {
    const site: StatementSite = { line: statement.line, column: statement.column, text: statement.text.split('\n', 1)[0]!.trim() };
    const refused = scratch === null ? null : sqliteSyntaxError(scratch, statement.text);
    if (refused !== null) {
      const at = locateInStatement(statement, refused.offset);
      file.findings.push({
        rule: 'syntax-error',
        site: { ...at, text: statement.text.split('\n')[at.line - statement.line]!.trim() },
        detail: refused.message,
      });
      continue;
    }
    file.statement(new Tokens(tokenizeSqlite(statement.text)), site, statement.index);
  }
  file.finish();
  return { findings: file.findings, created: file.created };
}
