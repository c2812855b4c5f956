// What a console re-reads after a stream event about a report. Pure (tested by
// web/test/reload.test.mjs).
//
// Audit events are not changes to a report: report.deanonymised_read is written by the
// server for every read of an anonymous reporter through a deanonymise grant, so an admin
// who re-read the report on it would write another one, and loop (read → event → read ...).
export const REPORT_AUDIT_EVENTS: ReadonlySet<string> = new Set(['report.deanonymised_read']);

export type ReportReload = { kind: 'none' } | { kind: 'one'; id: string } | { kind: 'all' };

export function reportReloadFor(e: { type: string; data?: Record<string, unknown> }): ReportReload {
  if (!e.type.startsWith('report.') || REPORT_AUDIT_EVENTS.has(e.type)) return { kind: 'none' };
  const d = e.data ?? {};
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  const id =
    e.type === 'report.created' || e.type === 'report.updated'
      ? (str('id') ?? str('report_id'))
      : (str('report_id') ?? str('id'));
  return id ? { kind: 'one', id } : { kind: 'all' };
}
