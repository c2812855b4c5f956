// The neighbour's phone screens: the alert button, my alerts with their timeline, one
// alert's detail, and the neighbourhood feed (list or map with coarse points).
import { Icon } from '../components/Icon';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Comment, type Report } from '../api/client';
import { MediaImage, Notice, PriorityBadge, PublicTimeline, ReportSummary, StatusSteps, errorText, statusLabel } from '../components/common';
import { MapView, type MapPoint } from '../components/Map';
import { formatAgo, formatDateTime, t } from '../i18n';
import { onOutboxChange, outbox, type QueuedAlert } from '../offline/queue';
import { REPORT_AUDIT_EVENTS } from '../realtime/reload';
import { LiveStream } from '../realtime/stream';
import { categoryLabel, linkTo, meStore, useStore } from '../session';

/** My reports, kept current by the stream (or a slow poll without it). */
function useMyReports(): { reports: Report[] | null; failed: boolean } {
  const [reports, setReports] = useState<Report[] | null>(null);
  const [failed, setFailed] = useState(false);
  const reload = useCallback(() => {
    api
      .myReports(50)
      .then((r) => {
        setReports(r.reports);
        setFailed(false);
      })
      .catch(() => setFailed(true));
  }, []);
  useLive(reload, 5000);
  return { reports, failed };
}

/** Calls `reload` now, on every stream event but audit ones (REPORT_AUDIT_EVENTS), and every `pollMs` while the stream is down. */
export function useLive(reload: () => void, pollMs: number): void {
  useEffect(() => {
    reload();
    // Not on audit events: a deanonymised read is logged as one, and re-reading would loop.
    const onEvent = (e: { type: string }) => {
      if (!REPORT_AUDIT_EVENTS.has(e.type)) reload();
    };
    const s = new LiveStream({ onEvent, onRefetch: reload, onPoll: reload, onState: () => {}, pollMs });
    s.start();
    return () => s.stop();
  }, [reload, pollMs]);
}

function useOutbox(): QueuedAlert[] {
  const [items, setItems] = useState<QueuedAlert[]>([]);
  useEffect(() => {
    const load = () => void outbox.all().then(setItems).catch(() => setItems([]));
    load();
    return onOutboxChange(load);
  }, []);
  return items;
}

