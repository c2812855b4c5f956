// The operator console: one queue of open incidents and of alerts not yet part of one,
// by priority then age, with a visible and audible signal for new P1s; the live map of
// alerts, incidents and units (icons by kind and status, stale ones marked, clustered when
// zoomed out) with the selected unit's trail; the detail of an alert (escalate it), of an
// incident (timeline, merged reports, duplicates, recommended units and dispatch, status
// changes, public notes with a photo), of a unit, and the call-taker form for 911 calls.
// Live through the stream; polled every second while the stream is not connected.
import { Icon } from '../components/Icon';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Area, type Report } from '../api/client';
import { dispatchApi, priorityNumber, type Incident, type Unit } from '../api/dispatch';
import { PriorityBadge, ReportSummary } from '../components/common';
import { MapView, type MapPoint } from '../components/Map';
import type { MapUnit } from '../components/MapView';
import { formatAgo, formatDateTime, formatNumber, t } from '../i18n';
import { reportReloadFor } from '../realtime/reload';
import { LiveStream, type StreamState } from '../realtime/stream';
import { categoryLabel, meStore, useStore } from '../session';
import { CallForm } from './console/CallForm';
import { IncidentDetail } from './console/IncidentDetail';
import { ReportPanel } from './console/ReportPanel';
import { UnitList, UnitPanel } from './console/UnitPanel';
import { incidentStatusLabel } from './console/shared';
import './console/console.css';

const CLOSED = new Set(['resolved', 'closed']);

type Selection =
  | { kind: 'report'; id: string }
  | { kind: 'incident'; id: string }
  | { kind: 'unit'; id: string }
  | { kind: 'call' }
  | null;

/** One entry of the queue: an incident or an alert that no incident holds yet. */
interface QueueItem {
  kind: 'incident' | 'report';
  id: string;
  priority: number;
  createdMs: number;
  category: string;
  areas: string[];
}

