import { CreatedObjects } from './created-objects.js';
import type { RawFinding, StatementSite } from './findings.js';
import { SERIAL_TYPES, constraintsOf, isVolatile, lastName, strings } from './postgres-tree.js';

// libpg-query's JSON trees are read defensively; @pgsql/types is not a dependency of this package.
type Tree = any;

/** Where a statement sits: what it may rely on, and where to report it. */
export interface Scope {
  readonly site: StatementSite;
  /** Behind an existence check in a DO block. */
  readonly guarded: boolean;
  /** In a function body: it runs when the function is called, not when the migration runs. */
  readonly inFunction: boolean;
  readonly transactional: boolean;
}

/**
 * In a function body only the rules that remove or rewrite something apply: idempotency and lock
 * warnings are about the migration's own run, and the body runs later.
 */
const FUNCTION_BODY_RULES = new Set([
  'drop-table',
  'drop-column',
  'drop-constraint',
  'drop-index',
  'drop-object',
  'truncate',
  'rename-table',
  'rename-column',
  'alter-column-type',
  'set-not-null',
  'update-without-where',
  'delete-without-where',
]);

/** A foreign key whose columns this file created, to be matched against the file's indexes. */
export interface ForeignKeyColumns {
  readonly table: string;
  readonly columns: readonly string[];
  readonly site: StatementSite;
  readonly inFunction: boolean;
}

/**
 * What the statement rules record of one file (its findings, and the objects, foreign keys and keys it
 * creates), and the rules of the statements that make or change tables: CREATE TABLE, ALTER TABLE and
 * CREATE INDEX. `PostgresStatementRules` visits the other kinds.
 */
export abstract class PostgresTableRules {
  readonly findings: RawFinding[] = [];
  readonly created = new CreatedObjects();
  readonly foreignKeys: ForeignKeyColumns[] = [];
  /** Leading columns of each index, primary key and unique constraint the file creates, per table. */
  readonly keys: { table: string; columns: string[] }[] = [];

  report(rule: string, scope: Scope, detail: string): void {
    if (scope.inFunction && !FUNCTION_BODY_RULES.has(rule)) return;
    this.findings.push({ rule, site: scope.site, detail });
  }

  protected idempotentCreate(idempotent: boolean, scope: Scope, detail: string): void {
    if (!idempotent && !scope.guarded) this.report('non-idempotent-create', scope, detail);
  }

  protected concurrently(scope: Scope, what: string): void {
    if (scope.transactional && !scope.inFunction)
      this.report('concurrently-in-transaction', scope, `${what} in a migration without \`-- atlas:no-transaction\``);
  }

  protected alterTable(stmt: Tree, scope: Scope): void {
    if (stmt.objtype !== undefined && stmt.objtype !== 'OBJECT_TABLE') return;
    const table = stmt.relation?.relname as string;
    const tableIsNew = this.created.has('table', table);
    for (const item of stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      if (!cmd) continue;
      switch (cmd.subtype) {
        case 'AT_AddColumn':
          this.addColumn(table, tableIsNew, cmd, scope);
          break;
        case 'AT_DropColumn':
          if (!this.created.hasColumn(table, cmd.name)) this.report('drop-column', scope, `drops column ${table}.${cmd.name}`);
          break;
        case 'AT_AlterColumnType':
          if (!this.created.hasColumn(table, cmd.name)) this.report('alter-column-type', scope, `changes the type of ${table}.${cmd.name}`);
          break;
        case 'AT_SetNotNull':
          if (!this.created.hasColumn(table, cmd.name)) this.report('set-not-null', scope, `sets ${table}.${cmd.name} NOT NULL`);
          break;
        case 'AT_AddConstraint':
          this.addConstraint(table, tableIsNew, cmd.def?.Constraint, scope);
          break;
        case 'AT_DropConstraint':
          if (!tableIsNew && !this.created.has('constraint', cmd.name)) this.report('drop-constraint', scope, `drops constraint ${cmd.name} of ${table}`);
          break;
        default:
          break;
      }
    }
  }

