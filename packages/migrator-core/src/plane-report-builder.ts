import type { Plan } from './plan.js';
import type { DriftReport } from './schema/drift-check.js';
import type {
  AppliedMigration,
  PendingMigration,
  PlaneError,
  PlaneReport,
  PlannedMigration,
  ReformattedMigration,
  RunMode,
  SyntaxGrammar,
  UnverifiedMigration,
} from './report.js';

export class PlaneReportBuilder {
  connected = false;
  applied: AppliedMigration[] = [];
  alreadyApplied: number[] = [];
  pending: PendingMigration[] = [];
  unknownApplied: number[] = [];
  outOfOrder: number[] = [];
  unverified: UnverifiedMigration[] = [];
  reformatted: ReformattedMigration[] = [];
  /** Whether this run may have committed anything (the history made or adopted, a row written). */
  changed = false;
  unrecordedObjects: readonly string[] = [];
  drift: DriftReport | null = null;
  error: PlaneError | null = null;
  planned: PlannedMigration[] | undefined;
  syntaxGrammar: SyntaxGrammar | null = null;

  constructor(
    private readonly plane: string,
    private readonly target: string,
    private readonly mode: RunMode,
  ) {}

  takePlan(plan: Plan): void {
    this.alreadyApplied = plan.alreadyApplied;
    this.unknownApplied = plan.unknownApplied;
    this.outOfOrder = plan.outOfOrder;
    this.unverified = plan.unverified;
    this.reformatted = plan.reformatted;
    const notRun = this.mode === 'dry-run' ? plan.pending : [...plan.pending, ...plan.beyondTarget];
    this.pending = notRun.map(({ version, name }) => ({ version, name }));
  }

  build(): PlaneReport {
    return Object.freeze({
      plane: this.plane,
      target: this.target,
      mode: this.mode,
      ok: this.error === null,
      connected: this.connected,
      applied: this.applied,
      alreadyApplied: this.alreadyApplied,
      pending: this.pending,
      unknownApplied: this.unknownApplied,
      outOfOrder: this.outOfOrder,
      unverified: this.unverified,
      ...(this.reformatted.length > 0 ? { reformatted: this.reformatted } : {}),
      changed: this.changed,
      ...(this.unrecordedObjects.length > 0 ? { unrecordedObjects: this.unrecordedObjects } : {}),
      drift: this.drift,
      error: this.error,
      ...(this.planned ? { planned: this.planned } : {}),
      ...(this.mode === 'dry-run' ? { syntaxGrammar: this.syntaxGrammar } : {}),
    });
  }
}
