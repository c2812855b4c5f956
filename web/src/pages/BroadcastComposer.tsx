// The console's broadcast composer: choose areas from the list or on the map, or draw a
// polygon (click to add vertices, close, clear); the message in Spanish (and optionally in
// English), CAP severity, urgency, certainty and category, the expiry; a preview of what
// neighbours will see; send; and the broadcasts already sent with their CAP documents and
// the Atom feed.
import type { ComponentType } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Area } from '../api/client';
import {
  ATOM_URL,
  CAP_CATEGORIES,
  CAP_CERTAINTIES,
  CAP_SEVERITIES,
  CAP_URGENCIES,
  broadcastsApi,
  capUrl,
  type Broadcast,
  type NewBroadcast,
} from '../api/broadcasts';
import { Notice, errorText } from '../components/common';
import { t, type MessageKey } from '../i18n';
import { meStore, useLang, useStore } from '../session';
import { BroadcastCard, capLabel, severityLabel } from './Broadcasts';
import type { BroadcastMapProps, MapMode } from './BroadcastMap';
import './broadcast.css';

let MapImpl: ComponentType<BroadcastMapProps> | null = null;
function useBroadcastMap(): [ComponentType<BroadcastMapProps> | null, boolean] {
  const [impl, setImpl] = useState(() => MapImpl);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (impl) return;
    import('./BroadcastMap')
      .then((m) => {
        MapImpl = m.BroadcastMapImpl;
        setImpl(() => m.BroadcastMapImpl);
      })
      .catch(() => setFailed(true));
  }, []);
  return [impl, failed];
}

const HOURS = [1, 3, 6, 12, 24, 48, 72, 168];

