// The operator console: the live map of reports (clustered when zoomed out), the queue by
// priority and age with a visible and audible signal for new P1s, and the report detail.
// Live through the stream; polled every second while the stream is not connected.
import { Icon } from '../components/Icon';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Area, type Report } from '../api/client';
import { MediaImage, Notice, PriorityBadge, agencyNames, PublicTimeline, ReportSummary, StatusSteps } from '../components/common';
import { MapView, type MapPoint } from '../components/Map';
import { formatDateTime, formatNumber, t } from '../i18n';
import { LiveStream, type StreamState } from '../realtime/stream';
import { categoryLabel } from '../session';
import { Comments, useReport } from './Neighbour';

const CLOSED = new Set(['resolved', 'closed']);

function stampOf(r: Report | undefined): string {
  return r ? `${r.updated_at}/${r.status}/${r.comments}/${r.confirmations}` : '';
}

/** Queue order: most urgent first, then oldest first. */
export function queueOrder(a: Report, b: Report): number {
  return a.priority - b.priority || Date.parse(a.created_at) - Date.parse(b.created_at);
}

function beep(ctx: AudioContext): void {
  const now = ctx.currentTime;
  for (let i = 0; i < 3; i++) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = i % 2 ? 660 : 880;
    gain.gain.setValueAtTime(0.0001, now + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.25 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + i * 0.25);
    osc.stop(now + i * 0.25 + 0.22);
  }
}

