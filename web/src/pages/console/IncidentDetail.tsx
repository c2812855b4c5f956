// One incident in the console: its facts, the recommended units with distance and
// arrival estimate and the dispatch button, status changes (outcome code on close, reason
// on reopen), steps with a public or internal note and an optional photo, the whole
// timeline, duplicate suggestions to merge, and the reports it holds with their photos
// and comments.
import { Fragment } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type Report } from '../../api/client';
import {
  OUTCOMES,
  dispatchApi,
  isReopen,
  nextStatuses,
  priorityNumber,
  type Duplicate,
  type Incident,
  type IncidentStatus,
  type Recommendation,
  type Unit,
} from '../../api/dispatch';
import { MediaImage, Notice, PriorityBadge, agencyNames, errorText } from '../../components/common';
import { formatAgo, formatDateTime, formatNumber, lang, t } from '../../i18n';
import { categoryLabel } from '../../session';
import { Comments } from '../Neighbour';
import { ReportMedia } from './ReportPanel';
import { PhotoPicker, useAction, formatDistance, formatEta, incidentStatusLabel, outcomeLabel, unitKindLabel, unitStatusLabel } from './shared';

const OPEN_FOR_UNITS = new Set<IncidentStatus>(['new', 'acknowledged', 'dispatched', 'en_route', 'on_scene']);
// Steps the reporter hears about unless the operator says otherwise (src/dispatch/state.cc).
const PUBLIC_BY_DEFAULT = new Set(['acknowledged', 'contacted', 'en_route', 'on_scene', 'closed']);

interface Props {
  id: string;
  stamp: string;
  areaName: (c: string) => string;
  units: Map<string, Unit>;
  onSelectReport: (id: string) => void;
  onSelectIncident: (id: string) => void;
  onSelectUnit: (id: string) => void;
  onChanged: (n: Incident) => void;
}

