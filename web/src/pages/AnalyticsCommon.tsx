// Pieces the analytics pages share: the areas the account covers and the default one, local
// dates (YYYY-MM-DD in the browser's time zone), a fetch hook that drops stale answers, the
// area / window / source controls, and number formats in the user's language (Intl).
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Area, type Grant } from '../api/client';
import type { Source } from '../api/analytics';
import { Notice, errorText } from '../components/common';
import { formatNumber, lang, t, type MessageKey } from '../i18n';
import { meStore, useStore } from '../session';

// ---- dates (local calendar days) ----

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
export function isoDay(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
export function parseDay(s: string): Date {
  const [y, m, d] = s.split('-').map(Number);
  return new Date(y!, (m ?? 1) - 1, d ?? 1);
}
export function today(): string {
  return isoDay(new Date());
}
export function addDays(day: string, n: number): string {
  const d = parseDay(day);
  d.setDate(d.getDate() + n);
  return isoDay(d);
}
/** The first day of the month `n` months after the month of `day`. */
export function monthStart(day: string, n = 0): string {
  const d = parseDay(day);
  return isoDay(new Date(d.getFullYear(), d.getMonth() + n, 1));
}

function locale(): string {
  return lang() === 'es' ? 'es-CL' : 'en-GB';
}
/** "24 nov 2026" / "24 Nov 2026". */
export function formatDay(day: string): string {
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric' }).format(parseDay(day));
}
/** "nov 2026" from "2026-11". */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(locale(), { month: 'short', year: 'numeric' }).format(new Date(y!, (m ?? 1) - 1, 1));
}
/** Weekday names, Monday first: ["lun", ...] and ["lunes", ...]. */
export function weekdayNames(): { short: string[]; long: string[] } {
  const short: string[] = [];
  const long: string[] = [];
  for (let i = 0; i < 7; i++) {
    const d = new Date(2026, 10, 23 + i); // 23 Nov 2026 is a Monday
    short.push(new Intl.DateTimeFormat(locale(), { weekday: 'short' }).format(d));
    long.push(new Intl.DateTimeFormat(locale(), { weekday: 'long' }).format(d));
  }
  return { short, long };
}
/** A share 0..1 as "42,5 %". */
export function formatShare(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
}
/** A percentage already ×100 as "21,7 %". */
export function formatPct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? '—' : formatShare(v / 100, digits);
}
/** A signed change in per cent: "+12,5 %" / "−3,0 %". */
export function formatChange(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return new Intl.NumberFormat(locale(), { style: 'percent', signDisplay: 'exceptZero', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v / 100);
}
/** Seconds as "8 min 20 s" (or "45 s", "1 h 05 min"). */
export function formatDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  const total = Math.round(s);
  if (total < 60) return `${formatNumber(total)} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min ${pad(total % 60)} s`;
  return `${Math.floor(total / 3600)} h ${pad(Math.floor((total % 3600) / 60))} min`;
}

// ---- areas ----

export interface AreaScope {
  areas: Area[];
  /** The areas this account's staff grants cover (themselves and their descendants). */
  covered: Area[];
  /** The widest covered area: where each page starts. */
  initial: string;
  name: (code: string) => string;
  children: (code: string) => Area[];
}

function coveredBy(grants: Grant[], areas: Area[]): Area[] {
  const staff = grants.filter((g) => ['operator', 'responder', 'analyst', 'admin'].includes(g.role));
  if (staff.some((g) => g.area === null || g.area === '*')) return areas;
  const byCode = new Map(areas.map((a) => [a.code, a]));
  const roots = new Set(staff.map((g) => g.area!));
  return areas.filter((a) => {
    for (let c: string | null = a.code; c; c = byCode.get(c)?.parent ?? null) if (roots.has(c)) return true;
    return false;
  });
}

const KIND_RANK: Record<string, number> = { region: 0, precinct: 1, sector: 2, neighbourhood: 3 };

export function useAreaScope(): AreaScope | null {
  const me = useStore(meStore);
  const [areas, setAreas] = useState<Area[] | null>(null);
  useEffect(() => {
    api
      .areas()
      .then((r) => setAreas(r.areas))
      .catch(() => setAreas([]));
  }, []);
  return useMemo(() => {
    if (!areas || !me) return null;
    const covered = coveredBy(me.roles, areas).sort(
      (a, b) => (KIND_RANK[a.kind] ?? 9) - (KIND_RANK[b.kind] ?? 9) || a.name.localeCompare(b.name),
    );
    const byCode = new Map(areas.map((a) => [a.code, a]));
    return {
      areas,
      covered,
      initial: covered[0]?.code ?? '',
      name: (code: string) => byCode.get(code)?.name ?? code,
      children: (code: string) => areas.filter((a) => a.parent === code),
    };
  }, [areas, me]);
}

// ---- fetching ----

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/** Runs `load` whenever `deps` change; an answer that arrives after a newer request is
 *  dropped. `load` returning null means "nothing to ask yet". */