export function ConsolePage() {
  const [reports, setReports] = useState<Map<string, Report>>(new Map());
  const [loaded, setLoaded] = useState(false);
  const [state, setState] = useState<StreamState>('connecting');
  const [selected, setSelected] = useState<string | null>(null);
  const [filter, setFilter] = useState<'open' | 'all'>('open');
  const [alarm, setAlarm] = useState<Report | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [areas, setAreas] = useState<Area[]>([]);
  const [soundOn, setSoundOn] = useState(false);
  const [, setTick] = useState(0);
  const seen = useRef<Set<string> | null>(null);
  const audio = useRef<AudioContext | null>(null);
  const inFlight = useRef(false);

  const absorb = useCallback((list: Report[]) => {
    const known = seen.current;
    const newcomers = known ? list.filter((r) => !known.has(r.id)) : [];
    seen.current ??= new Set();
    for (const r of list) seen.current.add(r.id);
    setReports((old) => {
      const next = new Map(old);
      for (const r of list) next.set(r.id, r);
      return next;
    });
    if (newcomers.length > 0) {
      setFresh((old) => new Set([...old, ...newcomers.map((r) => r.id)]));
      const p1 = newcomers.filter((r) => r.priority === 1).sort(queueOrder)[0];
      if (p1) {
        setAlarm(p1);
        if (audio.current) beep(audio.current);
      }
    }
    setLoaded(true);
  }, []);

  const reload = useCallback(() => {
    if (inFlight.current) return;
    inFlight.current = true;
    api
      .reports({ limit: 200 })
      .then((r) => absorb(r.reports))
      .catch(() => setLoaded(true))
      .finally(() => (inFlight.current = false));
  }, [absorb]);

  const onEvent = useCallback(
    (e: { type: string; data?: Record<string, unknown> }) => {
      const id = typeof e.data?.id === 'string' ? e.data.id : typeof e.data?.report_id === 'string' ? e.data.report_id : null;
      if (e.type.startsWith('report.') && id) {
        api
          .report(id)
          .then((r) => absorb([r]))
          .catch(() => reload());
      } else {
        reload();
      }
    },
    [absorb, reload],
  );

  useEffect(() => {
    const s = new LiveStream({ onEvent, onRefetch: reload, onPoll: reload, onState: setState, pollMs: 1000 });
    reload();
    s.start();
    api.areas().then((r) => setAreas(r.areas)).catch(() => setAreas([]));
    const timer = window.setInterval(() => setTick((n) => n + 1), 15000);
    return () => {
      s.stop();
      window.clearInterval(timer);
    };
  }, [onEvent, reload]);

  const queue = useMemo(
    () => [...reports.values()].filter((r) => filter === 'all' || !CLOSED.has(r.status)).sort(queueOrder),
    [reports, filter],
  );
  const points: MapPoint[] = useMemo(
    () => queue.map((r) => ({ id: r.id, lat: r.lat, lon: r.lon, priority: r.priority })),
    [queue],
  );
  const areaName = (code: string) => areas.find((a) => a.code === code)?.name ?? code;
  const innermost = (r: Report) => (r.areas.length ? areaName(r.areas[r.areas.length - 1]!) : '—');

  function toggleSound() {
    if (!audio.current) {
      const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext: typeof AudioContext }).webkitAudioContext;
      audio.current = new Ctor();
      setSoundOn(true);
    } else if (audio.current.state === 'running') {
      void audio.current.suspend();
      setSoundOn(false);
    } else {
      void audio.current.resume();
      setSoundOn(true);
    }
  }

  function select(id: string) {
    setSelected(id);
    setFresh((old) => {
      const next = new Set(old);
      next.delete(id);
      return next;
    });
    if (alarm?.id === id) setAlarm(null);
  }

  const p1Open = queue.filter((r) => r.priority === 1).length;

  return (
    <div class="console">
      <div class="console-bar">
        <h1>{t('console_title')}</h1>
        <span class={`live-state ${state}`} role="status" data-testid="stream-state">
          <span class="dot" aria-hidden="true" />
          {state === 'live' ? t('live') : state === 'polling' ? t('polling') : t('connecting')}
        </span>
        <span class="muted">{t('reports_count', { count: queue.length })}</span>
        {p1Open > 0 && <span class="badge prio-1">P1 × {formatNumber(p1Open)}</span>}
        <span class="spacer" />
        <button type="button" class={`btn btn-small${soundOn ? ' btn-primary' : ''}`} onClick={toggleSound} aria-pressed={soundOn}>
          <Icon name={soundOn ? 'bell' : 'bellOff'} size={18} /> {soundOn ? t('sound_on') : t('sound_off')}
        </button>
      </div>
      {alarm && (
        <div class="p1-alarm" role="alert">
          <strong>{t('new_p1')}</strong> {t('new_p1_detail', { category: categoryLabel(alarm.category), area: innermost(alarm) })}
          <button type="button" class="btn btn-small" onClick={() => select(alarm.id)}>
            {t('report_detail')}
          </button>
          <button type="button" class="btn btn-small btn-ghost" onClick={() => setAlarm(null)} aria-label={t('close')}>
            ✕
          </button>
        </div>
      )}
      <div class="console-grid">
        <section class="queue" aria-labelledby="queue-title">
          <div class="queue-head">
            <h2 id="queue-title">{t('queue')}</h2>
            <div class="segmented small" role="group" aria-label={t('queue')}>
              <button type="button" class={filter === 'open' ? 'on' : ''} aria-pressed={filter === 'open'} onClick={() => setFilter('open')}>
                {t('filter_open')}
              </button>
              <button type="button" class={filter === 'all' ? 'on' : ''} aria-pressed={filter === 'all'} onClick={() => setFilter('all')}>
                {t('filter_all')}
              </button>
            </div>
          </div>
          {!loaded ? (
            <p class="muted">{t('loading')}</p>
          ) : queue.length === 0 ? (
            <p class="muted">{t('queue_empty')}</p>
          ) : (
            <ul class="queue-list" data-testid="queue">
              {queue.map((r) => (
                <li key={r.id} class={fresh.has(r.id) ? 'fresh' : ''} data-report-id={r.id}>
                  <ReportSummary r={r} onClick={() => select(r.id)} selected={selected === r.id} />
                  <div class="queue-area muted small">{innermost(r)}</div>
                </li>
              ))}
            </ul>
          )}
        </section>
        <MapView label={t('map_label')} points={points} cluster onSelect={select} selectedId={selected} class="console-map" zoom={11} />
        <aside class="detail" aria-label={t('report_detail')}>
          {selected ? (
            <ConsoleDetail id={selected} stamp={stampOf(reports.get(selected))} areaName={areaName} />
          ) : (
            <p class="muted">{t('select_report')}</p>
          )}
        </aside>
      </div>
    </div>
  );
}

function ConsoleDetail({ id, stamp, areaName }: { id: string; stamp: string; areaName: (c: string) => string }) {
  const { report: r, error, reload: load } = useReport(id);
  // Fetched again whenever the live list says the report changed.
  useEffect(load, [load, stamp]);
  if (error && !r) return <Notice kind="error">{error}</Notice>;
  if (!r) return <p class="muted">{t('loading')}</p>;
  return (
    <div class="detail-body">
      <h2>
        <PriorityBadge priority={r.priority} /> {categoryLabel(r.category)}
      </h2>
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
      {r.description && <p class="detail-desc">{r.description}</p>}
      <h3>{t('timeline')}</h3>
      <StatusSteps report={r} withTimes />
      <PublicTimeline report={r} />
      <p class="muted small">{t('incidents_soon')}</p>
      {r.media.length > 0 && (
        <>
          <h3>{t('media')}</h3>
          <div class="media-row">
            {r.media.map((m) => (
              <MediaImage key={m} id={m} alt={`${t('photo')} — ${categoryLabel(r.category)}`} />
            ))}
          </div>
        </>
      )}
      <Comments report={r} onChange={load} />
    </div>
  );
}