export function IncidentDetail(props: Props) {
  const { id, stamp, areaName } = props;
  const [n, setN] = useState<Incident | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [recs, setRecs] = useState<Recommendation[] | null>(null);
  const [dups, setDups] = useState<Duplicate[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(() => {
    dispatchApi
      .incident(id)
      .then((x) => {
        setN(x);
        setError(null);
        if (OPEN_FOR_UNITS.has(x.status) && !x.merged_into)
          dispatchApi
            .recommendations(id, 5)
            .then((r) => setRecs(r.units))
            .catch(() => setRecs([]));
        else setRecs([]);
        if (!x.merged_into && x.status !== 'closed')
          dispatchApi
            .duplicates(id)
            .then((d) => setDups(d.duplicates))
            .catch(() => setDups([]));
        else setDups([]);
      })
      .catch((e) => setError(errorText(e)));
  }, [id]);
  useEffect(() => {
    setN(null);
    setRecs(null);
    setDups(null);
    setNotice(null);
  }, [id]);
  useEffect(load, [load, stamp]);

  const changed = (x: Incident, message?: string) => {
    setN(x);
    props.onChanged(x);
    if (message) setNotice(message);
    load();
  };

  if (error && !n) return <Notice kind="error">{error}</Notice>;
  if (!n || n.id !== id) return <p class="muted">{t('loading')}</p>;
  const assigned = (n.units ?? []).filter((u) => !u.released_at);

  return (
    <div class="detail-body incident-detail" data-testid="incident-detail" data-id={n.id} data-status={n.status}>
      <h2>
        <PriorityBadge priority={priorityNumber(n.priority)} /> {categoryLabel(n.category)}
        <span class={`status status-${n.status}`} data-testid="incident-status">
          {incidentStatusLabel(n.status)}
        </span>
      </h2>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {n.merged_into && (
        <Notice kind="info">
          {t('dx_merged_into')}{' '}
          <button type="button" class="btn btn-small" onClick={() => props.onSelectIncident(n.merged_into!)}>
            {t('dx_open_incident')}
          </button>
        </Notice>
      )}
      <dl class="facts">
        <dt>{t('dx_source')}</dt>
        <dd>{n.source === 'call' ? t('dx_source_call') : t('dx_source_report')}</dd>
        <dt>{t('reported_at')}</dt>
        <dd>{formatDateTime(n.created_at)}</dd>
        {n.caller && (
          <>
            <dt>{t('dx_caller')}</dt>
            <dd>
              {n.caller.name || '—'}
              {n.caller.phone && (
                <>
                  {' · '}
                  <a href={`tel:${n.caller.phone}`}>{n.caller.phone}</a>
                </>
              )}
            </dd>
          </>
        )}
        <dt>{t('area')}</dt>
        <dd>{n.areas.map(areaName).join(' › ') || '—'}</dd>
        {n.address && (
          <>
            <dt>{t('address')}</dt>
            <dd>{n.address}</dd>
          </>
        )}
        <dt>GPS</dt>
        <dd>
          {n.lat.toFixed(5)}, {n.lon.toFixed(5)}
        </dd>
        <dt>{t('agencies')}</dt>
        <dd>{agencyNames(n.agencies)}</dd>
        {n.outcome && (
          <>
            <dt>{t('dx_outcome')}</dt>
            <dd>{outcomeLabel(n.outcome)}</dd>
          </>
        )}
      </dl>
      {n.description && <p class="detail-desc">{n.description}</p>}

      {!n.merged_into && OPEN_FOR_UNITS.has(n.status) && (
        <Recommendations incident={n} recs={recs} units={props.units} onSelectUnit={props.onSelectUnit} onDispatched={(x, callsign) => changed(x, t('dx_dispatched_ok', { callsign }))} />
      )}
      {assigned.length > 0 && (
        <>
          <h3>{t('dx_assigned_units')}</h3>
          <ul class="plain-list" data-testid="assigned-units">
            {assigned.map((a) => {
              const u = props.units.get(a.unit_id);
              return (
                <li key={a.unit_id}>
                  <button type="button" class="link-button" onClick={() => props.onSelectUnit(a.unit_id)}>
                    {a.callsign}
                  </button>{' '}
                  {u && <span class={`unit-status unit-${u.status}`}>{unitStatusLabel(u.status)}</span>}{' '}
                  <span class="muted small">
                    {a.accepted_at ? t('dx_accepted_at', { time: formatDateTime(a.accepted_at) }) : t('dx_not_accepted')}
                  </span>
                </li>
              );
            })}
          </ul>
        </>
      )}

      {!n.merged_into && <StatusForm key={n.status} incident={n} onDone={(x) => changed(x, t('dx_status_changed'))} />}
      {!n.merged_into && <StepForm incident={n} onDone={(x) => changed(x, t('dx_step_added'))} />}

      <h3>{t('timeline')}</h3>
      <Timeline incident={n} />

      {dups && dups.length > 0 && <Duplicates incident={n} dups={dups} onMerged={(x) => changed(x, t('dx_merged_ok'))} />}

      <ResponseTimes incident={n} />

      <h3>{t('dx_reports_title', { n: n.reports.length })}</h3>
      {n.reports.length === 0 ? (
        <p class="muted">{t('dx_no_reports')}</p>
      ) : (
        n.reports.map((rid, i) => <HeldReport key={rid} id={rid} open={i === 0} stamp={stamp} onOpen={() => props.onSelectReport(rid)} />)
      )}
    </div>
  );
}

function Recommendations({
  incident,
  recs,
  units,
  onSelectUnit,
  onDispatched,
}: {
  incident: Incident;
  recs: Recommendation[] | null;
  units: Map<string, Unit>;
  onSelectUnit: (id: string) => void;
  onDispatched: (n: Incident, callsign: string) => void;
}) {
  const [sending, setSending] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const [note, setNote] = useState('');
  function send(r: Recommendation) {
    setSending(r.unit_id);
    void run(async () => {
      const x = await dispatchApi.dispatch(incident.id, r.unit_id, note.trim() || undefined);
      setNote('');
      onDispatched(x, r.callsign);
    });
  }
  return (
    <section class="card-box" aria-labelledby="recs-title">
      <h3 id="recs-title">{t('dx_recommended')}</h3>
      {recs === null ? (
        <p class="muted">{t('loading')}</p>
      ) : recs.length === 0 ? (
        <p class="muted">{t('dx_no_units')}</p>
      ) : (
        <>
          <ol class="recs" data-testid="recommendations">
            {recs.map((r, i) => {
              const u = units.get(r.unit_id);
              return (
                <li key={r.unit_id} data-unit-id={r.unit_id} class={i === 0 ? 'best' : ''}>
                  <div class="rec-main">
                    <button type="button" class="link-button rec-callsign" onClick={() => onSelectUnit(r.unit_id)}>
                      {r.callsign}
                    </button>
                    <span class="muted small">
                      {unitKindLabel(r.kind)} · {agencyNames([r.agency])}
                      {u?.stale && ` · ${t('dx_stale')}`}
                    </span>
                    <span class="rec-figures">
                      {formatDistance(r.distance_m)} · {formatEta(r.eta_s)}
                    </span>
                  </div>
                  <button
                    type="button"
                    class={`btn btn-small${i === 0 ? ' btn-primary' : ''}`}
                    disabled={busy}
                    onClick={() => send(r)}
                    aria-label={t('dx_dispatch_unit', { callsign: r.callsign })}
                    data-testid="dispatch"
                  >
                    {busy && sending === r.unit_id ? t('sending') : t('dx_dispatch')}
                  </button>
                </li>
              );
            })}
          </ol>
          <label class="label" for="dispatch-note">
            {t('dx_dispatch_note')}
          </label>
          <input id="dispatch-note" type="text" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </>
      )}
      {error && <Notice kind="error">{error}</Notice>}
    </section>
  );
}

function StatusForm({ incident, onDone }: { incident: Incident; onDone: (n: Incident) => void }) {
  const options = nextStatuses(incident.status);
  const [to, setTo] = useState<IncidentStatus | ''>('');
  const [outcome, setOutcome] = useState('');
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [isPublic, setPublic] = useState(true);
  const { busy, error, setError, run } = useAction();
  useEffect(() => setPublic(to !== '' && PUBLIC_BY_DEFAULT.has(to) && !isReopen(incident.status, to)), [to]);
  if (options.length === 0) return null;
  const reopen = to !== '' && isReopen(incident.status, to);
  function submit(e: Event) {
    e.preventDefault();
    if (!to) return;
    if (to === 'closed' && !outcome) return setError(t('dx_outcome_required'));
    if (reopen && !reason.trim()) return setError(t('dx_reason_required'));
    void run(async () => {
      const x = await dispatchApi.transition(incident.id, {
        status: to,
        ...(to === 'closed' ? { outcome } : {}),
        ...(reopen ? { reason: reason.trim() } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
        public: isPublic,
      });
      setNote('');
      setReason('');
      setOutcome('');
      onDone(x);
    });
  }
  return (
    <form class="form card-box" onSubmit={submit} aria-labelledby="status-form-title">
      <h3 id="status-form-title">{t('dx_change_status')}</h3>
      <label for="next-status">{t('dx_new_status')}</label>
      <select id="next-status" value={to} onChange={(e) => setTo(e.currentTarget.value as IncidentStatus | '')}>
        <option value="">{t('dx_choose')}</option>
        {options.map((s) => (
          <option key={s} value={s}>
            {isReopen(incident.status, s) ? t('dx_reopen') : incidentStatusLabel(s)}
          </option>
        ))}
      </select>
      {to === 'closed' && (
        <>
          <label for="outcome">{t('dx_outcome')}</label>
          <select id="outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)} required>
            <option value="">{t('dx_choose')}</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {outcomeLabel(o)}
              </option>
            ))}
          </select>
        </>
      )}
      {reopen && (
        <>
          <label for="reopen-reason">{t('dx_reopen_reason')}</label>
          <textarea id="reopen-reason" rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} required />
        </>
      )}
      {to !== '' && (
        <>
          <label for="status-note">{t('dx_step_note')}</label>
          <textarea id="status-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <div class="check">
            <input id="status-public" type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.currentTarget.checked)} />
            <label for="status-public">{t('dx_public_step')}</label>
          </div>
        </>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      <button type="submit" class="btn btn-primary" disabled={busy || !to} data-testid="apply-status">
        {busy ? t('sending') : t('dx_apply_status')}
      </button>
    </form>
  );
}

