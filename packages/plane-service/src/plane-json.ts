import { JSON_SCHEMA_VERSION, reportToJson, type PlaneReport } from '@atlasai/migrator-core';

/**
 * One plane of the CLI's `--json` document, for the HTTP migrate call and the boot log: a document of its
 * own, so it carries the run document's `schemaVersion` and says its `mode` (`apply` or `dry-run`) itself.
 */
export function planeReportJson(report: PlaneReport): unknown {
  const document = reportToJson({ ok: report.ok, mode: report.mode, planes: [report] }) as { planes: Record<string, unknown>[] };
  return { schemaVersion: JSON_SCHEMA_VERSION, mode: report.mode, ...document.planes[0] };
}
