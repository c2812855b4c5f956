// Broadcasts in the neighbour app: the warnings in force for my areas (the areas I am a
// verified neighbour of, their parents, and drawn polygons around my home or my position),
// live from the stream's broadcast.sent events, with a notice on screen and, when allowed,
// a system notification as one arrives. Other warnings in force are listed below them.
import { useEffect, useState } from 'preact/hooks';
import { api, type Area, type Me } from '../api/client';
import {
  ATOM_URL,
  broadcastFromEvent,
  broadcastsApi,
  capUrl,
  isActive,
  pointInRing,
  type Broadcast,
} from '../api/broadcasts';
import { Notice } from '../components/common';
import { Icon } from '../components/Icon';
import { formatAgo, formatDateTime, lang, t, type MessageKey } from '../i18n';
import { LiveStream } from '../realtime/stream';
import { linkTo, meStore, useLang, useStore } from '../session';
import './broadcast.css';

// ---- what the app knows of broadcasts, shared by the notifier and the page ----

interface Place {
  areas: Set<string>; // my verified areas with their ancestors
  points: Array<[number, number]>; // [lon, lat]: approved homes and, when allowed, my position
  known: boolean; // false until the areas and memberships have been read
}

interface State {
  items: Broadcast[];
  place: Place;
  toast: Broadcast | null;
  loaded: boolean;
  error: boolean;
}

let state: State = {
  items: [],
  place: { areas: new Set(), points: [], known: false },
  toast: null,
  loaded: false,
  error: false,
};
const listeners = new Set<() => void>();
function update(patch: Partial<State>): void {
  state = { ...state, ...patch };
  listeners.forEach((l) => l());
}
function useBroadcastState(): State {
  const [, force] = useState(0);
  useEffect(() => {
    const l = () => force((n) => n + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return state;
}

/** Whether a broadcast is meant for the place this neighbour lives in (or stands in). */
export function isForMe(b: Broadcast, place: Place): boolean {
  if (b.areas.some((a) => place.areas.has(a))) return true;
  const ring = b.polygon?.coordinates[0];
  if (ring && place.points.some(([lon, lat]) => pointInRing(lon, lat, ring))) return true;
  return false;
}

async function readPlace(me: Me): Promise<Place> {
  const areas = new Set<string>();
  const points: Array<[number, number]> = [];
  const [list, mine] = await Promise.all([
    api.areas().then((r) => r.areas).catch(() => [] as Area[]),
    api.myMemberships().then((r) => r.memberships).catch(() => []),
  ]);
  const parent = new Map(list.map((a) => [a.code, a.parent]));
  const verified = new Set(me.verified_neighbourhoods ?? []);
  for (const m of mine) {
    if (m.status !== 'approved') continue;
    verified.add(m.area);
    points.push([m.lon, m.lat]);
  }
  for (const code of verified) {
    let c: string | null | undefined = code;
    for (let hops = 0; c && hops < 10; hops++) {
      areas.add(c);
      c = parent.get(c);
    }
  }
  return { areas, points, known: true };
}

/** The position, only when the neighbour has already allowed it (no prompt from here). */
async function grantedPosition(): Promise<[number, number] | null> {
  try {
    const p = await navigator.permissions?.query({ name: 'geolocation' as PermissionName });
    if (!p || p.state !== 'granted') return null;
  } catch {
    return null;
  }
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve([pos.coords.longitude, pos.coords.latitude]),
      () => resolve(null),
      { maximumAge: 300000, timeout: 5000 },
    );
  });
}

function merge(items: Broadcast[], b: Broadcast): Broadcast[] {
  const rest = items.filter((x) => x.id !== b.id);
  return [b, ...rest].sort((x, y) => Date.parse(y.created_at ?? '') - Date.parse(x.created_at ?? ''));
}

function notify(b: Broadcast): void {
  update({ toast: b });
  if (b.severity === 'Extreme' || b.severity === 'Severe') navigator.vibrate?.([300, 120, 300]);
  try {
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted' && document.visibilityState !== 'visible') {
      new Notification(`${t('bc_notification_title')}: ${b.headline}`, { body: b.body, tag: `broadcast-${b.id}` });
    }
  } catch {
    /* notifications unavailable: the notice on screen is enough */
  }
}

