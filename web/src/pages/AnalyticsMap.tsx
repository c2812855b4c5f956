// The crime map: formal complaints and informal reports on one map, counted over a metric
// grid (50–2,000 m cells) or per area (choropleth), with a heatmap of the cell counts and the
// Getis-Ord Gi* hot and cold spots (90/95/99 % confidence, FDR-corrected, computed by the
// server; shown only when GET /api/v1/analytics/hotspots answers). The figures are also
// in tables under the map, for keyboard and screen-reader users.
import type { ComponentType } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { analytics, type CrimeFilter, type Source } from '../api/analytics';
import type { AnalyticsMapProps } from '../components/AnalyticsMapView';
import { formatNumber, lang, t, type MessageKey } from '../i18n';
import { categoriesStore, categoryLabel, useStore } from '../session';
import {
  Field,
  LoadState,
  SourceField,
  addDays,
  formatDay,
  today,
  useLoad,
  type AreaScope,
  TableWrap,
  useWindow,
  Filters,
  AreaAndWindow,
} from './AnalyticsCommon';

const CELL_SIZES = [50, 100, 250, 500, 1000, 2000];
const CLASS_COLORS = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];
// Same colours as the map layer (components/AnalyticsMapView.tsx HOTSPOT_COLORS); kept here
// too so the legend renders before the map chunk has loaded.
const HOTSPOT_LEGEND: Array<[number, string, MessageKey]> = [
  [3, '#b2182b', 'an_hot_99'],
  [2, '#e0643f', 'an_hot_95'],
  [1, '#f4b89c', 'an_hot_90'],
  [-1, '#a6c8e3', 'an_cold_90'],
  [-2, '#5a9bd0', 'an_cold_95'],
  [-3, '#1f5fa8', 'an_cold_99'],
];

/** Up to four class breaks (upper bounds) over the non-zero counts, at their 50th, 75th,
 *  90th and 97th percentiles, rounded and made strictly increasing. */
export function classBreaks(counts: number[]): number[] {
  const xs = counts.filter((c) => c > 0).sort((a, b) => a - b);
  if (xs.length === 0) return [];
  const out: number[] = [];
  for (const q of [0.5, 0.75, 0.9, 0.97]) {
    const v = xs[Math.min(xs.length - 1, Math.floor(q * (xs.length - 1)))]!;
    if (out.length === 0 || v > out[out.length - 1]!) out.push(v);
  }
  if (out[out.length - 1] === xs[xs.length - 1]) out.pop();
  return out;
}

function classLabels(breaks: number[]): string[] {
  const labels: string[] = [];
  let lo = 1;
  for (const b of breaks) {
    labels.push(lo === b ? formatNumber(b) : `${formatNumber(lo)}–${formatNumber(b)}`);
    lo = b + 1;
  }
  labels.push(`≥ ${formatNumber(lo)}`);
  return labels;
}

let mapImpl: ComponentType<AnalyticsMapProps> | null = null;
function LazyMap(p: AnalyticsMapProps) {
  const [Impl, setImpl] = useState<ComponentType<AnalyticsMapProps> | null>(() => mapImpl);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (Impl) return;
    import('../components/AnalyticsMapView')
      .then((m) => {
        mapImpl = m.AnalyticsMapViewImpl;
        setImpl(() => m.AnalyticsMapViewImpl);
      })
      .catch(() => setFailed(true));
  }, []);
  if (!Impl)
    return (
      <div class="map analytics-map" role="region" aria-label={p.label} aria-busy={!failed}>
        {failed && <p class="map-failed">{t('map_unavailable')}</p>}
      </div>
    );
  return <Impl {...p} />;
}

