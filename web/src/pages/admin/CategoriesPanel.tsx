// The categories and their routing to agencies (priority, restricted flag, active).
import { useState } from 'preact/hooks';
import { type Category } from '../../api/client';
import { AGENCIES, adminApi, agencyAllowed } from '../../api/admin';
import { PriorityBadge, agencyNames, errorText } from '../../components/common';
import { lang, t, type MessageKey } from '../../i18n';
import { categoriesStore, loadCategories, meStore, useStore } from '../../session';
import { Check } from './Check';

export function CategoriesTable() {
  const me = useStore(meStore);
  const categories = useStore(categoriesStore);
  // Categories are global: only an admin over every area ('*') may change them.
  const editable = !!me?.roles.some((g) => g.role === 'admin' && g.area === '*');
  const [editing, setEditing] = useState<string | null>(null);
  const sorted = [...categories].sort((a, b) => a.family.localeCompare(b.family) || a.priority - b.priority);
  return (
    <div>
      {editable && <p class="hint">{t('categories_hint')}</p>}
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
              {editable && (
                <th scope="col">
                  <span class="visually-hidden">{t('actions')}</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {sorted.map((c) =>
              editing === c.code ? (
                <CategoryEditRow key={c.code} c={c} onDone={() => setEditing(null)} />
              ) : (
                <tr key={c.code} data-category={c.code}>
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
                  {editable && (
                    <td>
                      <button type="button" class="btn btn-small" onClick={() => setEditing(c.code)}>
                        {t('edit')}
                        <span class="visually-hidden"> {lang() === 'en' ? c.labels.en : c.labels.es}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
function CategoryEditRow({ c, onDone }: { c: Category; onDone: () => void }) {
  const [priority, setPriority] = useState(c.priority);
  const [restricted, setRestricted] = useState(c.sensitivity === 'restricted');
  const [agencies, setAgencies] = useState<string[]>(c.agencies);
  const [active, setActive] = useState(c.active);
  const [error, setError] = useState<string | null>(null);
  const label = lang() === 'en' ? c.labels.en : c.labels.es;
  async function save() {
    if (agencies.length === 0) {
      setError(t('agencies_needed'));
      return;
    }
    try {
      await adminApi.patchCategory(c.code, { priority, sensitivity: restricted ? 'restricted' : 'public', agencies, active });
      await loadCategories();
      onDone();
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <tr class="editing" data-category={c.code}>
      <th scope="row">
        {label}
        <div class="muted small">{c.code}</div>
      </th>
      <td>{t(`family_${c.family}` as MessageKey)}</td>
      <td>
        <label for={`cat-prio-${c.code}`} class="visually-hidden">
          {t('priority')}
        </label>
        <select id={`cat-prio-${c.code}`} value={String(priority)} onChange={(e) => setPriority(Number(e.currentTarget.value))}>
          {[1, 2, 3, 4].map((p) => (
            <option key={p} value={String(p)}>
              {t('priority_short', { n: p })}
            </option>
          ))}
        </select>
      </td>
      <td>
        <Check id={`cat-restricted-${c.code}`} label={t('sensitivity_restricted')} checked={restricted} onChange={setRestricted} />
      </td>
      <td>
        <fieldset class="plain-fieldset">
          <legend class="visually-hidden">{t('agencies')}</legend>
          {AGENCIES.map((a) => (
            <Check
              key={a}
              id={`cat-ag-${c.code}-${a}`}
              label={agencyNames([a])}
              checked={agencies.includes(a)}
              disabled={!agencyAllowed(a, c.family) && !agencies.includes(a)}
              onChange={(on) => setAgencies(on ? [...agencies, a] : agencies.filter((x) => x !== a))}
            />
          ))}
        </fieldset>
      </td>
      <td>
        <Check id={`cat-active-${c.code}`} label={t('active')} checked={active} onChange={setActive} />
      </td>
      <td>
        <div class="row">
          <button type="button" class="btn btn-primary btn-small" onClick={() => void save()}>
            {t('save')}
          </button>
          <button type="button" class="btn btn-small" onClick={onDone}>
            {t('cancel')}
          </button>
        </div>
        {error && (
          <p class="error-text small" role="alert">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}