  private addColumn(table: string, tableIsNew: boolean, cmd: Tree, scope: Scope): void {
    const column = cmd.def?.ColumnDef;
    const name = column?.colname as string | undefined;
    if (!cmd.missing_ok && !scope.guarded) this.report('non-idempotent-add-column', scope, `adds column ${table}.${name} without IF NOT EXISTS`);
    const constraints = constraintsOf(column);
    const types = (constraints as Tree[]).map((c) => c.contype as string);
    const filled = types.some((t) => t === 'CONSTR_DEFAULT' || t === 'CONSTR_IDENTITY' || t === 'CONSTR_GENERATED');
    if (!tableIsNew && (types.includes('CONSTR_NOTNULL') || types.includes('CONSTR_PRIMARY')) && !filled) {
      this.report('not-null-without-default', scope, `adds NOT NULL column ${table}.${name} without a default`);
    }
    const typeName = lastName(column?.typeName?.names)?.toLowerCase();
    const rewrites =
      (typeName !== undefined && SERIAL_TYPES.has(typeName)) ||
      constraints.some(
        (c: Tree) =>
          c.contype === 'CONSTR_IDENTITY' ||
          (c.contype === 'CONSTR_GENERATED' && c.generated_kind === 's') ||
          (c.contype === 'CONSTR_DEFAULT' && isVolatile(c.raw_expr)),
      );
    if (!tableIsNew && rewrites) this.report('volatile-default', scope, `adds column ${table}.${name} with a volatile default`);
    this.created.addColumn(table, name);
    for (const c of constraints as Tree[]) {
      if (c.conname) this.created.add('constraint', c.conname);
      if (c.contype === 'CONSTR_FOREIGN' && name) this.foreignKeys.push({ table, columns: [name], site: scope.site, inFunction: scope.inFunction });
      if ((c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE') && name) this.keys.push({ table, columns: [name] });
    }
  }

  private addConstraint(table: string, tableIsNew: boolean, constraint: Tree, scope: Scope): void {
    if (!constraint) return;
    const name = constraint.conname ?? '(unnamed)';
    if (!scope.guarded) this.report('unguarded-add-constraint', scope, `adds constraint ${name} to ${table} outside an existence guard`);
    const validates = constraint.contype === 'CONSTR_FOREIGN' || constraint.contype === 'CONSTR_CHECK';
    if (validates && !tableIsNew && !constraint.skip_validation) {
      this.report(
        'constraint-without-not-valid',
        scope,
        `adds ${constraint.contype === 'CONSTR_FOREIGN' ? 'foreign key' : 'check'} ${name} to existing table ${table} without NOT VALID`,
      );
    }
    this.created.add('constraint', constraint.conname);
    this.tableConstraint(table, constraint, scope);
  }

  /** Records the foreign keys and unique keys of a table-level constraint. */
  private tableConstraint(table: string, constraint: Tree, scope: Scope): void {
    if (constraint.contype === 'CONSTR_FOREIGN') {
      const columns = strings(constraint.fk_attrs);
      // Only a foreign key over columns this file created is a "new foreign key column".
      if (columns.length > 0 && columns.every((c) => this.created.hasColumn(table, c)))
        this.foreignKeys.push({ table, columns, site: scope.site, inFunction: scope.inFunction });
    }
    if (constraint.contype === 'CONSTR_PRIMARY' || constraint.contype === 'CONSTR_UNIQUE') this.keys.push({ table, columns: strings(constraint.keys) });
  }

  protected createTable(stmt: Tree, scope: Scope): void {
    const table = stmt.relation?.relname as string;
    this.idempotentCreate(Boolean(stmt.if_not_exists), scope, `creates table ${table} without IF NOT EXISTS`);
    this.created.add('table', table);
    for (const element of stmt.tableElts ?? []) {
      if (element.ColumnDef) {
        const column = element.ColumnDef;
        this.created.addColumn(table, column.colname);
        for (const c of constraintsOf(column) as Tree[]) {
          if (c.conname) this.created.add('constraint', c.conname);
          if (c.contype === 'CONSTR_FOREIGN') this.foreignKeys.push({ table, columns: [column.colname], site: scope.site, inFunction: scope.inFunction });
          if (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE') this.keys.push({ table, columns: [column.colname] });
        }
      } else if (element.Constraint) {
        if (element.Constraint.conname) this.created.add('constraint', element.Constraint.conname);
        this.tableConstraint(table, element.Constraint, scope);
      }
    }
  }

  protected createIndex(stmt: Tree, scope: Scope): void {
    const table = stmt.relation?.relname as string;
    const name = stmt.idxname ?? '(unnamed)';
    this.idempotentCreate(Boolean(stmt.if_not_exists), scope, `creates index ${name} without IF NOT EXISTS`);
    if (stmt.concurrent) this.concurrently(scope, `CREATE INDEX CONCURRENTLY ${name}`);
    else if (!this.created.has('table', table))
      this.report('blocking-create-index', scope, `builds index ${name} on existing table ${table} without CONCURRENTLY`);
    this.created.add('index', stmt.idxname);
    // Expression elements end the usable prefix: a foreign key needs the plain column first.
    const columns: string[] = [];
    for (const param of stmt.indexParams ?? []) {
      const column = param.IndexElem?.name;
      if (typeof column !== 'string') break;
      columns.push(column);
    }
    if (!stmt.whereClause) this.keys.push({ table, columns });
  }
}
