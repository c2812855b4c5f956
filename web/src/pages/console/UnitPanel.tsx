// Units in the console: the list (status, stale flag, last fix) as the keyboard way to the
// map's unit icons, and one unit's panel with its trail window (drawn on the map).
import type { Unit } from '../../api/dispatch';
import { agencyNames } from '../../components/common';
import { formatAgo, formatDateTime, formatNumber, t } from '../../i18n';
import { UNIT_KINDS } from '../../api/dispatch';
import { UnitIcon, unitKindLabel, unitStatusLabel } from './shared';

const STATUS_ORDER = ['assigned', 'en_route', 'on_scene', 'available', 'out_of_service'];

export function UnitList({ units, selectedId, onSelect }: { units: Unit[]; selectedId: string | null; onSelect: (id: string) => void }) {
  if (units.length === 0) return <p class="muted">{t('dx_no_units_registered')}</p>;
  const sorted = [...units].sort(
    (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || a.callsign.localeCompare(b.callsign),
  );
  return (
    <>
      <UnitLegend />
      <ul class="queue-list unit-list" data-testid="units">
        {sorted.map((u) => (
          <li key={u.id} data-unit-id={u.id}>
            <button type="button" class={`report-summary clickable${selectedId === u.id ? ' selected' : ''}`} aria-pressed={selectedId === u.id} onClick={() => onSelect(u.id)}>
              <div class="report-head">
                <UnitIcon kind={u.kind} status={u.status} stale={u.stale} />
                <strong class="report-cat">{u.callsign}</strong>
                <span class="muted small">{unitKindLabel(u.kind)}</span>
                <span class={`unit-status unit-${u.status}`}>{unitStatusLabel(u.status)}</span>
              </div>
              <div class="report-meta">
                {u.stale && <span class="stale-tag">{t('dx_stale')}</span>}{' '}
                {u.position ? t('dx_last_fix', { ago: formatAgo(u.position.at) }) : t('dx_no_fix')}
              </div>
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

/** What the map's unit icons mean: the glyph is the kind, the colour the status. */
function UnitLegend() {
  return (
    <details class="unit-legend">
      <summary>{t('dx_legend')}</summary>
      <ul>
        {UNIT_KINDS.map((k) => (
          <li key={k}>
            <UnitIcon kind={k} status="available" stale={false} size={22} /> {unitKindLabel(k)}
          </li>
        ))}
        {STATUS_ORDER.map((st) => (
          <li key={st}>
            <UnitIcon kind="" status={st} stale={false} size={22} /> {unitStatusLabel(st)}
          </li>
        ))}
        <li>
          <UnitIcon kind="" status="available" stale size={22} /> {t('dx_stale')}
        </li>
      </ul>
    </details>
  );
}

export function UnitPanel({
  unit: u,
  areaName,
  trailPoints,
  hours,
  onHours,
  onOpenIncident,
}: {
  unit: Unit;
  areaName: (c: string) => string;
  trailPoints: number;
  hours: number;
  onHours: (h: number) => void;
  onOpenIncident: (id: string) => void;
}) {
  return (
    <div class="detail-body" data-testid="unit-panel">
      <h2>
        {u.callsign} <span class={`unit-status unit-${u.status}`}>{unitStatusLabel(u.status)}</span>
      </h2>
      {u.stale && <p class="stale-tag">{t('dx_stale_long')}</p>}
      <dl class="facts">
        <dt>{t('kind')}</dt>
        <dd>{unitKindLabel(u.kind)}</dd>
        <dt>{t('agencies')}</dt>
        <dd>{agencyNames([u.agency])}</dd>
        <dt>{t('dx_home_area')}</dt>
        <dd>{areaName(u.home_area)}</dd>
        {u.capabilities.length > 0 && (
          <>
            <dt>{t('dx_capabilities')}</dt>
            <dd>{u.capabilities.join(', ')}</dd>
          </>
        )}
        <dt>{t('dx_crew')}</dt>
        <dd>{formatNumber(u.crew.length)}</dd>
        <dt>{t('dx_position')}</dt>
        <dd>
          {u.position ? (
            <>
              {u.position.lat.toFixed(5)}, {u.position.lon.toFixed(5)} <span class="muted small">({formatDateTime(u.position.at)})</span>
            </>
          ) : (
            t('dx_no_fix')
          )}
        </dd>
      </dl>
      {u.incident_id && (
        <p>
          <button type="button" class="btn btn-small" onClick={() => onOpenIncident(u.incident_id!)}>
            {t('dx_open_incident')}
          </button>
        </p>
      )}
      <h3>{t('dx_trail')}</h3>
      <label class="label" for="trail-window">
        {t('dx_trail_window')}
      </label>
      <select id="trail-window" value={String(hours)} onChange={(e) => onHours(Number(e.currentTarget.value))}>
        <option value="1">{t('dx_last_hour')}</option>
        <option value="4">{t('dx_last_hours', { n: 4 })}</option>
        <option value="24">{t('dx_last_day')}</option>
      </select>
      <p class="muted small" data-testid="trail-points" role="status">
        {t('dx_trail_points', { n: trailPoints })}
      </p>
    </div>
  );
}
