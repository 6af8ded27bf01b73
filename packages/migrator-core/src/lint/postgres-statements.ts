import { CreatedObjects, isReplaceableKind, type ObjectKind } from './created-objects.js';
import { DROP_KINDS, SERIAL_TYPES, constraintsOf, isVolatile, lastName, objectNames, strings } from './postgres-tree.js';
import type { RawFinding, StatementSite } from './findings.js';

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
 * The statement-level rules over libpg-query's parse tree, for one file. Statements are visited in file
 * order so that what the file created earlier excuses a later drop or alter of it.
 */
export class PostgresStatementRules {
  readonly findings: RawFinding[] = [];
  readonly created = new CreatedObjects();
  readonly foreignKeys: ForeignKeyColumns[] = [];
  /** Leading columns of each index, primary key and unique constraint the file creates, per table. */
  readonly keys: { table: string; columns: string[] }[] = [];
  /** `DROP … IF EXISTS` of objects no migration made yet: a removal unless the file creates them again (see `finish`). */
  private readonly replacements: { kind: ObjectKind; name: string; rule: string; scope: Scope; detail: string }[] = [];

  /** `earlier`: what the registry's earlier migrations created (a drop of it is a removal, whatever follows). */
  constructor(private readonly earlier: CreatedObjects = new CreatedObjects()) {}

  report(rule: string, scope: Scope, detail: string): void {
    if (scope.inFunction && !FUNCTION_BODY_RULES.has(rule)) return;
    this.findings.push({ rule, site: scope.site, detail });
  }

  visit(node: Tree, scope: Scope): void {
    const kind = Object.keys(node ?? {})[0];
    if (!kind) return;
    const stmt = node[kind];
    switch (kind) {
      case 'DropStmt':
        return this.drop(stmt, scope);
      case 'TruncateStmt': {
        const tables = (stmt.relations ?? []).map((r: Tree) => r.RangeVar?.relname as string);
        if (!tables.every((t: string) => this.created.has('table', t))) this.report('truncate', scope, `truncates ${tables.join(', ')}`);
        return;
      }
      case 'RenameStmt':
        return this.rename(stmt, scope);
      case 'AlterTableStmt':
        return this.alterTable(stmt, scope);
      case 'CreateStmt':
        return this.createTable(stmt, scope);
      case 'CreateTableAsStmt': {
        const isView = stmt.objtype === 'OBJECT_MATVIEW';
        this.idempotentCreate(
          Boolean(stmt.if_not_exists),
          scope,
          `creates ${isView ? 'materialized view' : 'table'} ${stmt.into?.rel?.relname} without IF NOT EXISTS`,
        );
        this.created.add(isView ? 'view' : 'table', stmt.into?.rel?.relname);
        return;
      }
      case 'IndexStmt':
        return this.createIndex(stmt, scope);
      case 'CreateSchemaStmt':
        this.idempotentCreate(Boolean(stmt.if_not_exists), scope, `creates schema ${stmt.schemaname} without IF NOT EXISTS`);
        return this.created.add('schema', stmt.schemaname);
      case 'CreateExtensionStmt':
        this.idempotentCreate(Boolean(stmt.if_not_exists), scope, `creates extension ${stmt.extname} without IF NOT EXISTS`);
        return this.created.add('extension', stmt.extname);
      case 'CreateSeqStmt':
        this.idempotentCreate(Boolean(stmt.if_not_exists), scope, `creates sequence ${stmt.sequence?.relname} without IF NOT EXISTS`);
        return this.created.add('sequence', stmt.sequence?.relname);
      case 'ViewStmt':
        this.idempotentCreate(Boolean(stmt.replace), scope, `creates view ${stmt.view?.relname} without OR REPLACE`);
        return this.created.add('view', stmt.view?.relname);
      case 'CreateFunctionStmt':
        this.idempotentCreate(
          Boolean(stmt.replace),
          scope,
          `creates ${stmt.is_procedure ? 'procedure' : 'function'} ${lastName(stmt.funcname)} without OR REPLACE`,
        );
        return this.created.add('function', lastName(stmt.funcname));
      case 'CreateTrigStmt':
        if (!stmt.replace && !scope.guarded)
          this.report('unguarded-create', scope, `creates trigger ${stmt.trigname} without OR REPLACE or an existence guard`);
        return this.created.add('trigger', stmt.trigname);
      case 'CreateEnumStmt':
      case 'CreateRangeStmt':
        return this.unguardedType(lastName(stmt.typeName), scope);
      case 'CompositeTypeStmt':
        return this.unguardedType(stmt.typevar?.relname, scope);
      case 'CreateDomainStmt':
        return this.unguardedType(lastName(stmt.domainname), scope, 'domain');
      case 'DefineStmt':
        if (stmt.kind === 'OBJECT_TYPE') this.unguardedType(lastName(stmt.defnames), scope);
        return;
      case 'CreatePolicyStmt':
        if (!scope.guarded) this.report('unguarded-create', scope, `creates policy ${stmt.policy_name} outside an existence guard`);
        return this.created.add('policy', stmt.policy_name);
      case 'AlterEnumStmt':
        if (stmt.newVal !== undefined && stmt.oldVal === undefined && !stmt.skipIfNewValExists && !scope.guarded) {
          this.report('non-idempotent-create', scope, `adds enum value '${stmt.newVal}' without IF NOT EXISTS`);
        }
        return;
      case 'UpdateStmt':
        if (!stmt.whereClause && !this.created.has('table', stmt.relation?.relname))
          this.report('update-without-where', scope, `updates every row of ${stmt.relation?.relname}`);
        return;
      case 'DeleteStmt':
        if (!stmt.whereClause && !this.created.has('table', stmt.relation?.relname))
          this.report('delete-without-where', scope, `deletes every row of ${stmt.relation?.relname}`);
        return;
      case 'RefreshMatViewStmt':
        if (stmt.concurrent) this.concurrently(scope, 'REFRESH MATERIALIZED VIEW CONCURRENTLY');
        return;
      case 'ReindexStmt':
        if ((stmt.params ?? []).some((p: Tree) => p.DefElem?.defname === 'concurrently')) this.concurrently(scope, 'REINDEX CONCURRENTLY');
        return;
      default:
        return;
    }
  }

