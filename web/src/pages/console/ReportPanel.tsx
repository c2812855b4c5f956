// One alert in the console: its facts, photos, public steps and comments, and the form
// that escalates it into an incident (POST /reports/{id}/escalate), or a link to the
// incident that already holds it.
import { useEffect, useState } from 'preact/hooks';
import type { Report } from '../../api/client';
import { dispatchApi, type Incident } from '../../api/dispatch';
import { MediaImage, Notice, PriorityBadge, agencyNames, PublicTimeline, StatusSteps } from '../../components/common';
import { formatDateTime, formatNumber, t } from '../../i18n';
import { categoryLabel } from '../../session';
import { Comments, useReport } from '../Neighbour';
import { useAction } from './shared';

export function ReportFacts({ r, areaName }: { r: Report; areaName: (c: string) => string }) {
  return (
    <dl class="facts">
      <dt>{t('reported_at')}</dt>
      <dd>{formatDateTime(r.created_at)}</dd>
      <dt>{t('area')}</dt>
      <dd>{r.areas.map(areaName).join(' › ') || '—'}</dd>
      {r.address && (
        <>
          <dt>{t('address')}</dt>
          <dd>{r.address}</dd>
        </>
      )}
      <dt>{t('reporter')}</dt>
      <dd>{r.reporter?.display_name ?? t('anonymous_reporter')}</dd>
      <dt>{t('sensitivity')}</dt>
      <dd>{r.sensitivity === 'restricted' ? t('sensitivity_restricted') : t('sensitivity_public')}</dd>
      <dt>{t('agencies')}</dt>
      <dd>{agencyNames(r.agencies)}</dd>
      <dt>GPS</dt>
      <dd>
        {r.lat.toFixed(5)}, {r.lon.toFixed(5)}
        {r.accuracy !== null && ` (±${formatNumber(r.accuracy)} m)`}
      </dd>
    </dl>
  );
}

export function ReportMedia({ r }: { r: Report }) {
  if (r.media.length === 0) return null;
  return (
    <div class="media-row">
      {r.media.map((m) => (
        <MediaImage key={m} id={m} alt={`${t('photo')} — ${categoryLabel(r.category)}`} />
      ))}
    </div>
  );
}

export function ReportPanel({
  id,
  stamp,
  areaName,
  incidentId,
  onOpenIncident,
  onEscalated,
}: {
  id: string;
  stamp: string;
  areaName: (c: string) => string;
  incidentId: string | null;
  onOpenIncident: (id: string) => void;
  onEscalated: (n: Incident) => void;
}) {
  const { report: r, error, reload } = useReport(id);
  // Fetched again whenever the live list says the report changed.
  useEffect(reload, [reload, stamp]);
  if (error && !r) return <Notice kind="error">{error}</Notice>;
  if (!r) return <p class="muted">{t('loading')}</p>;
  const holder = incidentId ?? r.incident?.id ?? null;
  return (
    <div class="detail-body">
      <h2>
        <PriorityBadge priority={r.priority} /> {categoryLabel(r.category)}
      </h2>
      <ReportFacts r={r} areaName={areaName} />
      {r.description && <p class="detail-desc">{r.description}</p>}
      {holder ? (
        <p>
          <button type="button" class="btn btn-small" onClick={() => onOpenIncident(holder)}>
            {t('dx_open_incident')}
          </button>
        </p>
      ) : (
        <EscalateForm report={r} onDone={onEscalated} />
      )}
      {r.media.length > 0 && <h3>{t('media')}</h3>}
      <ReportMedia r={r} />
      <h3>{t('timeline')}</h3>
      <StatusSteps report={r} withTimes />
      <PublicTimeline report={r} />
      <Comments report={r} onChange={reload} />
    </div>
  );
}

function EscalateForm({ report, onDone }: { report: Report; onDone: (n: Incident) => void }) {
  const [priority, setPriority] = useState(`P${report.priority}`);
  const [note, setNote] = useState('');
  const { busy, error, run } = useAction();
  function submit(e: Event) {
    e.preventDefault();
    void run(async () => onDone(await dispatchApi.escalate(report.id, { priority, ...(note.trim() ? { note: note.trim() } : {}) })));
  }
  return (
    <form class="form escalate-form card-box" onSubmit={submit} aria-labelledby="escalate-title">
      <h3 id="escalate-title">{t('dx_escalate_title')}</h3>
      <label for="escalate-priority">{t('priority')}</label>
      <select id="escalate-priority" value={priority} onChange={(e) => setPriority(e.currentTarget.value)}>
        {[1, 2, 3, 4].map((p) => (
          <option key={p} value={`P${p}`}>
            {t('dx_priority_option', { n: p })}
          </option>
        ))}
      </select>
      <label for="escalate-note">{t('dx_internal_note')}</label>
      <textarea id="escalate-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      {error && <Notice kind="error">{error}</Notice>}
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="escalate">
        {busy ? t('sending') : t('dx_escalate')}
      </button>
    </form>
  );
}