function StepForm({ incident, onDone }: { incident: Incident; onDone: (n: Incident) => void }) {
  const [kind, setKind] = useState<'contacted' | 'note'>('note');
  const [note, setNote] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [media, setMedia] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const [formKey, setFormKey] = useState(0);
  useEffect(() => setPublic(PUBLIC_BY_DEFAULT.has(kind)), [kind]);
  function submit(e: Event) {
    e.preventDefault();
    if (kind === 'note' && !note.trim() && !media) return setError(t('dx_note_required'));
    void run(async () => {
      const x = await dispatchApi.addStep(incident.id, {
        kind,
        ...(note.trim() ? { note: note.trim() } : {}),
        ...(media ? { media_id: media } : {}),
        public: isPublic,
      });
      setNote('');
      setMedia(null);
      setFormKey((k) => k + 1);
      onDone(x);
    });
  }
  return (
    <form class="form card-box" onSubmit={submit} aria-labelledby="step-form-title" key={formKey}>
      <h3 id="step-form-title">{t('dx_add_step')}</h3>
      <label for="step-kind">{t('dx_step_kind')}</label>
      <select id="step-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as 'contacted' | 'note')}>
        <option value="note">{t('dx_kind_note')}</option>
        <option value="contacted">{t('dx_kind_contacted')}</option>
      </select>
      <label for="step-note">{t('dx_step_note')}</label>
      <textarea id="step-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      <PhotoPicker id="step-photo" mediaId={media} onChange={setMedia} />
      <div class="check">
        <input id="step-public" type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.currentTarget.checked)} />
        <label for="step-public">{t('dx_public_step')}</label>
      </div>
      <p class="hint">{isPublic ? t('dx_public_hint') : t('dx_internal_hint')}</p>
      {error && <Notice kind="error">{error}</Notice>}
      <button type="submit" class="btn" disabled={busy}>
        {busy ? t('sending') : t('dx_add_step_button')}
      </button>
    </form>
  );
}