  private idempotentCreate(idempotent: boolean, scope: Scope, detail: string): void {
    if (!idempotent && !scope.guarded) this.report('non-idempotent-create', scope, detail);
  }

  private unguardedType(name: string | undefined, scope: Scope, noun = 'type'): void {
    if (!scope.guarded) this.report('unguarded-create', scope, `creates ${noun} ${name} outside an existence guard`);
    this.created.add('type', name);
  }

  private concurrently(scope: Scope, what: string): void {
    if (scope.transactional && !scope.inFunction)
      this.report('concurrently-in-transaction', scope, `${what} in a migration without \`-- atlas:no-transaction\``);
  }

  private drop(stmt: Tree, scope: Scope): void {
    const meta = DROP_KINDS[stmt.removeType as string];
    if (stmt.concurrent) this.concurrently(scope, 'DROP INDEX CONCURRENTLY');
    if (!meta) return;
    for (const object of stmt.objects ?? []) {
      const names = objectNames(object);
      const name = names.at(-1);
      // A trigger or policy belongs to its table: dropping one on a table this file created is the file's business.
      const onTable = meta.kind === 'trigger' || meta.kind === 'policy' ? names.at(-2) : undefined;
      if (this.created.has(meta.kind, name) || (onTable !== undefined && this.created.has('table', onTable))) continue;
      const detail = `drops ${meta.noun} ${names.join('.')}`;
      // CASCADE would take other objects with it, which the CREATE does not bring back.
      if (name !== undefined && stmt.missing_ok && stmt.behavior !== 'DROP_CASCADE' && isReplaceableKind(meta.kind) && !this.earlier.has(meta.kind, name)) {
        this.replacements.push({ kind: meta.kind, name, rule: meta.rule, scope, detail });
        continue;
      }
      this.report(meta.rule, scope, detail);
    }
  }

  /**
   * Ends the file: a `DROP … IF EXISTS` followed by a CREATE of the same object replaced it; one
   * without such a CREATE removed it. (Nothing of that name existed when it was dropped, so a CREATE
   * of it since can only have come after the drop.)
   */
  finish(): void {
    for (const r of this.replacements) if (!this.created.has(r.kind, r.name)) this.report(r.rule, r.scope, r.detail);
  }

  private rename(stmt: Tree, scope: Scope): void {
    const table = stmt.relation?.relname as string | undefined;
    if (stmt.renameType === 'OBJECT_TABLE' && table !== undefined && !this.created.has('table', table)) {
      this.report('rename-table', scope, `renames table ${table} to ${stmt.newname}`);
    } else if (stmt.renameType === 'OBJECT_COLUMN' && table !== undefined && !this.created.hasColumn(table, stmt.subname)) {
      this.report('rename-column', scope, `renames column ${table}.${stmt.subname} to ${stmt.newname}`);
    }
    if (stmt.renameType === 'OBJECT_TABLE') this.created.add('table', stmt.newname);
    if (stmt.renameType === 'OBJECT_COLUMN' && table !== undefined) this.created.addColumn(table, stmt.newname);
  }

  private alterTable(stmt: Tree, scope: Scope): void {
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

  private createTable(stmt: Tree, scope: Scope): void {
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

  private createIndex(stmt: Tree, scope: Scope): void {
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