/** Queue order: most urgent first, then oldest first. */
export function queueOrder(a: { priority: number; created_at: string }, b: { priority: number; created_at: string }): number {
  return a.priority - b.priority || Date.parse(a.created_at) - Date.parse(b.created_at);
}
function itemOrder(a: QueueItem, b: QueueItem): number {
  return a.priority - b.priority || a.createdMs - b.createdMs;
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

/** The items of `list` not seen before (none on the first call: the initial load is not
 *  news), remembering them all. */
function newcomers<T extends { id: string }>(seen: { current: Set<string> | null }, list: T[]): T[] {
  const known = seen.current;
  const fresh = known ? list.filter((x) => !known.has(x.id)) : [];
  seen.current ??= new Set();
  for (const x of list) seen.current.add(x.id);
  return fresh;
}

function upsert<T extends { id: string }>(old: Map<string, T>, list: T[]): Map<string, T> {
  const next = new Map(old);
  for (const x of list) next.set(x.id, x);
  return next;
}

/** Runs `load` at most once at a time; a call made meanwhile runs once more afterwards. */
function useCoalesced(load: () => Promise<void>): () => void {
  const state = useRef({ running: false, again: false });
  const ref = useRef(load);
  ref.current = load;
  return useCallback(() => {
    const s = state.current;
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    const run = (): void => {
      s.again = false;
      void ref
        .current()
        .catch(() => undefined)
        .finally(() => {
          if (s.again) run();
          else s.running = false;
        });
    };
    run();
  }, []);
}

export function ConsolePage() {
  const me = useStore(meStore);
  const [reports, setReports] = useState<Map<string, Report>>(new Map());
  const [incidents, setIncidents] = useState<Map<string, Incident>>(new Map());
  const [units, setUnits] = useState<Map<string, Unit>>(new Map());
  const [loaded, setLoaded] = useState(false);
  const [state, setState] = useState<StreamState>('connecting');
  const [selected, setSelected] = useState<Selection>(null);
  const [column, setColumn] = useState<'queue' | 'units'>('queue');
  const [filter, setFilter] = useState<'open' | 'all'>('open');
  const [alarm, setAlarm] = useState<QueueItem | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [areas, setAreas] = useState<Area[]>([]);
  const [soundOn, setSoundOn] = useState(false);
  const [trail, setTrail] = useState<Array<[number, number]> | null>(null);
  const [callPin, setCallPin] = useState<[number, number] | null>(null);
  // Bumped by unit events (accepted, status): the open incident detail reads its units again.
  const [unitEpoch, setUnitEpoch] = useState(0);
  const [, setTick] = useState(0);
  const seenReports = useRef<Set<string> | null>(null);
  const seenIncidents = useRef<Set<string> | null>(null);
  const audio = useRef<AudioContext | null>(null);
  const meId = me?.id ?? '';

  const signal = useCallback((items: QueueItem[]) => {
    if (items.length === 0) return;
    setFresh((old) => new Set([...old, ...items.map((i) => i.id)]));
    const p1 = items.filter((i) => i.priority === 1).sort(itemOrder)[0];
    if (p1) {
      setAlarm(p1);
      if (audio.current) beep(audio.current);
    }
  }, []);

  const absorbReports = useCallback(
    (list: Report[]) => {
      const fresh = newcomers(seenReports, list);
      setReports((old) => upsert(old, list));
      signal(
        fresh.map((r) => ({ kind: 'report', id: r.id, priority: r.priority, createdMs: Date.parse(r.created_at), category: r.category, areas: r.areas })),
      );
      setLoaded(true);
    },
    [signal],
  );

  const absorbIncidents = useCallback(
    (list: Incident[]) => {
      // Incidents this operator made are not news to them.
      const fresh = newcomers(seenIncidents, list).filter((n) => n.created_by !== meId);
      setIncidents((old) => upsert(old, list));
      signal(
        fresh.map((n) => ({
          kind: 'incident',
          id: n.id,
          priority: priorityNumber(n.priority),
          createdMs: Date.parse(n.created_at),
          category: n.category,
          areas: n.areas,
        })),
      );
    },
    [signal, meId],
  );

  const reloadReports = useCoalesced(async () => {
    try {
      absorbReports((await api.reports({ limit: 200 })).reports);
    } catch {
      setLoaded(true);
    }
  });
  const reloadIncidents = useCoalesced(async () => {
    absorbIncidents((await dispatchApi.incidents({ limit: 200 })).incidents);
  });
  const reloadUnits = useCoalesced(async () => {
    const list = (await dispatchApi.units()).units;
    setUnits(new Map(list.map((u) => [u.id, u])));
  });
  const reloadAll = useCallback(() => {
    reloadReports();
    reloadIncidents();
    reloadUnits();
  }, [reloadReports, reloadIncidents, reloadUnits]);

  const onEvent = useCallback(
    (e: { type: string; data?: Record<string, unknown> }) => {
      const d = e.data ?? {};
      const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
      if (e.type.startsWith('report.')) {
        // Never on an audit event (a deanonymised read): re-reading would log another one.
        const reload = reportReloadFor(e);
        if (reload.kind === 'one')
          api
            .report(reload.id)
            .then((r) => absorbReports([r]))
            .catch(() => reloadReports());
        else if (reload.kind === 'all') reloadReports();
      } else if (e.type.startsWith('incident.')) {
        reloadIncidents();
      } else if (e.type === 'unit.moved') {
        const id = str('unit_id');
        const lat = d.lat, lon = d.lon;
        if (id && typeof lat === 'number' && typeof lon === 'number') {
          setUnits((old) => {
            const u = old.get(id);
            if (!u) return old;
            const next = new Map(old);
            next.set(id, { ...u, stale: false, position: { lat, lon, at: str('at') ?? new Date().toISOString() } });
            return next;
          });
        } else reloadUnits();
      } else if (e.type === 'unit.stale') {
        const id = str('unit_id');
        setUnits((old) => {
          const u = id ? old.get(id) : undefined;
          if (!u || !id) return old;
          const next = new Map(old);
          next.set(id, { ...u, stale: true });
          return next;
        });
      } else if (e.type.startsWith('unit.')) {
        setUnitEpoch((n) => n + 1);
        reloadUnits();
        reloadIncidents();
      } else {
        reloadAll();
      }
    },
    [absorbReports, reloadReports, reloadIncidents, reloadUnits, reloadAll],
  );

  useEffect(() => {
    const s = new LiveStream({ onEvent, onRefetch: reloadAll, onPoll: reloadAll, onState: setState, pollMs: 1000 });
    reloadAll();
    s.start();
    api.areas().then((r) => setAreas(r.areas)).catch(() => setAreas([]));
    const timer = window.setInterval(() => setTick((n) => n + 1), 15000);
    return () => {
      s.stop();
      window.clearInterval(timer);
    };
  }, [onEvent, reloadAll]);

  // The selected unit's trail over the last hour, refreshed as the unit moves.
  const selectedUnit = selected?.kind === 'unit' ? units.get(selected.id) : undefined;
  const [trailHours, setTrailHours] = useState(1);
  useEffect(() => {
    if (selected?.kind !== 'unit') {
      setTrail(null);
      return;
    }
    let cancelled = false;
    dispatchApi
      .trail(selected.id, Date.now() - trailHours * 3600_000)
      .then((f) => !cancelled && setTrail(f.geometry.coordinates))
      .catch(() => !cancelled && setTrail(null));
    return () => {
      cancelled = true;
    };
  }, [selected?.kind === 'unit' ? selected.id : null, trailHours, selectedUnit?.position?.at]);

  const inIncident = useMemo(() => {
    const m = new Map<string, string>();
    for (const n of incidents.values()) for (const r of n.reports) m.set(r, n.merged_into ?? n.id);
    return m;
  }, [incidents]);

  const queue: QueueItem[] = useMemo(() => {
    const items: QueueItem[] = [];
    for (const n of incidents.values()) {
      if (n.merged_into) continue;
      if (filter === 'open' && CLOSED.has(n.status)) continue;
      items.push({ kind: 'incident', id: n.id, priority: priorityNumber(n.priority), createdMs: Date.parse(n.created_at), category: n.category, areas: n.areas });
    }
    for (const r of reports.values()) {
      if (inIncident.has(r.id)) continue;
      if (filter === 'open' && CLOSED.has(r.status)) continue;
      items.push({ kind: 'report', id: r.id, priority: r.priority, createdMs: Date.parse(r.created_at), category: r.category, areas: r.areas });
    }
    return items.sort(itemOrder);
  }, [incidents, reports, inIncident, filter]);

  const points: MapPoint[] = useMemo(
    () =>
      queue.flatMap((q) => {
        const x = q.kind === 'incident' ? incidents.get(q.id) : reports.get(q.id);
        return x ? [{ id: q.kind === 'incident' ? `incident:${q.id}` : q.id, lat: x.lat, lon: x.lon, priority: q.priority }] : [];
      }),
    [queue, incidents, reports],
  );
  const mapUnits: MapUnit[] = useMemo(
    () =>
      [...units.values()].flatMap((u) =>
        u.position ? [{ id: u.id, lat: u.position.lat, lon: u.position.lon, kind: u.kind, status: u.status, stale: u.stale, callsign: u.callsign }] : [],
      ),
    [units],
  );

  const areaName = useCallback((code: string) => areas.find((a) => a.code === code)?.name ?? code, [areas]);
  const innermost = (codes: string[]) => (codes.length ? areaName(codes[codes.length - 1]!) : '—');

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

  function select(next: Selection) {
    setSelected(next);
    if (next?.kind !== 'call') setCallPin(null);
    if (next && 'id' in next) {
      setFresh((old) => {
        const s = new Set(old);
        s.delete(next.id);
        return s;
      });
      if (alarm?.id === next.id) setAlarm(null);
    }
  }
  const selectPoint = (id: string) =>
    select(id.startsWith('incident:') ? { kind: 'incident', id: id.slice('incident:'.length) } : { kind: 'report', id });

  const p1Open = queue.filter((q) => q.priority === 1).length;
  const incidentCount = queue.filter((q) => q.kind === 'incident').length;
  const selectedMapId = selected?.kind === 'incident' ? `incident:${selected.id}` : selected?.kind === 'report' ? selected.id : null;

  let detail;
  if (selected?.kind === 'call') {
    detail = (
      <CallForm
        pin={callPin}
        onPin={setCallPin}
        onCreated={(n) => {
          absorbIncidents([n]);
          select({ kind: 'incident', id: n.id });
        }}
        onCancel={() => select(null)}
      />
    );
  } else if (selected?.kind === 'incident') {
    const n = incidents.get(selected.id);
    detail = (
      <IncidentDetail
        id={selected.id}
        stamp={n ? `${n.updated_at}/${n.status}/${n.reports.length}/${unitEpoch}` : ''}
        areaName={areaName}
        units={units}
        onSelectReport={(id) => select({ kind: 'report', id })}
        onSelectIncident={(id) => select({ kind: 'incident', id })}
        onSelectUnit={(id) => select({ kind: 'unit', id })}
        onChanged={(fresh) => {
          absorbIncidents([fresh]);
          reloadUnits();
          reloadReports();
        }}
      />
    );
  } else if (selected?.kind === 'report') {
    const r = reports.get(selected.id);
    detail = (
      <ReportPanel
        id={selected.id}
        stamp={r ? `${r.updated_at}/${r.status}/${r.comments}/${r.confirmations}` : ''}
        areaName={areaName}
        incidentId={inIncident.get(selected.id) ?? null}
        onOpenIncident={(id) => select({ kind: 'incident', id })}
        onEscalated={(n) => {
          absorbIncidents([n]);
          select({ kind: 'incident', id: n.id });
        }}
      />
    );
  } else if (selected?.kind === 'unit') {
    const u = units.get(selected.id);
    detail = u ? (
      <UnitPanel
        unit={u}
        areaName={areaName}
        trailPoints={trail?.length ?? 0}
        hours={trailHours}
        onHours={setTrailHours}
        onOpenIncident={(id) => select({ kind: 'incident', id })}
      />
    ) : (
      <p class="muted">{t('loading')}</p>
    );
  } else {
    detail = <p class="muted">{t('select_report')}</p>;
  }

  return (
    <div class="console">
      <div class="console-bar">
        <h1>{t('console_title')}</h1>
        <span class={`live-state ${state}`} role="status" data-testid="stream-state">
          <span class="dot" aria-hidden="true" />
          {state === 'live' ? t('live') : state === 'polling' ? t('polling') : t('connecting')}
        </span>
        <span class="muted">{t('reports_count', { count: queue.length })}</span>
        <span class="muted">{t('dx_incidents_count', { count: incidentCount })}</span>
        {p1Open > 0 && <span class="badge prio-1">P1 × {formatNumber(p1Open)}</span>}
        <span class="spacer" />
        <button type="button" class="btn btn-small btn-primary" data-testid="new-call" onClick={() => select({ kind: 'call' })} aria-pressed={selected?.kind === 'call'}>
          {t('dx_new_call')}
        </button>
        <button type="button" class={`btn btn-small${soundOn ? ' btn-primary' : ''}`} onClick={toggleSound} aria-pressed={soundOn}>
          <Icon name={soundOn ? 'bell' : 'bellOff'} size={18} /> {soundOn ? t('sound_on') : t('sound_off')}
        </button>
      </div>
      {alarm && (
        <div class="p1-alarm" role="alert">
          <strong>{alarm.kind === 'incident' ? t('dx_new_p1_incident') : t('new_p1')}</strong>{' '}
          {t('new_p1_detail', { category: categoryLabel(alarm.category), area: innermost(alarm.areas) })}
          <button type="button" class="btn btn-small" onClick={() => select({ kind: alarm.kind, id: alarm.id })}>
            {alarm.kind === 'incident' ? t('dx_incident_detail') : t('report_detail')}
          </button>
          <button type="button" class="btn btn-small btn-ghost" onClick={() => setAlarm(null)} aria-label={t('close')}>
            ✕
          </button>
        </div>
      )}
      <div class="console-grid">
        <section class="queue" aria-labelledby="queue-title">
          <div class="queue-head">
            <div class="segmented small" role="group" aria-label={t('dx_column')}>
              <button type="button" class={column === 'queue' ? 'on' : ''} aria-pressed={column === 'queue'} onClick={() => setColumn('queue')}>
                <span id="queue-title">{t('queue')}</span>
              </button>
              <button type="button" class={column === 'units' ? 'on' : ''} aria-pressed={column === 'units'} onClick={() => setColumn('units')} data-testid="units-tab">
                {t('dx_units')} ({formatNumber(units.size)})
              </button>
            </div>
            {column === 'queue' && (
              <div class="segmented small" role="group" aria-label={t('dx_filter')}>
                <button type="button" class={filter === 'open' ? 'on' : ''} aria-pressed={filter === 'open'} onClick={() => setFilter('open')}>
                  {t('filter_open')}
                </button>
                <button type="button" class={filter === 'all' ? 'on' : ''} aria-pressed={filter === 'all'} onClick={() => setFilter('all')}>
                  {t('filter_all')}
                </button>
              </div>
            )}
          </div>
          {column === 'units' ? (
            <UnitList units={[...units.values()]} selectedId={selected?.kind === 'unit' ? selected.id : null} onSelect={(id) => select({ kind: 'unit', id })} />
          ) : !loaded ? (
            <p class="muted">{t('loading')}</p>
          ) : queue.length === 0 ? (
            <p class="muted">{t('queue_empty')}</p>
          ) : (
            <ul class="queue-list" data-testid="queue">
              {queue.map((q) => {
                if (q.kind === 'report') {
                  const r = reports.get(q.id)!;
                  return (
                    <li key={q.id} class={fresh.has(q.id) ? 'fresh' : ''} data-report-id={q.id}>
                      <ReportSummary r={r} onClick={() => select({ kind: 'report', id: q.id })} selected={selected?.kind === 'report' && selected.id === q.id} />
                      <div class="queue-area muted small">{innermost(q.areas)}</div>
                    </li>
                  );
                }
                const n = incidents.get(q.id)!;
                const isSel = selected?.kind === 'incident' && selected.id === q.id;
                return (
                  <li key={q.id} class={`queue-incident${fresh.has(q.id) ? ' fresh' : ''}`} data-incident-id={q.id}>
                    <button type="button" class={`report-summary clickable${isSel ? ' selected' : ''}`} aria-pressed={isSel} onClick={() => select({ kind: 'incident', id: q.id })}>
                      <div class="report-head">
                        <PriorityBadge priority={q.priority} />
                        <span class="kind-tag">{n.source === 'call' ? t('dx_tag_call') : t('dx_tag_incident')}</span>
                        <strong class="report-cat">{categoryLabel(n.category)}</strong>
                        <span class={`status status-${n.status}`}>{incidentStatusLabel(n.status)}</span>
                      </div>
                      <div class="report-meta">
                        <time dateTime={n.created_at} title={formatDateTime(n.created_at)}>
                          {formatAgo(n.created_at)}
                        </time>
                        {n.address && <span> · {n.address}</span>}
                        {n.reports.length > 1 && <span> · {t('dx_reports_n', { n: n.reports.length })}</span>}
                      </div>
                    </button>
                    <div class="queue-area muted small">{innermost(q.areas)}</div>
                  </li>
                );
              })}
            </ul>
          )}
        </section>
        <MapView
          label={t('map_label')}
          points={points}
          cluster
          onSelect={selectPoint}
          selectedId={selectedMapId}
          class="console-map"
          zoom={11}
          units={mapUnits}
          selectedUnitId={selected?.kind === 'unit' ? selected.id : null}
          onSelectUnit={(id) => select({ kind: 'unit', id })}
          trail={trail}
          pin={selected?.kind === 'call' ? callPin : null}
          onPinMove={selected?.kind === 'call' ? setCallPin : undefined}
          onMapClick={selected?.kind === 'call' ? setCallPin : undefined}
        />
        <aside class="detail" aria-label={t('dx_detail_pane')}>
          {detail}
        </aside>
      </div>
    </div>
  );
}
