// The dark figure: per month and category family, the share of incidents with no formal
// complaint (Chapman capture–recapture over informal reports and formal complaints, matched
// within D metres and T hours; docs/analytics.md), against the survey reference (ENUSC's
// ≈ 50 %) and the pilot's 30 % target, month by month.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { analytics } from '../api/analytics';
import { LineChart } from '../components/charts/LineChart';
import { formatNumber, t, type MessageKey } from '../i18n';
import {
  LoadState,
  addDays,
  formatMonth,
  formatShare,
  monthStart,
  today,
  useLoad,
  type AreaScope,
  TableWrap,
  useWindow,
  MONTH_PRESETS,
  Filters,
  AreaAndWindow,
  NumberField,
  ChoiceField,
} from './AnalyticsCommon';

export function DarkFigurePage({ scope }: { scope: AreaScope }) {
  const [area, setArea] = useState(scope.initial);
  const [{ from, to }, setWindow] = useWindow(monthStart(today(), -11));
  const [distance, setDistance] = useState(500);
  const [hours, setHours] = useState(48);
  const [family, setFamily] = useState('');
  const res = useLoad(
    () => (area ? analytics.darkFigure(area, from, addDays(to, 1), { distance_m: distance, hours }) : null),
    [area, from, to, distance, hours],
  );
  const rows = res.data?.rows ?? [];
  const families = useMemo(() => [...new Set(rows.map((r) => r.family))].sort(), [rows]);
  useEffect(() => {
    if (families.length && !families.includes(family)) setFamily(families.includes('crime') ? 'crime' : families[0]!);
  }, [families.join(',')]);
  const series = rows.filter((r) => r.family === family).sort((a, b) => a.month.localeCompare(b.month));
  const d = res.data;
  const lastRow = series[series.length - 1];
  const familyName = (f: string) => {
    const key = `family_${f}` as MessageKey;
    const text = t(key);
    return text === key ? f : text;
  };

  return (
    <div class="an-page">
      <Filters>
        <AreaAndWindow idPrefix="df" scope={scope} area={area} onArea={setArea} from={from} to={to} onWindow={setWindow} presets={MONTH_PRESETS} />
        <NumberField id="df-distance" label={t('an_match_distance')} value={distance} min={10} max={5000} step={10} onChange={setDistance} />
        <NumberField id="df-hours" label={t('an_match_hours')} value={hours} min={1} max={720} step={1} onChange={setHours} />
        <ChoiceField id="df-family" label={t('family')} value={family} options={families.map((f) => [f, familyName(f)])} onChange={setFamily} />
      </Filters>
      <p class="muted small">
        {d
          ? t('an_dark_intro', { d: d.distance_m, h: d.hours, reference: formatShare(d.reference, 0), target: formatShare(d.target, 0) })
          : t('an_dark_intro_short')}
      </p>
      <LoadState state={res} empty={rows.length === 0}>
        {d && (
          <>
            <LineChart
              id="df-chart"
              title={t('an_dark_chart', { family: familyName(family) })}
              summary={
                lastRow
                  ? t('an_dark_summary', {
                      month: formatMonth(lastRow.month),
                      dark: formatShare(lastRow.dark_figure),
                      target: formatShare(d.target, 0),
                      met: lastRow.target_met ? t('yes') : t('no'),
                    })
                  : t('an_no_data')
              }
              labels={series.map((r) => formatMonth(r.month))}
              series={[
                { name: t('an_dark_series'), values: series.map((r) => (r.dark_figure === null ? null : r.dark_figure * 100)) },
                { name: t('an_unmatched_series'), values: series.map((r) => (r.unmatched_share === null || r.informal === 0 ? null : r.unmatched_share * 100)), dashed: true },
              ]}
              refs={[
                { value: d.target * 100, label: t('an_target_ref', { v: formatShare(d.target, 0) }), color: '#1e6b2a' },
                { value: d.reference * 100, label: t('an_reference_ref', { v: formatShare(d.reference, 0) }), color: '#8a0019' },
              ]}
              format={(v) => formatShare(v / 100, 0)}
              yMin={0}
              yMax={100}
            />
            <TableWrap label={t('an_dark_table')}>
              <table data-testid="dark-table">
                <caption>{t('an_dark_table')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('an_month')}</th>
                    <th scope="col">{t('family')}</th>
                    <th scope="col" class="num">
                      {t('an_informal')}
                    </th>
                    <th scope="col" class="num">
                      {t('an_formal')}
                    </th>
                    <th scope="col" class="num">
                      {t('an_matched')}
                    </th>
                    <th scope="col" class="num">
                      {t('an_unmatched_share')}
                    </th>
                    <th scope="col" class="num">
                      {t('an_estimated_total')}
                    </th>
                    <th scope="col" class="num">
                      {t('an_dark_series')}
                    </th>
                    <th scope="col" class="num">
                      {t('an_progress')}
                    </th>
                    <th scope="col">{t('an_target_met')}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...rows]
                    .sort((a, b) => a.month.localeCompare(b.month) || a.family.localeCompare(b.family))
                    .map((r) => (
                      <tr key={`${r.month}-${r.family}`}>
                        <th scope="row">{formatMonth(r.month)}</th>
                        <td>{familyName(r.family)}</td>
                        <td class="num">{formatNumber(r.informal)}</td>
                        <td class="num">{formatNumber(r.formal)}</td>
                        <td class="num">{formatNumber(r.matched)}</td>
                        <td class="num">{formatShare(r.unmatched_share)}</td>
                        <td class="num">
                          {r.estimated_total === null ? '—' : formatNumber(r.estimated_total, 1)}
                          {r.estimated_total_ci95[0] !== null && r.estimated_total_ci95[1] !== null && (
                            <span class="muted small">
                              {' '}
                              ({formatNumber(r.estimated_total_ci95[0], 1)}–{formatNumber(r.estimated_total_ci95[1], 1)})
                            </span>
                          )}
                        </td>
                        <td class="num">{formatShare(r.dark_figure)}</td>
                        <td class="num">{formatShare(r.progress, 0)}</td>
                        <td>{r.target_met ? t('yes') : t('no')}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </TableWrap>
          </>
        )}
      </LoadState>
    </div>
  );
}