function localInputValue(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const KIND_ORDER = ['region', 'precinct', 'sector', 'neighbourhood'];

export function BroadcastComposerPage() {
  useLang();
  const me = useStore(meStore);
  const [Map, mapFailed] = useBroadcastMap();
  const [areas, setAreas] = useState<Area[]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const [mode, setMode] = useState<MapMode>('pick');
  const [vertices, setVertices] = useState<Array<[number, number]>>([]);
  const [closed, setClosed] = useState(false);
  const [headline, setHeadline] = useState('');
  const [body, setBody] = useState('');
  const [instruction, setInstruction] = useState('');
  const [headlineEn, setHeadlineEn] = useState('');
  const [bodyEn, setBodyEn] = useState('');
  const [instructionEn, setInstructionEn] = useState('');
  const [severity, setSeverity] = useState('Moderate');
  const [urgency, setUrgency] = useState('Expected');
  const [certainty, setCertainty] = useState('Likely');
  const [category, setCategory] = useState('Safety');
  const [expires, setExpires] = useState(() => localInputValue(Date.now() + 6 * 3600_000));
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sentNow, setSentNow] = useState<Broadcast | null>(null);
  const [sent, setSent] = useState<Broadcast[] | null>(null);
  const [filter, setFilter] = useState('');
  const centre = useRef<(() => [number, number] | null) | null>(null);

  useEffect(() => {
    api
      .areas()
      .then((r) => setAreas(r.areas))
      .catch(() => setAreas([]));
    void reloadSent();
  }, []);

  async function reloadSent() {
    try {
      setSent((await broadcastsApi.list(true)).broadcasts);
    } catch {
      setSent((old) => old ?? []);
    }
  }

  // Areas the account may send to: those its operator/admin grants cover (itself or below).
  const sendable = useMemo(() => {
    const grants = (me?.roles ?? []).filter((g) => g.role === 'operator' || g.role === 'admin').map((g) => g.area);
    const parent = new globalThis.Map(areas.map((a) => [a.code, a.parent]));
    const covered = (code: string) => {
      if (grants.includes('*')) return true;
      for (let c: string | null | undefined = code, i = 0; c && i < 12; c = parent.get(c), i++) if (grants.includes(c)) return true;
      return false;
    };
    return areas
      .filter((a) => a.kind !== 'region' && covered(a.code))
      .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.name.localeCompare(b.name));
  }, [areas, me?.id]);
  const shownAreas = filter.trim()
    ? sendable.filter((a) => `${a.name} ${a.code}`.toLowerCase().includes(filter.trim().toLowerCase()))
    : sendable;
  const nameOf = (code: string) => areas.find((a) => a.code === code)?.name ?? code;

  function toggle(code: string) {
    setSelected((s) => (s.includes(code) ? s.filter((c) => c !== code) : [...s, code]));
  }
  function addVertex(v: [number, number]) {
    if (closed) return;
    setVertices((vs) => [...vs, [Math.round(v[0] * 1e6) / 1e6, Math.round(v[1] * 1e6) / 1e6]]);
  }

  const polygon = closed && vertices.length >= 3 ? { type: 'Polygon' as const, coordinates: [[...vertices, vertices[0]!]] } : null;
  const expiresMs = Date.parse(expires); // a datetime-local value is read in local time
  const draft: NewBroadcast = {
    headline: headline.trim(),
    body: body.trim(),
    severity,
    urgency,
    certainty,
    category,
    expires: Number.isFinite(expiresMs) ? new Date(expiresMs).toISOString() : '',
    ...(instruction.trim() ? { instruction: instruction.trim() } : {}),
    ...(selected.length ? { areas: selected } : {}),
    ...(polygon ? { polygon } : {}),
  };
  const english = headlineEn.trim() || bodyEn.trim() || instructionEn.trim();
  if (english) {
    // A second CAP <info> in English (both headline and body, or none).
    draft.headline_en = headlineEn.trim();
    draft.body_en = bodyEn.trim();
    if (instructionEn.trim()) draft.instruction_en = instructionEn.trim();
  }
  const problems: MessageKey[] = [];
  if (!headline.trim()) problems.push('bc_need_headline');
  if (!body.trim()) problems.push('bc_need_body');
  if (english && !(headlineEn.trim() && bodyEn.trim())) problems.push('bc_need_both_en');
  if (!selected.length && !polygon) problems.push(vertices.length > 0 && !closed ? 'bc_need_close' : 'bc_need_area');
  if (!Number.isFinite(expiresMs) || expiresMs <= Date.now() || expiresMs > Date.now() + 7 * 24 * 3600_000) problems.push('bc_need_expiry');
  const preview: Broadcast = {
    id: 'preview',
    headline: draft.headline || t('bc_headline_placeholder'),
    body: draft.body || t('bc_body_placeholder'),
    instruction: draft.instruction ?? null,
    severity,
    urgency,
    certainty,
    category,
    areas: selected,
    polygon,
    expires_at: draft.expires,
    headline_en: draft.headline_en ?? null,
    body_en: draft.body_en ?? null,
    instruction_en: draft.instruction_en ?? null,
  };

  async function send(e: Event) {
    e.preventDefault();
    if (problems.length) {
      setError(problems.map((p) => t(p)).join(' '));
      return;
    }
    setSending(true);
    setError(null);
    try {
      const b = await broadcastsApi.send(draft);
      setSentNow(b);
      setHeadline('');
      setBody('');
      setInstruction('');
      setHeadlineEn('');
      setBodyEn('');
      setInstructionEn('');
      setSelected([]);
      setVertices([]);
      setClosed(false);
      void reloadSent();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSending(false);
    }
  }

  return (
    <section class="page page-wide bc-composer" aria-labelledby="bc-compose-title">
      <h1 id="bc-compose-title">{t('bc_compose_title')}</h1>
      <p class="hint">{t('bc_compose_intro')}</p>
      {sentNow && (
        <Notice kind="ok">
          <span data-testid="bc-sent-ok">{t('bc_sent_ok', { headline: sentNow.headline })}</span>{' '}
          <a href={capUrl(sentNow)} target="_blank" rel="noopener">
            {t('bc_cap_link')}
          </a>
        </Notice>
      )}
      <form class="bc-grid" onSubmit={(e) => void send(e)} noValidate>
        <div class="bc-col">
          <fieldset class="bc-fieldset">
            <legend>{t('bc_where_legend')}</legend>
            <div class="segmented small" role="group" aria-label={t('bc_map_mode')}>
              <button type="button" class={mode === 'pick' ? 'on' : ''} aria-pressed={mode === 'pick'} onClick={() => setMode('pick')} id="bc-mode-pick">
                {t('bc_mode_pick')}
              </button>
              <button type="button" class={mode === 'draw' ? 'on' : ''} aria-pressed={mode === 'draw'} onClick={() => setMode('draw')} id="bc-mode-draw">
                {t('bc_mode_draw')}
              </button>
            </div>
            {mode === 'pick' ? (
              <>
                <p class="hint">{t('bc_pick_hint')}</p>
                <label for="bc-area-filter" class="label">
                  {t('bc_area_filter')}
                </label>
                <input id="bc-area-filter" type="text" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
                <ul class="bc-area-list" aria-label={t('bc_areas')}>
                  {shownAreas.map((a) => (
                    <li key={a.code} class="check">
                      <input
                        type="checkbox"
                        id={`bc-area-${a.code}`}
                        data-code={a.code}
                        checked={selected.includes(a.code)}
                        onChange={() => toggle(a.code)}
                      />
                      <label for={`bc-area-${a.code}`}>
                        {a.name} <span class="muted small">({t(`kind_${a.kind}` as MessageKey)})</span>
                      </label>
                    </li>
                  ))}
                  {shownAreas.length === 0 && <li class="muted">{t('bc_no_areas')}</li>}
                </ul>
              </>
            ) : (
              <>
                <p class="hint">{t('bc_draw_hint')}</p>
                <p class="small" aria-live="polite" data-testid="bc-vertex-count">
                  {closed ? t('bc_polygon_closed', { n: vertices.length }) : t('bc_vertices', { n: vertices.length })}
                </p>
                <div class="row bc-draw-tools">
                  <button
                    type="button"
                    class="btn btn-small"
                    disabled={closed}
                    onClick={() => {
                      const c = centre.current?.();
                      if (c) addVertex(c);
                    }}
                  >
                    {t('bc_add_centre')}
                  </button>
                  <button type="button" class="btn btn-small" disabled={closed || vertices.length === 0} onClick={() => setVertices((v) => v.slice(0, -1))}>
                    {t('bc_undo')}
                  </button>
                  <button type="button" class="btn btn-small" id="bc-close-polygon" disabled={closed || vertices.length < 3} onClick={() => setClosed(true)}>
                    {t('bc_close_polygon')}
                  </button>
                  <button
                    type="button"
                    class="btn btn-small btn-danger-outline"
                    disabled={vertices.length === 0}
                    onClick={() => {
                      setVertices([]);
                      setClosed(false);
                    }}
                  >
                    {t('bc_clear_polygon')}
                  </button>
                </div>
              </>
            )}
            {selected.length > 0 && (
              <p class="small" data-testid="bc-selected">
                {t('bc_selected')}: {selected.map(nameOf).join(', ')}
              </p>
            )}
          </fieldset>
          {Map ? (
            <Map
              label={t('bc_map_label')}
              mode={mode}
              selected={selected}
              onToggleArea={toggle}
              vertices={vertices}
              closed={closed}
              onAddVertex={addVertex}
              centreRef={centre}
            />
          ) : (
            <div class="map bc-map" role="region" aria-label={t('bc_map_label')} aria-busy={!mapFailed}>
              {mapFailed && <p class="map-failed">{t('map_unavailable')}</p>}
            </div>
          )}
        </div>

        <div class="bc-col">
          <fieldset class="bc-fieldset">
            <legend>{t('bc_message_es')}</legend>
            <label for="bc-headline" class="label">
              {t('bc_headline')}
            </label>
            <input id="bc-headline" type="text" maxLength={120} required value={headline} onInput={(e) => setHeadline(e.currentTarget.value)} />
            <label for="bc-body" class="label">
              {t('bc_body')}
            </label>
            <textarea id="bc-body" rows={4} maxLength={1800} required value={body} onInput={(e) => setBody(e.currentTarget.value)} />
            <label for="bc-instruction" class="label">
              {t('bc_instruction_optional')}
            </label>
            <textarea id="bc-instruction" rows={2} maxLength={1800} value={instruction} onInput={(e) => setInstruction(e.currentTarget.value)} />
          </fieldset>
          <details class="bc-fieldset bc-english" open={!!english}>
            <summary>{t('bc_message_en')}</summary>
            <label for="bc-headline-en" class="label">
              {t('bc_headline_en')}
            </label>
            <input id="bc-headline-en" type="text" lang="en" maxLength={120} value={headlineEn} onInput={(e) => setHeadlineEn(e.currentTarget.value)} />
            <label for="bc-body-en" class="label">
              {t('bc_body_en')}
            </label>
            <textarea id="bc-body-en" rows={3} lang="en" maxLength={1800} value={bodyEn} onInput={(e) => setBodyEn(e.currentTarget.value)} />
            <label for="bc-instruction-en" class="label">
              {t('bc_instruction_en')}
            </label>
            <textarea id="bc-instruction-en" rows={2} lang="en" maxLength={1800} value={instructionEn} onInput={(e) => setInstructionEn(e.currentTarget.value)} />
          </details>
          <fieldset class="bc-fieldset bc-cap">
            <legend>{t('bc_cap_legend')}</legend>
            <div class="bc-cap-grid">
              <CapSelect id="bc-severity" label={t('bc_severity')} value={severity} onChange={setSeverity} options={CAP_SEVERITIES} text={severityLabel} />
              <CapSelect id="bc-urgency" label={t('bc_urgency')} value={urgency} onChange={setUrgency} options={CAP_URGENCIES} text={(v) => capLabel('urg', v)} />
              <CapSelect id="bc-certainty" label={t('bc_certainty')} value={certainty} onChange={setCertainty} options={CAP_CERTAINTIES} text={(v) => capLabel('cert', v)} />
              <CapSelect id="bc-category" label={t('bc_category')} value={category} onChange={setCategory} options={CAP_CATEGORIES} text={(v) => capLabel('cat', v)} />
            </div>
            <label for="bc-expires" class="label">
              {t('bc_expires_at')}
            </label>
            <input
              id="bc-expires"
              type="datetime-local"
              class="bc-datetime"
              value={expires}
              min={localInputValue(Date.now())}
              max={localInputValue(Date.now() + 7 * 24 * 3600_000)}
              onInput={(e) => setExpires(e.currentTarget.value)}
            />
            <div class="row bc-hours" role="group" aria-label={t('bc_expires_in')}>
              {HOURS.map((h) => (
                <button key={h} type="button" class="btn btn-small" onClick={() => setExpires(localInputValue(Date.now() + h * 3600_000))}>
                  {h < 24 ? t('bc_hours', { n: h }) : t('bc_days', { n: h / 24 })}
                </button>
              ))}
            </div>
          </fieldset>
          <h2>{t('bc_preview')}</h2>
          <div class="bc-preview" data-testid="bc-preview">
            <BroadcastCard b={preview} areaName={nameOf} headingLevel={3} language="es" />
            {preview.headline_en && preview.body_en && <BroadcastCard b={preview} areaName={nameOf} headingLevel={3} language="en" />}
          </div>
          {error && <Notice kind="error">{error}</Notice>}
          {problems.length > 0 && !error && <p class="small muted">{problems.map((p) => t(p)).join(' ')}</p>}
          <button type="submit" class="btn btn-primary btn-block" id="bc-send" disabled={sending}>
            {sending ? t('bc_sending') : t('bc_send')}
          </button>
        </div>
      </form>

      <section aria-labelledby="bc-sent-title" class="bc-sent">
        <div class="section-head">
          <h2 id="bc-sent-title">{t('bc_sent_list')}</h2>
          <a href={ATOM_URL} target="_blank" rel="noopener" data-testid="atom-link">
            {t('bc_atom_link')}
          </a>
        </div>
        {sent === null ? (
          <p class="muted">{t('loading')}</p>
        ) : sent.length === 0 ? (
          <p class="muted">{t('bc_sent_none')}</p>
        ) : (
          <ul class="card-list bc-sent-list">
            {sent.map((b) => (
              <li key={b.id}>
                <BroadcastCard b={b} areaName={nameOf} links />
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}

function CapSelect({
  id,
  label,
  value,
  onChange,
  options,
  text,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: readonly string[];
  text: (v: string) => string;
}) {
  return (
    <div>
      <label for={id} class="label">
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {text(o)}
          </option>
        ))}
      </select>
    </div>
  );
}
