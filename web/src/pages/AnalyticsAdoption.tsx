// Adoption per area: registered (verified) addresses against the target of 10 % of the
// population, with the parent's row as the sum of its children (the server computes it:
// docs/analytics.md "Adoption table"), and a bar chart of each area's share against 10 %.
import { useState } from 'preact/hooks';
import { analytics } from '../api/analytics';
import { BarChart } from '../components/charts/BarChart';
import { formatNumber, t } from '../i18n';
import {
  LoadState,
  addDays,
  formatDay,
  formatPct,
  monthStart,
  today,
  useLoad,
  type AreaScope,
  TableWrap,
  useWindow,
  Filters,
  AreaAndWindow,
} from './AnalyticsCommon';

export function AdoptionPage({ scope }: { scope: AreaScope }) {
  const [area, setArea] = useState(scope.initial);
  const [{ from, to }, setWindow] = useWindow(monthStart(today()));
  const table = useLoad(() => (area ? analytics.adoption(area, from, addDays(to, 1)) : null), [area, from, to]);
  const rows = table.data?.rows ?? [];
  const top = rows[0];
  const children = rows.filter((r) => r.depth === 1);
  const bars = (children.length ? children : rows).map((r) => ({
    label: r.name,
    value: r.population > 0 ? (r.registered_addresses / r.population) * 100 : null,
    met: r.target > 0 && r.registered_addresses >= r.target,
  }));
  const met = bars.filter((b) => b.met).length;

  return (
    <div class="an-page">
      <Filters>
        <AreaAndWindow idPrefix="ad" scope={scope} area={area} onArea={setArea} from={from} to={to} onWindow={setWindow} />
      </Filters>
      <p class="muted small">{t('an_adoption_intro')}</p>
      <LoadState state={table} empty={rows.length === 0}>
        {top && (
          <>
            <TableWrap label={t('an_adoption_caption', { area: top.name, from: formatDay(from), to: formatDay(to) })}>
              <table class="an-adoption" data-testid="adoption-table">
                <caption>
                  {t('an_adoption_caption', { area: top.name, from: formatDay(from), to: formatDay(to) })}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{t('area')}</th>
                    <th scope="col" class="num">
                      {t('an_registered')}
                    </th>
                    <th scope="col" class="num">
                      {t('population')}
                    </th>
                    <th scope="col" class="num">
                      {t('an_target')}
                    </th>
                    <th scope="col" class="num">
                      {t('an_missing')}
                    </th>
                    <th scope="col" class="num">
                      {t('an_compliance')}
                    </th>
                    <th scope="col" class="num">
                      {t('an_reports_period')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r, i) => (
                    <tr key={r.code} data-code={r.code} class={i === 0 ? 'an-total' : ''}>
                      <th scope="row" style={{ paddingLeft: `${0.8 + r.depth * 1.2}rem` }}>
                        {r.name}
                        {i === 0 && !r.leaf && <span class="muted small"> · {t('an_sum_of_children')}</span>}
                      </th>
                      <td class="num" data-col="registered">
                        {formatNumber(r.registered_addresses)}
                      </td>
                      <td class="num" data-col="population">
                        {formatNumber(r.population)}
                      </td>
                      <td class="num" data-col="target">
                        {formatNumber(r.target)}
                      </td>
                      <td class="num" data-col="missing">
                        {formatNumber(r.missing)}
                      </td>
                      <td class="num" data-col="compliance">
                        {formatPct(r.compliance_pct)}
                      </td>
                      <td class="num" data-col="reports">
                        {formatNumber(r.reports)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            <BarChart
              id="ad-chart"
              title={t('an_adoption_chart')}
              summary={t('an_adoption_summary', {
                met,
                areas: bars.length,
                pct: formatPct(top.population > 0 ? (top.registered_addresses / top.population) * 100 : null, 2),
              })}
              bars={bars}
              format={(v) => formatPct(v, 2)}
              tickFormat={(v) => formatPct(v, 0)}
              ref_={{ value: 10, label: t('an_target_line') }}
              max={10}
            />
          </>
        )}
      </LoadState>
    </div>
  );
}
