import { CreatedObjects, isReplaceableKind, type ObjectKind } from './created-objects.js';
import { DROP_KINDS, lastName, objectNames } from './postgres-tree.js';
import { PostgresTableRules, type Scope } from './postgres-table-rules.js';

// libpg-query's JSON trees are read defensively; @pgsql/types is not a dependency of this package.
type Tree = any;

/**
 * The statement-level rules over libpg-query's parse tree, for one file. Statements are visited in file
 * order so that what the file created earlier excuses a later drop or alter of it.
 */
export class PostgresStatementRules extends PostgresTableRules {
  /** `DROP … IF EXISTS` of objects no migration made yet: a removal unless the file creates them again (see `finish`). */
  private readonly replacements: { kind: ObjectKind; name: string; rule: string; scope: Scope; detail: string }[] = [];

  /** `earlier`: what the registry's earlier migrations created (a drop of it is a removal, whatever follows). */
  constructor(private readonly earlier: CreatedObjects = new CreatedObjects()) {
    super();
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

  private unguardedType(name: string | undefined, scope: Scope, noun = 'type'): void {
    if (!scope.guarded) this.report('unguarded-create', scope, `creates ${noun} ${name} outside an existence guard`);
    this.created.add('type', name);
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
}
