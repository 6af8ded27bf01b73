import { reportToJson, type PlaneReport } from '@atlasai/migrator-core';

/** One plane of the CLI's `--json` document, for the HTTP migrate call. */
export function planeReportJson(report: PlaneReport): unknown {
  const document = reportToJson({ ok: report.ok, mode: report.mode, planes: [report] }) as { planes: unknown[] };
  return document.planes[0];
}