function Timeline({ incident }: { incident: Incident }) {
  const steps = incident.steps ?? [];
  if (steps.length === 0) return <p class="muted">{t('dx_no_steps')}</p>;
  return (
    <ol class="timeline-list incident-timeline" data-testid="incident-timeline">
      {steps.map((s) => (
        <li key={s.id} class={s.public ? 'step-public' : 'step-internal'} data-kind={s.kind}>
          <div class="timeline-head">
            <strong>{lang() === 'en' ? s.label.en : s.label.es}</strong>
            <span class={`vis-tag ${s.public ? 'vis-public' : 'vis-internal'}`}>{s.public ? t('dx_public') : t('dx_internal')}</span>
            <time class="muted small" dateTime={s.at}>
              {formatDateTime(s.at)}
            </time>
          </div>
          {s.note && <p>{s.note}</p>}
          {s.media_id && <MediaImage id={s.media_id} alt={lang() === 'en' ? s.label.en : s.label.es} />}
        </li>
      ))}
    </ol>
  );
}

function Duplicates({ incident, dups, onMerged }: { incident: Incident; dups: Duplicate[]; onMerged: (n: Incident) => void }) {
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const { busy, error, run } = useAction();
  function toggle(key: string, on: boolean) {
    setChosen((old) => {
      const s = new Set(old);
      if (on) s.add(key);
      else s.delete(key);
      return s;
    });
  }
  function merge() {
    const pick = dups.filter((d) => chosen.has(`${d.kind}:${d.id}`));
    if (pick.length === 0) return;
    void run(async () => {
      const x = await dispatchApi.merge(incident.id, {
        incidents: pick.filter((d) => d.kind === 'incident').map((d) => d.id),
        reports: pick.filter((d) => d.kind === 'report').map((d) => d.id),
      });
      setChosen(new Set());
      onMerged(x);
    });
  }
  return (
    <section class="card-box" aria-labelledby="dups-title">
      <h3 id="dups-title">{t('dx_duplicates')}</h3>
      <ul class="plain-list" data-testid="duplicates">
        {dups.map((d) => {
          const key = `${d.kind}:${d.id}`;
          return (
            <li key={key} class="check">
              <input id={`dup-${d.id}`} type="checkbox" checked={chosen.has(key)} onChange={(e) => toggle(key, e.currentTarget.checked)} />
              <label for={`dup-${d.id}`}>
                {d.kind === 'incident' ? t('dx_tag_incident') : t('dx_tag_report')}: {categoryLabel(d.category)} · {formatDistance(d.distance_m)} ·{' '}
                {formatAgo(d.created_at)}
              </label>
            </li>
          );
        })}
      </ul>
      {error && <Notice kind="error">{error}</Notice>}
      <button type="button" class="btn btn-small" disabled={busy || chosen.size === 0} onClick={merge} data-testid="merge">
        {t('dx_merge', { n: chosen.size })}
      </button>
    </section>
  );
}

