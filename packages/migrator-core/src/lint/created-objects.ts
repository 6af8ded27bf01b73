/** Kinds of objects a migration can create and later drop or alter. */
export type ObjectKind = 'table' | 'index' | 'constraint' | 'type' | 'view' | 'schema' | 'function' | 'sequence' | 'trigger' | 'extension' | 'policy';

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

  /** A column this file created, or any column of a table this file created. */
  hasColumn(table: string, column: string | undefined): boolean {
    return this.has('table', table) || (column !== undefined && this.columns.has(`${table}\0${column}`));
  }
}
