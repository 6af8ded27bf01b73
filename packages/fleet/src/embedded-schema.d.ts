declare module 'virtual:atlas-schema' {
  /** The texts of this package's `schema/postgres.snapshot` and `schema/sqlite.snapshot` at build time (null: none yet). */
  const snapshots: { readonly postgres: string | null; readonly sqlite: string | null };
  export default snapshots;
}
