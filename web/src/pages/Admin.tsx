// Administration: the residence-verification queue with the proof document, the areas
// with their population and verified addresses, and the categories.
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Adoption, type Area, type Membership } from '../api/client';
import { MediaImage, Notice, PriorityBadge, agencyNames, errorText } from '../components/common';
import { formatDateTime, formatNumber, lang, t, type MessageKey } from '../i18n';
import { categoriesStore, useStore } from '../session';

type Tab = 'verification' | 'areas' | 'categories';

export function AdminPage() {
  const [tab, setTab] = useState<Tab>('verification');
  const [areas, setAreas] = useState<Area[]>([]);
  useEffect(() => {
    api.areas().then((r) => setAreas(r.areas)).catch(() => setAreas([]));
  }, []);
  const tabs: Array<[Tab, MessageKey]> = [
    ['verification', 'tab_verification'],
    ['areas', 'tab_areas'],
    ['categories', 'tab_categories'],
  ];
  return (
    <section class="page page-wide" aria-labelledby="admin-title">
      <h1 id="admin-title">{t('admin_title')}</h1>
      <div class="tabs" role="tablist" aria-label={t('admin_title')}>
        {tabs.map(([id, key]) => (
          <button
            key={id}
            id={`tab-${id}`}
            role="tab"
            type="button"
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            class={tab === id ? 'on' : ''}
            onClick={() => setTab(id)}
          >
            {t(key)}
          </button>
        ))}
      </div>
      <div id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`} class="tab-panel">
        {tab === 'verification' && <Verification areas={areas} />}
        {tab === 'areas' && <AreasTable areas={areas} />}
        {tab === 'categories' && <CategoriesTable />}
      </div>
    </section>
  );
}

function Verification({ areas }: { areas: Area[] }) {
  const choices = useMemo(() => areas.filter((a) => a.kind !== 'region'), [areas]);
  const [area, setArea] = useState(''); // '' = every area this account covers
  const [items, setItems] = useState<Membership[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reasons, setReasons] = useState<Record<string, string>>({});

  const reload = useCallback(() => {
    const codes = area ? [area] : choices.map((a) => a.code);
    if (codes.length === 0) return;
    setError(null);
    // Areas outside the account's grants answer 403: they are simply not listed.
    void Promise.allSettled(codes.map((c) => api.memberships(c, 'pending'))).then((all) => {
      const byId = new Map<string, Membership>();
      for (const r of all) if (r.status === 'fulfilled') for (const m of r.value.memberships) byId.set(m.id, m);
      setItems([...byId.values()].sort((a, b) => a.created_ms - b.created_ms));
      if (all.every((r) => r.status === 'rejected')) setError(errorText((all[0] as PromiseRejectedResult).reason));
    });
  }, [area, choices]);
  useEffect(reload, [reload]);

  async function decide(m: Membership, decision: 'approve' | 'reject') {
    try {
      await api.decideMembership(m.id, decision, reasons[m.id]);
      reload();
    } catch (e) {
      setError(errorText(e));
    }
  }

  const name = (code: string) => areas.find((a) => a.code === code)?.name ?? code;
  return (
    <div>
      <div class="toolbar">
        <label for="verif-area">{t('area')}</label>
        <select id="verif-area" value={area} onChange={(e) => setArea(e.currentTarget.value)}>
          <option value="">{t('all_areas')}</option>
          {choices.map((a) => (
            <option key={a.code} value={a.code}>
              {a.name} ({t(`kind_${a.kind}` as MessageKey)})
            </option>
          ))}
        </select>
      </div>
      {error && <Notice kind="error">{error}</Notice>}
      {items === null ? (
        <p class="muted">{t('loading')}</p>
      ) : items.length === 0 ? (
        <p class="muted">{t('verification_empty')}</p>
      ) : (
        <ul class="card-list verif-list">
          {items.map((m) => (
            <li key={m.id} class="card verif-card">
              <div class="verif-info">
                <h3>{m.address}</h3>
                <dl class="facts">
                  <dt>{t('area')}</dt>
                  <dd>{name(m.area)}</dd>
                  <dt>{t('id_type')}</dt>
                  <dd>
                    {t(`id_${m.id_type}` as MessageKey)} {m.id_number}
                  </dd>
                  <dt>{t('requested_at')}</dt>
                  <dd>{formatDateTime(m.created_ms)}</dd>
                </dl>
                <label for={`reason-${m.id}`}>{t('reject_reason')}</label>
                <input
                  id={`reason-${m.id}`}
                  type="text"
                  value={reasons[m.id] ?? ''}
                  onInput={(e) => setReasons({ ...reasons, [m.id]: e.currentTarget.value })}
                />
                <div class="card-actions">
                  <button type="button" class="btn btn-primary" onClick={() => decide(m, 'approve')}>
                    {t('approve')}
                  </button>
                  <button type="button" class="btn btn-danger-outline" disabled={!reasons[m.id]?.trim()} onClick={() => decide(m, 'reject')}>
                    {t('reject')}
                  </button>
                </div>
              </div>
              <figure class="verif-proof">
                <MediaImage id={m.proof_media_id} alt={`${t('proof_document')}: ${m.address}`} unavailable={t('proof_unavailable')} />
                <figcaption class="muted small">{t('proof_document')}</figcaption>
              </figure>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function AreasTable({ areas }: { areas: Area[] }) {
  const [adoption, setAdoption] = useState<Record<string, Adoption>>({});
  useEffect(() => {
    for (const a of areas) {
      api
        .adoption(a.code)
        .then((x) => setAdoption((old) => ({ ...old, [a.code]: x })))
        .catch(() => undefined);
    }
  }, [areas]);
  const sorted = [...areas].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.name.localeCompare(b.name));
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{t('tab_areas')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('name')}</th>
            <th scope="col">{t('code')}</th>
            <th scope="col">{t('kind')}</th>
            <th scope="col" class="num">
              {t('population')}
            </th>
            <th scope="col" class="num">
              {t('adoption')}
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((a) => {
            const ad = adoption[a.code];
            return (
              <tr key={a.code}>
                <th scope="row">{a.name}</th>
                <td>{a.code}</td>
                <td>{t(`kind_${a.kind}` as MessageKey)}</td>
                <td class="num">{a.population !== null ? formatNumber(a.population) : '—'}</td>
                <td class="num">
                  {ad ? `${formatNumber(ad.registered_addresses)} / ${formatNumber(ad.target)} (${formatNumber(ad.compliance_pct, 1)} %)` : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function kindRank(k: string): number {
  return ['region', 'precinct', 'sector', 'neighbourhood'].indexOf(k);
}

function CategoriesTable() {
  const categories = useStore(categoriesStore);
  const sorted = [...categories].sort((a, b) => a.family.localeCompare(b.family) || a.priority - b.priority);
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{t('tab_categories')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('category')}</th>
            <th scope="col">{t('family')}</th>
            <th scope="col">{t('priority')}</th>
            <th scope="col">{t('sensitivity')}</th>
            <th scope="col">{t('agencies')}</th>
            <th scope="col">{t('active')}</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((c) => (
            <tr key={c.code}>
              <th scope="row">
                {lang() === 'en' ? c.labels.en : c.labels.es}
                <div class="muted small">{c.code}</div>
              </th>
              <td>{t(`family_${c.family}` as MessageKey)}</td>
              <td>
                <PriorityBadge priority={c.priority} />
              </td>
              <td>{c.sensitivity === 'restricted' ? t('sensitivity_restricted') : t('sensitivity_public')}</td>
              <td>{agencyNames(c.agencies)}</td>
              <td>{c.active ? t('yes') : t('no')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
