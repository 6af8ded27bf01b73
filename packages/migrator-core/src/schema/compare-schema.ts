import { compareObjects, objectKey, parentTable, type SchemaObject } from './schema-object.js';
import { stateAfter, type SchemaSnapshot, type SnapshotObject } from './snapshot-format.js';

/**
 * - `missing`: an object of an applied version is absent (an error);
 * - `different`: present with another definition (an error);
 * - `extra`: present but not expected: unknown to the registry (hand-made, or a newer release's), or a
 *   registry object whose version is not applied yet (reported, not an error: forward-only).
 */
export type DriftKind = 'missing' | 'different' | 'extra';

export interface DriftFinding {
  readonly kind: DriftKind;
  /** `table`, `column`, `index`, … */
  readonly objectKind: SchemaObject['kind'];
  /** `billing_invoices.razorpay_order_id`. */
  readonly name: string;
  /** The version whose migration defines the expected state; for `extra`, the registry's version if it knows the object. */
  readonly version: number | null;
  readonly expected: string | null;
  readonly actual: string | null;
  /** Parts of a missing or extra table reported with it rather than one by one (its columns, indexes, …). */
  readonly parts?: number;
}

/** Whether a finding is an error (`missing`, `different`) rather than a note (`extra`). */
export function isDrift(finding: DriftFinding): boolean {
  return finding.kind !== 'extra';
}

export interface CompareOptions {
  /** Versions recorded as applied: only their objects are expected, in the state they left. */
  readonly applied: ReadonlySet<number>;
  /**
   * Check only the objects these versions created or changed (after a run: the versions it applied),
   * and report no extras. Absent: the whole schema.
   */
  readonly only?: ReadonlySet<number>;
}

/**
 * Compares what the catalog holds with what the snapshot says the applied versions produce. A missing
 * (or extra) table is one finding, not one per column: its parts are counted in `parts`.
 */
export function compareSchema(snapshot: SchemaSnapshot, actual: readonly SchemaObject[], options: CompareOptions): DriftFinding[] {
  const present = new Map(actual.map((o) => [objectKey(o), o]));
  const known = new Map(snapshot.objects.map((o) => [objectKey(o), o]));
  const findings: DriftFinding[] = [];
  const missingTables = new Map<string, number>();
  const inScope = (object: SnapshotObject) => !options.only || object.tags.some((t) => options.only!.has(t.version));
  // A table reported missing carries its parts; one outside the scope does not, and they are reported.
  const reportedMissing = new Set(
    snapshot.objects
      .filter((o) => o.kind === 'table' && inScope(o) && stateAfter(o, options.applied) !== null && !present.has(objectKey(o)))
      .map((o) => o.name),
  );
  for (const object of snapshot.objects) {
    if (!inScope(object)) continue;
    const expected = stateAfter(object, options.applied);
    if (expected === null) continue;
    const found = present.get(objectKey(object));
    const parent = parentTable(object);
    if (!found) {
      if (parent !== null && reportedMissing.has(parent)) {
        missingTables.set(parent, (missingTables.get(parent) ?? 0) + 1);
        continue;
      }
      findings.push({ kind: 'missing', objectKind: object.kind, name: object.name, version: expected.version, expected: expected.definition, actual: null });
    } else if (found.definition !== expected.definition) {
      findings.push({
        kind: 'different',
        objectKind: object.kind,
        name: object.name,
        version: expected.version,
        expected: expected.definition,
        actual: found.definition,
      });
    }
  }
  if (!options.only) {
    const extraTables = new Map<string, number>();
    for (const object of actual) {
      const registryObject = known.get(objectKey(object));
      if (registryObject && stateAfter(registryObject, options.applied) !== null) continue;
      const parent = parentTable(object);
      // The parts of a table that is itself extra come with it.
      if (parent !== null && present.has(`table ${parent}`) && !expectedTable(snapshot, parent, options.applied)) {
        extraTables.set(parent, (extraTables.get(parent) ?? 0) + 1);
        continue;
      }
      findings.push({
        kind: 'extra',
        objectKind: object.kind,
        name: object.name,
        version: registryObject?.tags[0]?.version ?? null,
        expected: null,
        actual: object.definition,
      });
    }
    for (const f of findings)
      if (f.kind === 'extra' && f.objectKind === 'table' && extraTables.has(f.name)) Object.assign(f, { parts: extraTables.get(f.name) });
  }
  for (const f of findings)
    if (f.kind === 'missing' && f.objectKind === 'table' && missingTables.has(f.name)) Object.assign(f, { parts: missingTables.get(f.name) });
  return findings.sort((a, b) => compareObjects({ kind: a.objectKind, name: a.name }, { kind: b.objectKind, name: b.name }));
}

function expectedTable(snapshot: SchemaSnapshot, table: string, applied: ReadonlySet<number>): boolean {
  const object = snapshot.objects.find((o) => o.kind === 'table' && o.name === table);
  return object !== undefined && stateAfter(object, applied) !== null;
}
