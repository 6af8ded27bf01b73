/** What a migration is made of: its dialects' SQL, the files it comes from; types only, imported by every reader of migrations. */

/** The SQL variants a migration carries; each dialect runs its own. */
export type SqlVariant = 'postgres' | 'sqlite';
export const SQL_VARIANTS: readonly SqlVariant[] = ['postgres', 'sqlite'];

/** Named so that a future change of normalisation or hash never silently invalidates history. */
export const CHECKSUM_ALGORITHM = 'sha256-lf-trimmed-v1';

/** First line that marks a migration that must run outside a transaction (CREATE INDEX CONCURRENTLY). */
export const NO_TRANSACTION_MARKER = '-- atlas:no-transaction';

/** One dialect's SQL of a migration. */
export interface MigrationScript {
  /** The file it came from, for error messages. */
  readonly file: string;
  readonly sql: string;
  readonly transactional: boolean;
  /** `CHECKSUM_ALGORITHM` over the normalised SQL, hex. */
  readonly checksum: string;
  /** PostgreSQL's split of `sql`, as the build computed it (a built registry then parses nothing at run time). */
  readonly precomputedSplit?: PrecomputedSplit;
  /** The statements checksum of each dialect that runs it, as the build computed it (`statementsChecksumOf` reads it). */
  readonly precomputedStatementsChecksums?: Readonly<Partial<Record<SqlVariant, string>>>;
}

/**
 * A script's statements as a build split them: each one's place in the script instead of its text, and
 * what the dialect read of it. `format` names the splitter that made it; a dialect uses the split only when
 * that is its own, and otherwise splits the script again.
 */
export interface PrecomputedSplit {
  readonly format: string;
  readonly statements: readonly ({ readonly at: number; readonly length: number } & Readonly<Record<string, unknown>>)[];
}

/** A numbered migration with its SQL for each dialect. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly scripts: Readonly<Record<SqlVariant, MigrationScript>>;
}

/** A file of a migration folder, as read from disk or embedded at build time. */
export interface MigrationFile {
  readonly fileName: string;
  readonly text: string;
  /**
   * What the build already computed for this text (the embed plugin): its checksum under
   * `checksumAlgorithm`, and whether it runs in a transaction. Used only when the algorithm is this
   * release's; otherwise the text is normalised and hashed again.
   */
  readonly precomputed?: {
    readonly checksum: string;
    readonly checksumAlgorithm: string;
    readonly transactional: boolean;
    readonly postgresSplit?: PrecomputedSplit;
    readonly statementsChecksums?: Readonly<Partial<Record<SqlVariant, string>>>;
  };
  /**
   * Read from disk on first use of `text` (a folder's file for the dialect a run does not use): its
   * script is then normalised and hashed on first use too, and never when nothing asks for it.
   */
  readonly deferred?: boolean;
}