export function useLoad<T>(load: () => Promise<T> | null, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: true });
  useEffect(() => {
    let current = true;
    const p = load();
    if (!p) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    setState((s) => ({ data: s.data, error: null, loading: true }));
    p.then(
      (data) => current && setState({ data, error: null, loading: false }),
      (e: unknown) => current && setState({ data: null, error: errorText(e), loading: false }),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}

// ---- controls ----

export function Field({ id, label, children, hint }: { id: string; label: string; children: ComponentChildren; hint?: string }) {
  return (
    <div class="an-field">
      <label for={id}>{label}</label>
      {children}
      {hint && <span class="muted small">{hint}</span>}
    </div>
  );
}

export function AreaSelect({
  id,
  scope,
  value,
  onChange,
  allowAll,
}: {
  id: string;
  scope: AreaScope;
  value: string;
  onChange: (code: string) => void;
  allowAll?: boolean;
}) {
  return (
    <Field id={id} label={t('area')}>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {allowAll && <option value="">{t('all_areas')}</option>}
        {scope.covered.map((a) => (
          <option key={a.code} value={a.code}>
            {a.name} ({t(`kind_${a.kind}` as MessageKey)})
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A time window of local days, `to` inclusive, ending today at first. */
export function useWindow(from: string): [{ from: string; to: string }, (from: string, to: string) => void] {
  const [w, setW] = useState({ from, to: today() });
  return [w, (f: string, tt: string) => setW({ from: f, to: tt })];
}
export const MONTH_PRESETS: Array<[string, MessageKey]> = [
  ['3m', 'an_last_3m'],
  ['12m', 'an_last_12m'],
];

/** From and to (inclusive) as local dates; `to` is sent to the API as the day after. */
export function WindowFields({
  idPrefix,
  from,
  to,
  onChange,
  presets,
}: {
  idPrefix: string;
  from: string;
  to: string;
  onChange: (from: string, to: string) => void;
  presets?: Array<[string, MessageKey]>;
}) {
  return (
    <>
      {presets && (
        <Field id={`${idPrefix}-preset`} label={t('an_window')}>
          <select
            id={`${idPrefix}-preset`}
            value=""
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (!v) return;
              const end = today();
              if (v.endsWith('m')) onChange(monthStart(end, 1 - Number(v.slice(0, -1))), end);
              else onChange(addDays(end, 1 - Number(v)), end);
            }}
          >
            <option value="">{t('an_window_choose')}</option>
            {presets.map(([v, key]) => (
              <option key={v} value={v}>
                {t(key)}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field id={`${idPrefix}-from`} label={t('an_from')}>
        <input id={`${idPrefix}-from`} type="date" value={from} max={to} onChange={(e) => e.currentTarget.value && onChange(e.currentTarget.value, to)} />
      </Field>
      <Field id={`${idPrefix}-to`} label={t('an_to')}>
        <input id={`${idPrefix}-to`} type="date" value={to} min={from} onChange={(e) => e.currentTarget.value && onChange(from, e.currentTarget.value)} />
      </Field>
    </>
  );
}

export function SourceField({ id, value, onChange }: { id: string; value: Source; onChange: (s: Source) => void }) {
  const options: Array<[Source, MessageKey]> = [
    ['both', 'an_source_both'],
    ['formal', 'an_source_formal'],
    ['informal', 'an_source_informal'],
  ];
  return (
    <fieldset class="an-field an-radios">
      <legend>{t('an_source')}</legend>
      <div class="segmented small">
        {options.map(([v, key]) => (
          <label key={v} class={value === v ? 'on' : ''}>
            <input type="radio" name={id} value={v} checked={value === v} onChange={() => onChange(v)} />
            {t(key)}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Loading / error / empty states of a figure. */
export function LoadState<T>({ state, empty, children }: { state: Loaded<T>; empty?: boolean; children: ComponentChildren }) {
  if (state.error) return <Notice kind="error">{state.error}</Notice>;
  if (state.loading && !state.data) return <p class="muted" aria-busy="true">{t('loading')}</p>;
  if (empty) return <p class="muted">{t('an_no_data')}</p>;
  return <>{children}</>;
}

/** A table's scroll box: focusable and named, so keyboard users can scroll it on a phone. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}

/** The filter bar of a page: a form that never submits (every field applies at once). */
export function Filters({ children }: { children: ComponentChildren }) {
  return (
    <form class="an-filters" aria-label={t('an_filters')} onSubmit={(e) => e.preventDefault()}>
      {children}
    </form>
  );
}

/** The area and the window: the first fields of most pages. */
export function AreaAndWindow(p: {
  idPrefix: string;
  scope: AreaScope;
  area: string;
  onArea: (code: string) => void;
  from: string;
  to: string;
  onWindow: (from: string, to: string) => void;
  presets?: Array<[string, MessageKey]>;
  allowAll?: boolean;
}) {
  return (
    <>
      <AreaSelect id={`${p.idPrefix}-area`} scope={p.scope} value={p.area} onChange={p.onArea} allowAll={p.allowAll} />
      <WindowFields idPrefix={p.idPrefix} from={p.from} to={p.to} onChange={p.onWindow} presets={p.presets} />
    </>
  );
}

export function NumberField(p: { id: string; label: string; value: number; min: number; max: number; step: number; onChange: (v: number) => void }) {
  return (
    <Field id={p.id} label={p.label}>
      <input
        id={p.id}
        type="number"
        min={p.min}
        max={p.max}
        step={p.step}
        value={p.value}
        onChange={(e) => {
          const v = Number(e.currentTarget.value);
          if (Number.isFinite(v) && v >= p.min && v <= p.max) p.onChange(v);
        }}
      />
    </Field>
  );
}

/** A select over [value, label] pairs; nothing is shown while there is nothing to choose. */
export function ChoiceField(p: { id: string; label: string; value: string; options: Array<[string, string]>; onChange: (v: string) => void }) {
  if (p.options.length === 0) return null;
  return (
    <Field id={p.id} label={p.label}>
      <select id={p.id} value={p.value} onChange={(e) => p.onChange(e.currentTarget.value)}>
        {p.options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </Field>
  );
}