function ResponseTimes({ incident }: { incident: Incident }) {
  const rt = incident.response_times;
  const rows: Array<[string, unknown]> = [
    [t('dx_rt_ack'), rt.seconds_to_acknowledge],
    [t('dx_rt_dispatch'), rt.seconds_to_dispatch],
    [t('dx_rt_on_scene'), rt.seconds_to_on_scene],
    [t('dx_rt_close'), rt.seconds_to_close],
  ];
  const shown = rows.filter(([, v]) => typeof v === 'number');
  if (shown.length === 0) return null;
  return (
    <>
      <h3>{t('dx_response_times')}</h3>
      <dl class="facts">
        {shown.map(([label, v]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>{formatSeconds(v as number)}</dd>
          </Fragment>
        ))}
      </dl>
    </>
  );
}

function formatSeconds(s: number): string {
  if (s < 60) return `${formatNumber(s, 0)} s`;
  if (s < 3600) return `${formatNumber(s / 60, 1)} min`;
  return `${formatNumber(s / 3600, 1)} h`;
}

/** A report the incident holds: summary, photos and comments, folded after the first. */
function HeldReport({ id, open, stamp, onOpen }: { id: string; open: boolean; stamp: string; onOpen: () => void }) {
  const [r, setR] = useState<Report | null>(null);
  const [failed, setFailed] = useState(false);
  const load = useCallback(() => {
    api
      .report(id)
      .then(setR)
      .catch(() => setFailed(true));
  }, [id]);
  useEffect(load, [load, stamp]);
  if (failed && !r) return <p class="muted">{t('dx_report_unavailable')}</p>;
  if (!r) return <p class="muted">{t('loading')}</p>;
  return (
    <details class="held-report" open={open} data-held-report={id}>
      <summary>
        <PriorityBadge priority={r.priority} /> {categoryLabel(r.category)} · {formatAgo(r.created_at)} · {r.reporter?.display_name ?? t('anonymous_reporter')}
      </summary>
      {r.description && <p class="detail-desc">{r.description}</p>}
      <ReportMedia r={r} />
      <p>
        <button type="button" class="btn btn-small btn-ghost" onClick={onOpen}>
          {t('report_detail')}
        </button>
      </p>
      <Comments report={r} onChange={load} />
    </details>
  );
}
