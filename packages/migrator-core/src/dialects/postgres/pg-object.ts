/**
 * The objects a PostgreSQL statement creates, as the catalog knows them: how to name one in a message, and
 * how to ask the catalog whether it is there.
 */

/** An object whose presence the catalog can confirm. `schema` null: found through `search_path`. */
export type PgObject =
  /**
   * `relkinds`: the pg_class kinds the statement makes (`iI` for an index); a relation of another kind is not it.
   * `table`: for an index, the table it is built on (in the same schema); an index of that name on another table is not it.
   */
  | { readonly kind: 'relation'; readonly schema: string | null; readonly name: string; readonly relkinds?: string; readonly table?: string }
  | { readonly kind: 'column'; readonly schema: string | null; readonly table: string; readonly name: string }
  | { readonly kind: 'constraint'; readonly schema: string | null; readonly table: string; readonly name: string }
  | { readonly kind: 'trigger'; readonly schema: string | null; readonly table: string; readonly name: string }
  | { readonly kind: 'policy'; readonly schema: string | null; readonly table: string; readonly name: string }
  | { readonly kind: 'schema'; readonly name: string }
  | { readonly kind: 'extension'; readonly name: string }
  | { readonly kind: 'type'; readonly schema: string | null; readonly name: string }
  | { readonly kind: 'function'; readonly schema: string | null; readonly name: string }
  | { readonly kind: 'enum-label'; readonly schema: string | null; readonly type: string; readonly name: string };

/** Text of an object for messages, as PostgreSQL would name it. */
export function describePgObject(object: PgObject): string {
  const q = (schema: string | null, name: string) => (schema ? `${schema}.${name}` : name);
  switch (object.kind) {
    case 'column':
      return `column "${object.name}" of relation "${q(object.schema, object.table)}"`;
    case 'constraint':
    case 'trigger':
    case 'policy':
      return `${object.kind} "${object.name}" of relation "${q(object.schema, object.table)}"`;
    case 'enum-label':
      return `label "${object.name}" of enum "${q(object.schema, object.type)}"`;
    case 'relation':
      return object.table ? `index "${q(object.schema, object.name)}" on "${q(object.schema, object.table)}"` : `relation "${q(object.schema, object.name)}"`;
    case 'schema':
    case 'extension':
      return `${object.kind} "${object.name}"`;
    default:
      return `${object.kind} "${q(object.schema, object.name)}"`;
  }
}

/** One query, with parameters, that answers whether the object is in the catalog. */
export function existenceQuery(object: PgObject): { text: string; values: unknown[] } {
  // The qualified name is built server-side with quote_ident: never by interpolating names.
  const rel = (schema: string | null, name: string) => ({
    expr: "to_regclass(CASE WHEN $1::text IS NULL THEN quote_ident($2) ELSE quote_ident($1) || '.' || quote_ident($2) END)",
    values: [schema, name],
  });
  switch (object.kind) {
    case 'relation': {
      // Tables, indexes, views and sequences share one namespace: an index's name taken by a table is not the index.
      const r = rel(object.schema, object.name);
      const onTable =
        '($4::text IS NULL OR EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = c.oid AND indrelid = to_regclass(CASE WHEN $1::text IS NULL THEN ' +
        "quote_ident($4) ELSE quote_ident($1) || '.' || quote_ident($4) END)))";
      return {
        text:
          `SELECT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = ${r.expr} AND ($3::text IS NULL OR strpos($3::text, c.relkind::text) > 0) AND ` +
          `${onTable}) AS present`,
        values: [...r.values, object.relkinds ?? null, object.table ?? null],
      };
    }
    case 'column': {
      const r = rel(object.schema, object.table);
      return {
        text: `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${r.expr} AND attname = $3 AND attnum > 0 AND NOT attisdropped) AS present`,
        values: [...r.values, object.name],
      };
    }
    case 'constraint': {
      const r = rel(object.schema, object.table);
      return { text: `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${r.expr} AND conname = $3) AS present`, values: [...r.values, object.name] };
    }
    case 'trigger': {
      const r = rel(object.schema, object.table);
      return { text: `SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ${r.expr} AND tgname = $3) AS present`, values: [...r.values, object.name] };
    }
    case 'policy': {
      const r = rel(object.schema, object.table);
      return { text: `SELECT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = ${r.expr} AND polname = $3) AS present`, values: [...r.values, object.name] };
    }
    case 'schema':
      return { text: 'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present', values: [object.name] };
    case 'extension':
      return { text: 'SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = $1) AS present', values: [object.name] };
    case 'type':
      return {
        text: "SELECT to_regtype(CASE WHEN $1::text IS NULL THEN quote_ident($2) ELSE quote_ident($1) || '.' || quote_ident($2) END) IS NOT NULL AS present",
        values: [object.schema, object.name],
      };
    case 'function':
      // CREATE FUNCTION creates nothing but its function: 42723 there can only be about that function.
      return {
        text:
          'SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = $2 AND ($1::text IS NULL OR pronamespace = (SELECT oid FROM pg_namespace WHERE ' +
          'nspname = $1))) AS present',
        values: [object.schema, object.name],
      };
    case 'enum-label':
      return {
        text:
          'SELECT EXISTS (SELECT 1 FROM pg_enum WHERE enumtypid = to_regtype(CASE WHEN $1::text IS NULL THEN quote_ident($2) ELSE quote_ident($1) ' +
          "|| '.' || quote_ident($2) END) AND enumlabel = $3) AS present",
        values: [object.schema, object.type, object.name],
      };
  }
}
