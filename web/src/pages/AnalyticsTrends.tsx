// Trends: this period against the previous one and the same period a year before, the
// 28-day rolling count over the last year, and when in the week things happen (time of
// day × day of week, as a heat table), all in local days and hours.
import { useMemo, useState } from 'preact/hooks';
import { analytics, type CrimeFilter, type Period, type Source } from '../api/analytics';
import { BarChart } from '../components/charts/BarChart';
import { HeatTable } from '../components/charts/HeatTable';
import { LineChart } from '../components/charts/LineChart';
import { formatNumber, t, type MessageKey } from '../i18n';
import {
  AreaSelect,
  Field,
  LoadState,
  SourceField,
  addDays,
  formatChange,
  formatDay,
  today,
  useLoad,
  weekdayNames,
  type AreaScope,
  TableWrap,
  Filters,
} from './AnalyticsCommon';

const PERIODS: Array<[number, MessageKey]> = [
  [7, 'an_days_7'],
  [28, 'an_days_28'],
  [91, 'an_days_91'],
  [364, 'an_days_364'],
];

function periodText(p: Period): string {
  return t('an_window_text', { from: formatDay(p.from), to: formatDay(addDays(p.to, -1)) });
}

function Change({ pct }: { pct: number | null | undefined }) {
  if (pct === null || pct === undefined) return <span class="muted">{t('an_change_none')}</span>;
  const word = pct > 0 ? t('an_more') : pct < 0 ? t('an_less') : t('an_same');
  return (
    <span class={`an-change ${pct > 0 ? 'up' : pct < 0 ? 'down' : ''}`}>
      <span aria-hidden="true">{pct > 0 ? '▲' : pct < 0 ? '▼' : '='}</span> {formatChange(pct)} <span class="visually-hidden">({word})</span>
    </span>
  );
}

export function TrendsPage({ scope }: { scope: AreaScope }) {
  const [area, setArea] = useState(scope.initial);
  const [days, setDays] = useState(28);
  const [end, setEnd] = useState(today());
  const [source, setSource] = useState<Source>('both');

  const filter: CrimeFilter = useMemo(() => ({ area: area || undefined, to: addDays(end, 1), source }), [area, end, source]);
  const key = JSON.stringify(filter);
  const trends = useLoad(() => analytics.trends(filter, days, 365), [key, days]);
  const cur = trends.data?.current;
  const matrix = useLoad(
    () => (cur ? analytics.matrix({ ...filter, from: cur.from, to: cur.to }) : null),
    [key, cur?.from, cur?.to],
  );

  const rolling = trends.data?.rolling ?? [];
  const rollingValues = rolling.map((r) => r.rolling_28d);
  const rollingLabels = rolling.map((r) => formatDay(r.date));
  const last = rolling[rolling.length - 1];
  const minR = rollingValues.length ? Math.min(...rollingValues) : 0;
  const maxR = rollingValues.length ? Math.max(...rollingValues) : 0;
  // The rolling series at the end of each month, for the table next to the chart.
  const monthly = rolling.filter((r, i) => i === rolling.length - 1 || rolling[i + 1]!.date.slice(0, 7) !== r.date.slice(0, 7));
  const names = weekdayNames();
  const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

  return (
    <div class="an-page">
      <Filters>
        <AreaSelect id="tr-area" scope={scope} value={area} onChange={setArea} allowAll />
        <Field id="tr-days" label={t('an_period')}>
          <select id="tr-days" value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
            {PERIODS.map(([d, k]) => (
              <option key={d} value={String(d)}>
                {t(k)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="tr-end" label={t('an_period_end')}>
          <input id="tr-end" type="date" value={end} onChange={(e) => e.currentTarget.value && setEnd(e.currentTarget.value)} />
        </Field>
        <SourceField id="tr-source" value={source} onChange={setSource} />
      </Filters>

      <LoadState state={trends}>
        {trends.data && (
          <>
            <h2>{t('an_compare')}</h2>
            <ul class="an-cards" data-testid="trend-cards">
              <li class="an-card">
                <span class="an-card-label">{t('an_this_period')}</span>
                <strong class="an-card-value" data-testid="trend-current">
                  {formatNumber(trends.data.current.count)}
                </strong>
                <span class="muted small">{periodText(trends.data.current)}</span>
              </li>
              <li class="an-card">
                <span class="an-card-label">{t('an_previous_period')}</span>
                <strong class="an-card-value">{formatNumber(trends.data.previous.count)}</strong>
                <span class="muted small">{periodText(trends.data.previous)}</span>
                <span>
                  {t('an_change_vs')}: <Change pct={trends.data.previous.change_pct} />
                </span>
              </li>
              <li class="an-card">
                <span class="an-card-label">{t('an_year_before')}</span>
                <strong class="an-card-value">{formatNumber(trends.data.year_before.count)}</strong>
                <span class="muted small">{periodText(trends.data.year_before)}</span>
                <span>
                  {t('an_change_vs')}: <Change pct={trends.data.year_before.change_pct} />
                </span>
              </li>
            </ul>
            <BarChart
              id="tr-compare"
              title={t('an_compare_chart')}
              summary={t('an_compare_summary', {
                current: trends.data.current.count,
                previous: trends.data.previous.count,
                year: trends.data.year_before.count,
              })}
              bars={[
                { label: t('an_this_period'), value: trends.data.current.count },
                { label: t('an_previous_period'), value: trends.data.previous.count },
                { label: t('an_year_before'), value: trends.data.year_before.count },
              ]}
              format={(v) => formatNumber(v)}
            />

            <h2>{t('an_rolling_title')}</h2>
            <LineChart
              id="tr-rolling"
              title={t('an_rolling_chart')}
              summary={
                last
                  ? t('an_rolling_summary', {
                      from: formatDay(rolling[0]!.date),
                      to: formatDay(last.date),
                      min: minR,
                      max: maxR,
                      last: last.rolling_28d,
                    })
                  : t('an_no_data')
              }
              labels={rollingLabels}
              series={[{ name: t('an_rolling_series'), values: rollingValues }]}
              format={(v) => formatNumber(v)}
            />
            <details class="an-details">
              <summary>{t('an_show_table')}</summary>
              <TableWrap label={t('an_rolling_table')}>
                <table>
                  <caption>{t('an_rolling_table')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('an_date')}</th>
                      <th scope="col" class="num">
                        {t('an_day_count')}
                      </th>
                      <th scope="col" class="num">
                        {t('an_rolling_series')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {monthly.map((r) => (
                      <tr key={r.date}>
                        <th scope="row">{formatDay(r.date)}</th>
                        <td class="num">{formatNumber(r.count)}</td>
                        <td class="num">{formatNumber(r.rolling_28d)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            </details>
          </>
        )}
      </LoadState>

      <h2>{t('an_matrix_title')}</h2>
      <LoadState state={matrix}>
        {matrix.data && cur && (
          <>
            <p class="muted small">
              {periodText(cur)} · {t('an_matrix_total', { n: matrix.data.total })}
            </p>
            <HeatTable
              caption={t('an_matrix_caption')}
              rowLabels={names.short}
              rowNames={names.long}
              colLabels={hours}
              values={matrix.data.matrix}
              format={(v) => formatNumber(v)}
              totalLabel={t('an_total')}
            />
          </>
        )}
      </LoadState>
    </div>
  );
}
