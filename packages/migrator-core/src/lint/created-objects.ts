/** Kinds of objects a migration can create and later drop or alter. */
export type ObjectKind = 'table' | 'index' | 'constraint' | 'type' | 'view' | 'schema' | 'function' | 'sequence' | 'trigger' | 'extension' | 'policy';

/**
 * Kinds whose objects hold data of their own: dropping one loses it, even when a CREATE follows (a table's
 * rows, a sequence's position). Every other kind is its definition alone.
 */
const DATA_KINDS: ReadonlySet<ObjectKind> = new Set(['table', 'sequence']);

/**
 * Whether `DROP … IF EXISTS x` (without CASCADE) followed in the same migration by `CREATE x` may be a
 * replacement rather than a removal: only for an object that is its definition alone (SQLite can replace
 * a trigger or a view no other way), and only when no earlier migration created it, since the new
 * definition then replaces nothing another migration promised.
 */
export function isReplaceableKind(kind: ObjectKind): boolean {
  return !DATA_KINDS.has(kind);
}

/**
 * What a migration file has created so far, in statement order. A migration may drop, rename or alter
 * what it created itself (a helper table, a temporary index): nothing outside it can depend on that yet.
 * Names are compared without their schema, as the parser folded them (unquoted lower-case, quoted as
 * written), which can only excuse too much when two schemas hold the same name.
 */
export class CreatedObjects {
  private readonly objects = new Set<string>();
  private readonly columns = new Set<string>();

  add(kind: ObjectKind, name: string | undefined): void {
    if (name !== undefined) this.objects.add(`${kind}\0${name}`);
  }

  has(kind: ObjectKind, name: string | undefined): boolean {
    return name !== undefined && this.objects.has(`${kind}\0${name}`);
  }

  addColumn(table: string, column: string | undefined): void {
    if (column !== undefined) this.columns.add(`${table}\0${column}`);
  }

  /** Adds everything `other` holds: what a later file of the same registry may rely on. */
  merge(other: CreatedObjects): void {
    for (const key of other.objects) this.objects.add(key);
    for (const key of other.columns) this.columns.add(key);
  }

  /** A column this file created, or any column of a table this file created. */
  hasColumn(table: string, column: string | undefined): boolean {
    return this.has('table', table) || (column !== undefined && this.columns.has(`${table}\0${column}`));
  }
}
