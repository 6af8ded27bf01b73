// libpg-query's JSON trees are read defensively; @pgsql/types is not a dependency of this package.
type Tree = any;

/** Is this top-level statement safe to run again after an interruption, all by itself? */
export function idempotentAlone(node: Tree): boolean {
  const kind = Object.keys(node ?? {})[0];
  const stmt = kind ? node[kind] : undefined;
  switch (kind) {
    case 'CreateStmt':
    case 'IndexStmt':
    case 'CreateSchemaStmt':
    case 'CreateExtensionStmt':
    case 'CreateSeqStmt':
    case 'CreateTableAsStmt':
      return Boolean(stmt.if_not_exists);
    case 'ViewStmt':
    case 'CreateFunctionStmt':
    case 'CreateTrigStmt':
      return Boolean(stmt.replace);
    case 'CreateEnumStmt':
    case 'CreateRangeStmt':
    case 'CompositeTypeStmt':
    case 'CreateDomainStmt':
    case 'CreatePolicyStmt':
    case 'RenameStmt':
      return false;
    case 'DefineStmt':
      return stmt.kind !== 'OBJECT_TYPE';
    case 'AlterEnumStmt':
      return stmt.newVal === undefined || Boolean(stmt.skipIfNewValExists);
    case 'DropStmt':
      return Boolean(stmt.missing_ok);
    case 'InsertStmt':
      return stmt.onConflictClause !== undefined;
    case 'UpdateStmt':
      // Setting constants is idempotent; anything computed from the row (n = n + 1) may not be.
      return (stmt.targetList ?? []).every((t: Tree) => {
        const value = t.ResTarget?.val;
        return value?.A_Const !== undefined || value?.TypeCast?.arg?.A_Const !== undefined;
      });
    case 'AlterTableStmt':
      return (stmt.cmds ?? []).every((item: Tree) => {
        const cmd = item.AlterTableCmd;
        if (cmd?.subtype === 'AT_AddConstraint') return false;
        if (cmd?.subtype === 'AT_AddColumn' || cmd?.subtype === 'AT_DropColumn' || cmd?.subtype === 'AT_DropConstraint') return Boolean(cmd.missing_ok);
        return true;
      });
    default:
      return true;
  }
}