export function NeighbourHome() {
  const me = useStore(meStore);
  const { reports, failed } = useMyReports();
  const waiting = useOutbox();
  const name = me?.display_name || me?.email || '';
  return (
    <section class="page home" aria-labelledby="home-title">
      <h1 id="home-title" class="greeting">
        {t('home_greeting', { name })}
      </h1>
      <a class="alert-button" href="/alert" onClick={linkTo('/alert')}>
        <span class="alert-ring" aria-hidden="true" />
        <span class="alert-text">{t('alert_button')}</span>
        <span class="alert-hint">{t('alert_button_hint')}</span>
      </a>
      <p class="emergency-note">{t('emergency_note')}</p>
      {waiting.length > 0 && (
        <Notice kind="warn">
          <span data-testid="outbox-count">{t('pending_queue', { count: waiting.length })}</span>
        </Notice>
      )}
      <div class="section-head">
        <h2>{t('last_alerts')}</h2>
        <a href="/mine" onClick={linkTo('/mine')}>
          {t('see_all')}
        </a>
      </div>
      {reports === null ? (
        <p class="muted">{failed ? t('error_network') : t('loading')}</p>
      ) : reports.length === 0 ? (
        <p class="muted">{t('no_alerts_yet')}</p>
      ) : (
        <ul class="card-list">
          {reports.slice(0, 3).map((r) => (
            <li key={r.id}>
              <a class="card-link" href={`/mine/${r.id}`} onClick={linkTo(`/mine/${r.id}`)}>
                <ReportSummary r={r} />
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function MyAlerts() {
  const { reports, failed } = useMyReports();
  const waiting = useOutbox();
  return (
    <section class="page" aria-labelledby="mine-title">
      <h1 id="mine-title">{t('mine_title')}</h1>
      {reports === null && failed && <Notice kind="warn">{t('error_network')}</Notice>}
      <ul class="card-list">
        {waiting.map((q) => (
          <li key={q.key} class="card queued">
            <div class="report-head">
              <strong>{categoryLabel(q.report.category)}</strong>
              <span class="status status-queued">{statusLabel('queued')}</span>
            </div>
            <div class="report-meta">{formatAgo(q.createdMs)}</div>
          </li>
        ))}
        {reports?.map((r) => (
          <li key={r.id}>
            <a class="card-link" href={`/mine/${r.id}`} onClick={linkTo(`/mine/${r.id}`)}>
              <ReportSummary r={r} />
              <StatusSteps report={r} />
            </a>
          </li>
        ))}
      </ul>
      {reports !== null && reports.length === 0 && waiting.length === 0 && <p class="muted">{t('no_alerts_yet')}</p>}
    </section>
  );
}

/** One report's detail; `reload` fetches it again (forgotten when `id` changes). */
export function useReport(id: string): { report: Report | null; error: string | null; reload: () => void } {
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    api
      .report(id)
      .then((r) => {
        setReport(r);
        setError(null);
      })
      .catch((e) => setError(errorText(e)));
  }, [id]);
  useEffect(() => setReport(null), [id]);
  return { report: report?.id === id ? report : null, error, reload };
}

export function ReportDetail({ id, backTo }: { id: string; backTo: string }) {
  const { report, error, reload } = useReport(id);
  useLive(reload, 5000);
  if (error && !report) return <Notice kind="error">{error}</Notice>;
  if (!report) return <p class="muted">{t('loading')}</p>;
  return (
    <section class="page" aria-labelledby="detail-title">
      <a class="btn btn-ghost" href={backTo} onClick={linkTo(backTo)}>
        ← {t('back')}
      </a>
      <h1 id="detail-title">
        <PriorityBadge priority={report.priority} /> {categoryLabel(report.category)}
      </h1>
      <p class="muted">
        {t('reported_at')}: {formatDateTime(report.created_at)}
      </p>
      <h2>{t('timeline')}</h2>
      <StatusSteps report={report} withTimes />
      <PublicTimeline report={report} />
      {report.description && (
        <>
          <h2>{t('description')}</h2>
          <p>{report.description}</p>
        </>
      )}
      {report.media.length > 0 && (
        <>
          <h2>{t('media')}</h2>
          <div class="media-row">
            {report.media.map((m) => (
              <MediaImage key={m} id={m} alt={t('photo')} />
            ))}
          </div>
        </>
      )}
      <Comments report={report} onChange={reload} />
    </section>
  );
}

export function Comments({ report, onChange }: { report: Report; onChange: () => void }) {
  const [comments, setComments] = useState<Comment[]>(report.thread?.comments ?? []);
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setComments(report.thread?.comments ?? []), [report]);
  async function add(e: Event) {
    e.preventDefault();
    if (!body.trim()) return;
    try {
      const c = await api.addComment(report.id, body.trim());
      setComments((old) => [...old, c]);
      setBody('');
      onChange();
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <div class="comments">
      <h2>{t('comments')}</h2>
      {comments.length === 0 ? (
        <p class="muted">{t('no_comments')}</p>
      ) : (
        <ul class="comment-list">
          {comments.map((c) => (
            <li key={c.id} class={c.hidden ? 'hidden-comment' : ''}>
              <div class="comment-head">
                <strong>{c.author?.display_name ?? t('anonymous_reporter')}</strong>
                <time class="muted">{formatAgo(c.created_ms)}</time>
              </div>
              <p>{c.body}</p>
            </li>
          ))}
        </ul>
      )}
      <form class="comment-form" onSubmit={add}>
        <label for={`comment-${report.id}`}>{t('add_comment')}</label>
        <textarea id={`comment-${report.id}`} rows={2} maxLength={1000} placeholder={t('comment_placeholder')} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
        {error && <Notice kind="error">{error}</Notice>}
        <button class="btn" type="submit">
          {t('send')}
        </button>
      </form>
    </div>
  );
}

export function Feed() {
  const me = useStore(meStore);
  const [reports, setReports] = useState<Report[] | null>(null);
  const [view, setView] = useState<'list' | 'map'>('list');
  const [selected, setSelected] = useState<string | null>(null);
  const reload = useCallback(() => {
    api
      .reports({ limit: 100 })
      .then((r) => setReports(r.reports))
      .catch(() => setReports((old) => old ?? []));
  }, []);
  useLive(reload, 10000);
  const points: MapPoint[] = useMemo(
    () => (reports ?? []).map((r) => ({ id: r.id, lat: r.lat, lon: r.lon, priority: r.priority })),
    [reports],
  );
  const member = (me?.verified_neighbourhoods?.length ?? 0) > 0;
  const chosen = reports?.find((r) => r.id === selected) ?? null;
  return (
    <section class="page" aria-labelledby="feed-title">
      <h1 id="feed-title">{t('feed_title')}</h1>
      {!member && (
        <Notice kind="info">
          {t('feed_not_member')}{' '}
          <a href="/membership" onClick={linkTo('/membership')}>
            {t('nav_membership')}
          </a>
        </Notice>
      )}
      <div class="segmented" role="tablist" aria-label={t('feed_title')}>
        <button role="tab" type="button" aria-selected={view === 'list'} class={view === 'list' ? 'on' : ''} onClick={() => setView('list')}>
          {t('feed_list')}
        </button>
        <button role="tab" type="button" aria-selected={view === 'map'} class={view === 'map' ? 'on' : ''} onClick={() => setView('map')}>
          {t('feed_map')}
        </button>
      </div>
      <p class="hint">{t('coarse_note')}</p>
      {view === 'map' ? (
        <>
          <MapView label={t('feed_map')} points={points} cluster onSelect={setSelected} selectedId={selected} class="map-feed" zoom={12} />
          {chosen && <FeedItem r={chosen} />}
        </>
      ) : reports === null ? (
        <p class="muted">{t('loading')}</p>
      ) : reports.length === 0 ? (
        <p class="muted">{t('feed_empty')}</p>
      ) : (
        <ul class="card-list">
          {reports.map((r) => (
            <li key={r.id}>
              <FeedItem r={r} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function FeedItem({ r }: { r: Report }) {
  const me = useStore(meStore);
  const [count, setCount] = useState(r.confirmations);
  const mine = r.reporter?.id === me?.id;
  async function confirm() {
    try {
      const res = await api.confirm(r.id);
      setCount(res.confirmations);
    } catch {
      /* shown count stays */
    }
  }
  return (
    <div class="card">
      <ReportSummary r={r} />
      <div class="card-actions">
        <span class="muted">{t('confirmations', { count })}</span>
        <span class="muted">{t('comments_count', { count: r.comments })}</span>
        {!mine && (
          <button type="button" class="btn btn-small" onClick={confirm}>
            <Icon name="eye" size={16} /> {t('saw_it_too')}
          </button>
        )}
      </div>
    </div>
  );
}