const seen = new Set<string>();

async function refresh(first: boolean): Promise<void> {
  try {
    const list = (await broadcastsApi.list()).broadcasts;
    // A warning that arrived while the stream was down still gets its notice.
    if (!first) for (const b of list) if (!seen.has(b.id) && isForMe(b, state.place)) notify(b);
    for (const b of list) seen.add(b.id);
    update({ items: list, loaded: true, error: false });
  } catch {
    update({ loaded: true, error: state.items.length === 0 });
  }
}

/** Mounted once in the neighbour app: keeps the broadcasts current and raises the notice. */
export function BroadcastNotifier() {
  const me = useStore(meStore);
  const s = useBroadcastState();
  useLang();
  useEffect(() => {
    if (!me) return;
    let stopped = false;
    void (async () => {
      const place = await readPlace(me);
      const here = await grantedPosition();
      if (here) place.points.push(here);
      if (stopped) return;
      update({ place });
      await refresh(true);
    })();
    const stream = new LiveStream({
      pollMs: 30000,
      onState: () => undefined,
      onPoll: () => void refresh(false),
      onRefetch: () => void refresh(false),
      onEvent: (e) => {
        if (e.type !== 'broadcast.sent') return;
        const b = broadcastFromEvent(e.data);
        if (!b) return;
        if (typeof e.time === 'string') b.created_at = e.time;
        const fresh = !seen.has(b.id);
        seen.add(b.id);
        update({ items: merge(state.items, b) });
        if (fresh && isForMe(b, state.place)) notify(b);
      },
    });
    stream.start();
    return () => {
      stopped = true;
      stream.stop();
    };
  }, [me?.id]);

  const b = s.toast;
  if (!b) return null;
  const urgent = b.severity === 'Extreme' || b.severity === 'Severe';
  return (
    <div class={`bc-toast sev-${b.severity.toLowerCase()}`} role={urgent ? 'alert' : 'status'} data-testid="broadcast-toast">
      <Icon name="bell" size={22} />
      <div class="bc-toast-text">
        <strong>{t('bc_new_warning')}</strong> <span>{b.headline}</span>
      </div>
      <a
        class="btn btn-small"
        href="/broadcasts"
        onClick={(e) => {
          update({ toast: null });
          linkTo('/broadcasts')(e);
        }}
      >
        {t('bc_view')}
      </a>
      <button type="button" class="btn btn-small btn-ghost" onClick={() => update({ toast: null })} aria-label={t('close')}>
        ×
      </button>
    </div>
  );
}

// ---- the card, shared with the composer's preview ----

export function severityLabel(s: string): string {
  const key = `bc_sev_${s}` as MessageKey;
  const text = t(key);
  return text === key ? s : text;
}
export function capLabel(kind: 'urg' | 'cert' | 'cat', v: string): string {
  const key = `bc_${kind}_${v}` as MessageKey;
  const text = t(key);
  return text === key ? v : text;
}

