// Response times: per month, agency and priority, the median (p50) and 90th percentile of
// the time from the call or report to the first unit on scene, and the share that arrived
// within the target (docs/analytics.md "Response times").
import { useEffect, useMemo, useState } from 'preact/hooks';
import { analytics, type ResponseRow } from '../api/analytics';
import { BarChart } from '../components/charts/BarChart';
import { LineChart } from '../components/charts/LineChart';
import { agencyNames } from '../components/common';
import { formatNumber, t } from '../i18n';
import {
  LoadState,
  addDays,
  formatDuration,
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

const groupKey = (r: ResponseRow) => `${r.agency}|${r.priority}`;

export function ResponseTimesPage({ scope }: { scope: AreaScope }) {
  const [area, setArea] = useState(scope.initial);
  const [{ from, to }, setWindow] = useWindow(monthStart(today(), -11));
  const [targetMin, setTargetMin] = useState(10);
  const [group, setGroup] = useState('');
  const res = useLoad(
    () => (area ? analytics.responseTimes(area, from, addDays(to, 1), targetMin * 60) : null),
    [area, from, to, targetMin],
  );
  const rows = res.data?.rows ?? [];
  // Groups (agency, priority) by the number of incidents, busiest first.
  const groups = useMemo(() => {
    const n = new Map<string, number>();
    for (const r of rows) n.set(groupKey(r), (n.get(groupKey(r)) ?? 0) + r.count);
    return [...n.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  }, [rows]);
  useEffect(() => {
    if (groups.length && !groups.includes(group)) setGroup(groups[0]!);
  }, [groups.join(',')]);
  const groupLabel = (k: string) => {
    const [agency, priority] = k.split('|');
    return `${agencyNames([agency!])} · P${priority}`;
  };
  const series = rows.filter((r) => groupKey(r) === group).sort((a, b) => a.month.localeCompare(b.month));
  const toMin = (s: number | null) => (s === null ? null : s / 60);
  const last = series[series.length - 1];
  const minutes = (v: number) => `${formatNumber(v, 1)} min`;

  return (
    <div class="an-page">
      <Filters>
        <AreaAndWindow idPrefix="rt" scope={scope} area={area} onArea={setArea} from={from} to={to} onWindow={setWindow} presets={MONTH_PRESETS} />
        <NumberField id="rt-target" label={t('an_target_minutes')} value={targetMin} min={1} max={240} step={1} onChange={setTargetMin} />
        <ChoiceField id="rt-group" label={t('an_group')} value={group} options={groups.map((g) => [g, groupLabel(g)])} onChange={setGroup} />
      </Filters>
      <LoadState state={res} empty={rows.length === 0}>
        {res.data && group && (
          <>
            <div class="an-two">
              <LineChart
                id="rt-chart"
                title={t('an_rt_chart', { group: groupLabel(group) })}
                summary={
                  last
                    ? t('an_rt_summary', {
                        month: formatMonth(last.month),
                        p50: formatDuration(last.p50_s),
                        p90: formatDuration(last.p90_s),
                        share: formatShare(last.within_target_share, 0),
                        target: targetMin,
                      })
                    : t('an_no_data')
                }
                labels={series.map((r) => formatMonth(r.month))}
                series={[
                  { name: 'p50', values: series.map((r) => toMin(r.p50_s)) },
                  { name: 'p90', values: series.map((r) => toMin(r.p90_s)), dashed: true },
                ]}
                refs={[{ value: targetMin, label: t('an_target_ref', { v: `${formatNumber(targetMin)} min` }), color: '#1e6b2a' }]}
                format={minutes}
              />
              <BarChart
                id="rt-share"
                title={t('an_rt_share_chart', { target: targetMin })}
                summary={t('an_rt_share_summary', { months: series.length, group: groupLabel(group) })}
                bars={series.map((r) => ({
                  label: formatMonth(r.month),
                  value: r.within_target_share === null ? null : r.within_target_share * 100,
                  note: `${formatShare(r.within_target_share, 0)} (${formatNumber(r.count)})`,
                }))}
                format={(v) => formatShare(v / 100, 0)}
                max={100}
              />
            </div>
            <TableWrap label={t('an_rt_table', { target: targetMin })}>
              <table data-testid="response-table">
                <caption>{t('an_rt_table', { target: targetMin })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('an_month')}</th>
                    <th scope="col">{t('agencies')}</th>
                    <th scope="col">{t('priority')}</th>
                    <th scope="col" class="num">
                      {t('an_incidents')}
                    </th>
                    <th scope="col" class="num">
                      p50
                    </th>
                    <th scope="col" class="num">
                      p90
                    </th>
                    <th scope="col" class="num">
                      {t('an_within_target')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={`${r.month}-${groupKey(r)}`}>
                      <th scope="row">{formatMonth(r.month)}</th>
                      <td>{agencyNames([r.agency])}</td>
                      <td>P{r.priority}</td>
                      <td class="num">{formatNumber(r.count)}</td>
                      <td class="num">{formatDuration(r.p50_s)}</td>
                      <td class="num">{formatDuration(r.p90_s)}</td>
                      <td class="num">{formatShare(r.within_target_share)}</td>
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
