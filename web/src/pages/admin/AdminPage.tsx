// Administration: the residence-verification queue, the areas, the categories and users
// (one file per panel under pages/admin/).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type Area } from '../../api/client';
import { t, type MessageKey } from '../../i18n';
import { hasRole, meStore, useStore } from '../../session';
import '../broadcast.css';
import { AreasPanel } from './AreasPanel';
import { CategoriesTable } from './CategoriesPanel';
import { UsersPanel } from './UsersPanel';
import { Verification } from './Verification';

type Tab = 'verification' | 'areas' | 'categories' | 'users';

export function AdminPage() {
  const me = useStore(meStore);
  const admin = hasRole(me, 'admin');
  const [tab, setTab] = useState<Tab>('verification');
  const [areas, setAreas] = useState<Area[]>([]);
  const reloadAreas = useCallback(() => {
    api.areas().then((r) => setAreas(r.areas)).catch(() => setAreas([]));
  }, []);
  useEffect(reloadAreas, [reloadAreas]);
  const tabs: Array<[Tab, MessageKey]> = [
    ['verification', 'tab_verification'],
    ['areas', 'tab_areas'],
    ['categories', 'tab_categories'],
  ];
  if (admin) tabs.push(['users', 'tab_users']);
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
        {tab === 'areas' && <AreasPanel areas={areas} editable={admin} onChanged={reloadAreas} />}
        {tab === 'categories' && <CategoriesTable />}
        {tab === 'users' && admin && <UsersPanel areas={areas} />}
      </div>
    </section>
  );
}