export function BroadcastCard({
  b,
  areaName,
  links,
  headingLevel = 3,
  language,
}: {
  b: Broadcast;
  areaName: (code: string) => string;
  links?: boolean;
  headingLevel?: 2 | 3;
  /** Show this version whatever the reader's language (the composer's preview). */
  language?: 'es' | 'en';
}) {
  const H = headingLevel === 2 ? 'h2' : 'h3';
  // The English version when the reader chose English and the sender wrote one.
  const en = (language ?? lang()) === 'en' && !!b.headline_en && !!b.body_en;
  const headline = en ? b.headline_en! : b.headline;
  const body = en ? b.body_en! : b.body;
  const instruction = en ? (b.instruction_en ?? b.instruction) : b.instruction;
  const active = isActive(b);
  const where = [
    ...b.areas.map(areaName),
    ...(b.polygon ? [t('bc_drawn_area', { n: Math.max(0, (b.polygon.coordinates[0]?.length ?? 1) - 1) })] : []),
  ].join(', ');
  return (
    <article class={`card bc-card sev-${b.severity.toLowerCase()}${active ? '' : ' expired'}`} data-broadcast-id={b.id}>
      <div class="bc-head">
        <span class={`bc-sev sev-${b.severity.toLowerCase()}`}>{severityLabel(b.severity)}</span>
        <span class="bc-meta">
          {capLabel('urg', b.urgency)} · {capLabel('cert', b.certainty)} · {capLabel('cat', b.category)}
        </span>
      </div>
      <H class="bc-headline" lang={en ? 'en' : 'es'}>
        {headline}
      </H>
      <p class="bc-body" lang={en ? 'en' : 'es'}>
        {body}
      </p>
      {instruction && (
        <p class="bc-instruction">
          <strong>{t('bc_instruction')}:</strong> {instruction}
        </p>
      )}
      <dl class="facts bc-facts">
        <dt>{t('bc_where')}</dt>
        <dd>{where || '—'}</dd>
        {b.created_at && (
          <>
            <dt>{t('bc_sent')}</dt>
            <dd>
              <time dateTime={b.created_at} title={formatDateTime(b.created_at)}>
                {formatAgo(b.created_at)}
              </time>
            </dd>
          </>
        )}
        <dt>{active ? t('bc_expires') : t('bc_expired')}</dt>
        <dd>{b.expires_at ? formatDateTime(b.expires_at) : '—'}</dd>
      </dl>
      {links && (
        <p class="bc-links small">
          <a href={capUrl(b)} target="_blank" rel="noopener" data-testid="cap-link">
            {t('bc_cap_link')}
          </a>
        </p>
      )}
    </article>
  );
}

// ---- the neighbour's page ----

export function BroadcastsPage() {
  const s = useBroadcastState();
  useLang();
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const [perm, setPerm] = useState<string>(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  useEffect(() => {
    api
      .areas()
      .then((r) => setNames(new Map(r.areas.map((a) => [a.code, a.name]))))
      .catch(() => undefined);
    if (state.toast) update({ toast: null });
  }, []);
  const areaName = (c: string) => names.get(c) ?? c;
  const active = s.items.filter((b) => isActive(b));
  const mine = active.filter((b) => isForMe(b, s.place));
  const others = active.filter((b) => !isForMe(b, s.place));

  async function allow() {
    try {
      setPerm(await Notification.requestPermission());
    } catch {
      setPerm('denied');
    }
  }

  return (
    <section class="page" aria-labelledby="bc-title">
      <h1 id="bc-title">{t('bc_title')}</h1>
      <p class="hint">{t('bc_intro')}</p>
      {perm === 'default' && (
        <button type="button" class="btn btn-small" onClick={() => void allow()}>
          <Icon name="bell" size={18} /> {t('bc_allow_notifications')}
        </button>
      )}
      {s.place.known && s.place.areas.size === 0 && s.place.points.length === 0 && (
        <Notice kind="info">
          {t('bc_not_verified')}{' '}
          <a href="/membership" onClick={linkTo('/membership')}>
            {t('nav_membership')}
          </a>
        </Notice>
      )}
      {s.error && <Notice kind="error">{t('error_network')}</Notice>}
      <h2>{t('bc_for_my_areas')}</h2>
      {!s.loaded ? (
        <p class="muted">{t('loading')}</p>
      ) : mine.length === 0 ? (
        <p class="muted" data-testid="bc-none">
          {t('bc_none_for_me')}
        </p>
      ) : (
        <ul class="card-list bc-list" aria-live="polite" data-testid="bc-mine">
          {mine.map((b) => (
            <li key={b.id}>
              <BroadcastCard b={b} areaName={areaName} />
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <details class="bc-others">
          <summary>{t('bc_other_areas', { n: others.length })}</summary>
          <ul class="card-list bc-list">
            {others.map((b) => (
              <li key={b.id}>
                <BroadcastCard b={b} areaName={areaName} />
              </li>
            ))}
          </ul>
        </details>
      )}
      <p class="small">
        <a href={ATOM_URL} target="_blank" rel="noopener">
          {t('bc_atom_link')}
        </a>
      </p>
    </section>
  );
}