export function CrimeMapPage({ scope }: { scope: AreaScope }) {
  const categories = useStore(categoriesStore);
  const [area, setArea] = useState(scope.initial);
  const [{ from, to }, setWindow] = useWindow(addDays(today(), -89));
  const [source, setSource] = useState<Source>('both');
  const [chosen, setChosen] = useState<string[]>([]);
  const [mode, setMode] = useState<'grid' | 'areas'>('grid');
  const [cell, setCell] = useState(250);
  const [showCounts, setShowCounts] = useState(true);
  const [showHeat, setShowHeat] = useState(false);
  const [showHot, setShowHot] = useState(true);

  const filter: CrimeFilter = useMemo(
    () => ({ area: area || undefined, from, to: addDays(to, 1), source, categories: chosen }),
    [area, from, to, source, chosen],
  );
  const key = JSON.stringify(filter);
  const grid = useLoad(() => (mode === 'grid' || showHeat ? analytics.grid(filter, cell) : null), [key, cell, mode, showHeat]);
  const perArea = useLoad(() => (mode === 'areas' ? analytics.areas(filter) : null), [key, mode]);
  const hot = useLoad(() => (mode === 'grid' && showHot ? analytics.hotspots(filter, cell) : null), [key, cell, mode, showHot]);

  const choroplethCodes = useMemo(() => {
    const kids = area ? scope.children(area).map((a) => a.code) : scope.covered.filter((a) => a.kind === 'sector' || a.kind === 'neighbourhood').map((a) => a.code);
    return kids.length ? kids : area ? [area] : [];
  }, [area, scope]);
  const areaCounts = useMemo(() => {
    if (!perArea.data) return null;
    const out: Record<string, number> = {};
    for (const a of perArea.data.areas) out[a.code] = a.incidents;
    return out;
  }, [perArea.data]);

  const breaks = useMemo(() => {
    if (mode === 'grid') return classBreaks((grid.data?.cells ?? []).map((c) => c[2]));
    return classBreaks(choroplethCodes.map((c) => areaCounts?.[c] ?? 0));
  }, [mode, grid.data, areaCounts, choroplethCodes]);
  const colors = CLASS_COLORS.slice(CLASS_COLORS.length - breaks.length - 1);
  const labels = classLabels(breaks);

  const byFamily = useMemo(() => {
    const m = new Map<string, typeof categories>();
    for (const c of categories) m.set(c.family, [...(m.get(c.family) ?? []), c]);
    const order = ['crime', 'violence', 'emergency', 'city_service'];
    return [...m.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
  }, [categories]);

  function toggleCategory(code: string) {
    setChosen((old) => (old.includes(code) ? old.filter((c) => c !== code) : [...old, code]));
  }

  const windowText = t('an_window_text', { from: formatDay(from), to: formatDay(to) });
  const hotCells = hot.data?.cells ?? [];
  const hotByBin = (bin: number) => hotCells.filter((c) => c.bin === bin).length;
  const topCells = useMemo(
    () => [...(grid.data?.cells ?? [])].sort((a, b) => b[2] - a[2]).slice(0, 10),
    [grid.data],
  );
  const population = (code: string) => scope.areas.find((a) => a.code === code)?.population ?? null;

  return (
    <div class="an-page">
      <Filters>
        <AreaAndWindow
          idPrefix="map"
          scope={scope}
          area={area}
          onArea={setArea}
          from={from}
          to={to}
          onWindow={setWindow}
          presets={[
            ['28', 'an_last_28'],
            ['90', 'an_last_90'],
            ['365', 'an_last_365'],
          ]}
          allowAll
        />
        <SourceField id="map-source" value={source} onChange={setSource} />
        <details class="an-field an-categories">
          <summary>
            {t('an_categories')}: {chosen.length ? formatNumber(chosen.length) : t('an_all')}
          </summary>
          <div class="an-category-list">
            <button type="button" class="btn btn-small" onClick={() => setChosen([])} disabled={chosen.length === 0}>
              {t('an_all')}
            </button>
            {byFamily.map(([family, list]) => (
              <fieldset key={family}>
                <legend>{t(`family_${family}` as MessageKey)}</legend>
                {list.map((c) => (
                  <label key={c.code} class="an-check">
                    <input type="checkbox" checked={chosen.includes(c.code)} onChange={() => toggleCategory(c.code)} />
                    {lang() === 'en' ? c.labels.en : c.labels.es}
                  </label>
                ))}
              </fieldset>
            ))}
            <fieldset>
              <legend>{t('an_formal_only')}</legend>
              <label class="an-check">
                <input type="checkbox" checked={chosen.includes('other')} onChange={() => toggleCategory('other')} />
                {t('an_category_other')}
              </label>
            </fieldset>
          </div>
        </details>
      </Filters>
      <div class="an-filters an-layers" role="group" aria-label={t('an_layers')}>
        <fieldset class="an-field an-radios">
          <legend>{t('an_view')}</legend>
          <div class="segmented small">
            {(
              [
                ['grid', 'an_view_grid'],
                ['areas', 'an_view_areas'],
              ] as Array<['grid' | 'areas', MessageKey]>
            ).map(([v, k]) => (
              <label key={v} class={mode === v ? 'on' : ''}>
                <input type="radio" name="map-mode" value={v} checked={mode === v} onChange={() => setMode(v)} />
                {t(k)}
              </label>
            ))}
          </div>
        </fieldset>
        <Field id="map-cell" label={t('an_cell')}>
          <select id="map-cell" value={String(cell)} disabled={mode !== 'grid' && !showHeat} onChange={(e) => setCell(Number(e.currentTarget.value))}>
            {CELL_SIZES.map((c) => (
              <option key={c} value={String(c)}>
                {c >= 1000 ? `${formatNumber(c / 1000, 1)} km` : `${formatNumber(c)} m`}
              </option>
            ))}
          </select>
        </Field>
        <label class="an-check">
          <input type="checkbox" checked={showCounts} onChange={(e) => setShowCounts(e.currentTarget.checked)} />
          {t('an_layer_counts')}
        </label>
        <label class="an-check">
          <input type="checkbox" checked={showHeat} onChange={(e) => setShowHeat(e.currentTarget.checked)} />
          {t('an_layer_heat')}
        </label>
        <label class="an-check">
          <input type="checkbox" checked={showHot} disabled={mode !== 'grid'} onChange={(e) => setShowHot(e.currentTarget.checked)} />
          {t('an_layer_hotspots')}
        </label>
      </div>

      <div class="an-map-wrap">
        <LazyMap
          label={`${t('an_map_label')} — ${windowText}`}
          mode={mode}
          grid={grid.data}
          areaCounts={areaCounts}
          choroplethCodes={choroplethCodes}
          breaks={breaks}
          colors={colors}
          showCounts={showCounts}
          showHeat={showHeat}
          hotspots={hot.data}
          showHotspots={showHot && mode === 'grid'}
          focusArea={area || null}
        />
        <div class="an-legend" aria-label={t('an_legend')} role="group">
          {showCounts && (
            <div>
              <h3>{mode === 'grid' ? t('an_legend_cells', { m: cell }) : t('an_legend_areas')}</h3>
              {breaks.length === 0 && labels.length === 1 && (grid.data?.cells.length ?? 0) === 0 && mode === 'grid' ? (
                <p class="muted small">{t('an_no_data')}</p>
              ) : (
                <ul>
                  {labels.map((l, i) => (
                    <li key={l}>
                      <span class="swatch-box" style={{ background: colors[i] }} aria-hidden="true" />
                      {l}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {showHeat && (
            <div>
              <h3>{t('an_layer_heat')}</h3>
              <div class="heat-ramp" aria-hidden="true" />
              <p class="small muted">{t('an_heat_scale')}</p>
            </div>
          )}
          {showHot && mode === 'grid' && (
            <div>
              <h3>{t('an_layer_hotspots')}</h3>
              {hot.error ? (
                <p class="small muted">
                  {t('an_hotspots_unavailable')} ({hot.error})
                </p>
              ) : (
                <ul>
                  {HOTSPOT_LEGEND.map(([bin, color, key]) => (
                    <li key={bin}>
                      <span class="swatch-box" style={{ background: color }} aria-hidden="true" />
                      {t(key)}: {hot.data ? formatNumber(hotByBin(bin)) : '…'}
                    </li>
                  ))}
                </ul>
              )}
              {hot.data?.band_m !== undefined && (
                <p class="small muted">{t('an_hotspots_note', { band: Math.round(hot.data.band_m), cells: hot.data.study_cells ?? 0 })}</p>
              )}
            </div>
          )}
        </div>
      </div>

      <div class="an-summary" role="status">
        {mode === 'grid' ? (
          <LoadState state={grid}>
            {grid.data && (
              <p>
                {t('an_grid_summary', {
                  matched: grid.data.matched,
                  cells: grid.data.cells.length,
                  unlocated: grid.data.unlocated,
                })}{' '}
                {windowText}
              </p>
            )}
          </LoadState>
        ) : (
          <LoadState state={perArea}>
            <p>{windowText}</p>
          </LoadState>
        )}
      </div>

      {mode === 'grid' && grid.data && topCells.length > 0 && (
        <TableWrap label={t('an_top_cells', { m: cell })}>
          <table data-testid="top-cells">
            <caption>{t('an_top_cells', { m: cell })}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('an_cell_centre')}</th>
                <th scope="col" class="num">
                  {t('an_incidents')}
                </th>
                {hot.data && <th scope="col">{t('an_layer_hotspots')}</th>}
              </tr>
            </thead>
            <tbody>
              {topCells.map(([ix, iy, count], i) => {
                const g = grid.data!;
                const lat = g.origin.lat + (iy + 0.5) * g.cell_dlat;
                const lon = g.origin.lon + (ix + 0.5) * g.cell_dlon;
                const h = hot.data?.cells.find((c) => c.ix === ix && c.iy === iy);
                const legend = HOTSPOT_LEGEND.find(([b]) => b === h?.bin);
                return (
                  <tr key={`${ix},${iy}`}>
                    <th scope="row">{formatNumber(i + 1)}</th>
                    <td>
                      {formatNumber(lat, 4)}, {formatNumber(lon, 4)}
                    </td>
                    <td class="num">{formatNumber(count)}</td>
                    {hot.data && <td>{legend ? t(legend[2]) : t('an_not_significant')}</td>}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}

      {mode === 'areas' && perArea.data && (
        <TableWrap label={t('an_area_counts')}>
          <table data-testid="area-counts">
            <caption>{t('an_area_counts')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('area')}</th>
                <th scope="col" class="num">
                  {t('an_incidents')}
                </th>
                <th scope="col" class="num">
                  {t('an_per_1000')}
                </th>
                {source !== 'informal' && (
                  <th scope="col" class="num">
                    {t('an_monthly_formal')}
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {perArea.data.areas
                .filter((a) => choroplethCodes.includes(a.code) || a.code === area)
                .sort((a, b) => (a.code === area ? -1 : b.code === area ? 1 : b.incidents - a.incidents))
                .map((a) => {
                  const pop = population(a.code);
                  return (
                    <tr key={a.code} class={a.code === area ? 'an-total' : ''}>
                      <th scope="row">{a.name || scope.name(a.code)}</th>
                      <td class="num">{formatNumber(a.incidents)}</td>
                      <td class="num">{pop ? formatNumber((a.incidents / pop) * 1000, 2) : '—'}</td>
                      {source !== 'informal' && <td class="num">{formatNumber(a.monthly_formal ?? 0)}</td>}
                    </tr>
                  );
                })}
            </tbody>
          </table>
        </TableWrap>
      )}
      {chosen.length > 0 && (
        <p class="muted small">
          {t('an_categories')}: {chosen.map((c) => (c === 'other' ? t('an_category_other') : categoryLabel(c))).join(', ')}
        </p>
      )}
    </div>
  );
}
