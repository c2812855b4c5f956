// Administration: the residence-verification queue with the proof document; the areas
// (GeoJSON import with progress and per-feature errors, population edits); the categories
// and their routing to agencies (priority, restricted flag, active); users and their
// area-scoped roles (search, grant, remove).
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Adoption, type Area, type Category, type Membership } from '../api/client';
import { AGENCIES, AREA_KINDS, ROLES, adminApi, readAreaCollection, type ImportRow, type User } from '../api/admin';
import { MediaImage, Notice, PriorityBadge, agencyNames, errorText } from '../components/common';
import { formatDateTime, formatNumber, lang, t, type MessageKey } from '../i18n';
import { categoriesStore, hasRole, loadCategories, meStore, useStore } from '../session';
import './broadcast.css';

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

// ---- areas: import and population ----

function AreasPanel({ areas, editable, onChanged }: { areas: Area[]; editable: boolean; onChanged: () => void }) {
  return (
    <div>
      {editable && <AreaImport areas={areas} onDone={onChanged} />}
      <AreasTable areas={areas} editable={editable} onChanged={onChanged} />
    </div>
  );
}

interface ImportOutcome {
  row: ImportRow;
  ok: boolean;
  message: string | null;
}

function AreaImport({ areas, onDone }: { areas: Area[]; onDone: () => void }) {
  const [kind, setKind] = useState('neighbourhood');
  const [parent, setParent] = useState('');
  const [rows, setRows] = useState<ImportRow[] | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<ImportOutcome[]>([]);
  const [running, setRunning] = useState(false);
  const parents = useMemo(() => [...areas].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.name.localeCompare(b.name)), [areas]);

  async function read(file: File | undefined) {
    setRows(null);
    setOutcomes([]);
    setFileError(null);
    if (!file) return;
    try {
      setRows(readAreaCollection(await file.text(), { kind, parent }));
    } catch (e) {
      setFileError(e instanceof Error && e.message === 'collection' ? t('import_not_collection') : t('import_not_json'));
    }
  }

  async function run() {
    if (!rows) return;
    setRunning(true);
    const done: ImportOutcome[] = [];
    // One at a time, parents before children (a file may hold both).
    const order = [...rows].sort((a, b) => kindRank(a.area?.kind ?? '') - kindRank(b.area?.kind ?? ''));
    for (const row of order) {
      if (!row.area) {
        done.push({ row, ok: false, message: t(`import_problem_${row.problem}` as MessageKey) });
      } else {
        const area = { ...row.area, kind: row.area.kind || kind };
        if (!area.parent && parent) area.parent = parent;
        try {
          await adminApi.createArea(area);
          done.push({ row, ok: true, message: null });
        } catch (e) {
          done.push({ row, ok: false, message: errorText(e) });
        }
      }
      setOutcomes([...done]);
    }
    setRunning(false);
    onDone();
  }

  const failed = outcomes.filter((o) => !o.ok);
  const created = outcomes.length - failed.length;
  return (
    <section class="card admin-import" aria-labelledby="import-title">
      <h2 id="import-title">{t('import_title')}</h2>
      <p class="hint">{t('import_hint')}</p>
      <div class="admin-import-grid">
        <div>
          <label for="import-kind" class="label">
            {t('import_default_kind')}
          </label>
          <select id="import-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            {AREA_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind_${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="import-parent" class="label">
            {t('import_default_parent')}
          </label>
          <select id="import-parent" value={parent} onChange={(e) => setParent(e.currentTarget.value)}>
            <option value="">{t('import_no_parent')}</option>
            {parents.map((a) => (
              <option key={a.code} value={a.code}>
                {a.name} ({a.code})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="import-file" class="label">
            {t('import_file')}
          </label>
          <input id="import-file" type="file" accept=".geojson,.json,application/geo+json,application/json" onChange={(e) => void read(e.currentTarget.files?.[0])} />
        </div>
      </div>
      {fileError && <Notice kind="error">{fileError}</Notice>}
      {rows && (
        <p data-testid="import-summary">
          {t('import_found', { n: rows.length, ok: rows.filter((r) => r.area).length })}{' '}
          <button type="button" class="btn btn-primary btn-small" id="import-run" disabled={running || rows.length === 0} onClick={() => void run()}>
            {t('import_run')}
          </button>
        </p>
      )}
      {(running || outcomes.length > 0) && rows && (
        <div aria-live="polite">
          <label for="import-progress" class="label">
            {t('import_progress', { done: outcomes.length, total: rows.length })}
          </label>
          <progress id="import-progress" max={rows.length} value={outcomes.length} />
          {!running && (
            <p data-testid="import-result">
              {t('import_result', { ok: created, failed: failed.length })}
            </p>
          )}
        </div>
      )}
      {failed.length > 0 && (
        <ul class="import-errors" data-testid="import-errors">
          {failed.map((o) => (
            <li key={o.row.index}>
              <strong>
                {t('import_feature', { n: o.row.index + 1 })}
                {o.row.area ? ` (${o.row.area.code} · ${o.row.area.name})` : ''}
              </strong>
              : {o.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function AreasTable({ areas, editable, onChanged }: { areas: Area[]; editable: boolean; onChanged: () => void }) {
  const [adoption, setAdoption] = useState<Record<string, Adoption>>({});
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [rowState, setRowState] = useState<Record<string, { ok: boolean; text: string }>>({});
  useEffect(() => {
    for (const a of areas) {
      api
        .adoption(a.code)
        .then((x) => setAdoption((old) => ({ ...old, [a.code]: x })))
        .catch(() => undefined);
    }
  }, [areas]);
  const sorted = [...areas].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.name.localeCompare(b.name));

  async function savePopulation(a: Area) {
    const text = (edits[a.code] ?? '').trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
      setRowState((s) => ({ ...s, [a.code]: { ok: false, text: t('population_invalid') } }));
      return;
    }
    try {
      await adminApi.patchArea(a.code, { population: n });
      setRowState((s) => ({ ...s, [a.code]: { ok: true, text: t('saved') } }));
      setEdits(({ [a.code]: _drop, ...rest }) => rest);
      onChanged();
    } catch (e) {
      setRowState((s) => ({ ...s, [a.code]: { ok: false, text: errorText(e) } }));
    }
  }

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
            const st = rowState[a.code];
            return (
              <tr key={a.code} data-area={a.code}>
                <th scope="row">{a.name}</th>
                <td>{a.code}</td>
                <td>{t(`kind_${a.kind}` as MessageKey)}</td>
                <td class="num">
                  {editable ? (
                    <form
                      class="pop-edit"
                      onSubmit={(e) => {
                        e.preventDefault();
                        void savePopulation(a);
                      }}
                    >
                      <label for={`pop-${a.code}`} class="visually-hidden">
                        {t('population_of', { name: a.name })}
                      </label>
                      <input
                        id={`pop-${a.code}`}
                        type="text"
                        inputMode="numeric"
                        size={9}
                        value={edits[a.code] ?? (a.population !== null ? String(a.population) : '')}
                        onInput={(e) => setEdits({ ...edits, [a.code]: e.currentTarget.value })}
                      />
                      <button type="submit" class="btn btn-small" disabled={edits[a.code] === undefined}>
                        {t('save')}
                        <span class="visually-hidden"> {a.name}</span>
                      </button>
                      {st && (
                        <span class={`small ${st.ok ? 'ok-text' : 'error-text'}`} role={st.ok ? 'status' : 'alert'}>
                          {st.text}
                        </span>
                      )}
                    </form>
                  ) : a.population !== null ? (
                    formatNumber(a.population)
                  ) : (
                    '—'
                  )}
                </td>
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

// ---- categories: routing and the restricted flag ----

function CategoriesTable() {
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

function Check({ id, label, checked, onChange }: { id: string; label: string; checked: boolean; onChange: (on: boolean) => void }) {
  return (
    <div class="check">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />
      <label for={id}>{label}</label>
    </div>
  );
}

// ---- users and their area-scoped roles ----

function roleLabel(role: string): string {
  const key = `role_${role}` as MessageKey;
  const text = t(key);
  return text === key ? role : text;
}

function UsersPanel({ areas }: { areas: Area[] }) {
  const [q, setQ] = useState('');
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  const search = useCallback(async (text: string) => {
    setError(null);
    try {
      setUsers((await adminApi.users({ q: text.trim(), limit: 100 })).users);
    } catch (e) {
      setUsers([]);
      setError(errorText(e));
    }
  }, []);
  useEffect(() => {
    void search('');
  }, [search]);

  const replace = (u: User) => setUsers((list) => (list ?? []).map((x) => (x.id === u.id ? u : x)));
  const nameOf = (code: string | null) => (code === null ? '' : code === '*' ? t('grant_all_areas') : (areas.find((a) => a.code === code)?.name ?? code));

  return (
    <div>
      <form
        class="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void search(q);
        }}
      >
        <label for="user-search">{t('users_search')}</label>
        <input id="user-search" type="text" value={q} placeholder={t('users_search_placeholder')} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit" class="btn btn-small">
          {t('search')}
        </button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {users === null ? (
        <p class="muted">{t('loading')}</p>
      ) : users.length === 0 ? (
        <p class="muted">{t('users_none')}</p>
      ) : (
        <ul class="card-list user-list">
          {users.map((u) => (
            <li key={u.id} class="card user-card" data-user-id={u.id} data-email={u.email ?? ''}>
              <div class="user-head">
                <div>
                  <h3>{u.display_name || u.email || u.phone}</h3>
                  <p class="muted small">{[u.email, u.phone].filter(Boolean).join(' · ')}</p>
                </div>
                <button type="button" class="btn btn-small" aria-expanded={open === u.id} onClick={() => setOpen(open === u.id ? null : u.id)}>
                  {t('grant_add')}
                  <span class="visually-hidden"> {u.display_name || u.email || u.phone}</span>
                </button>
              </div>
              <ul class="grant-list" aria-label={t('users_roles')}>
                {u.roles.map((g) => (
                  <li key={`${g.role}@${g.area ?? ''}`} class="grant-chip" data-grant={`${g.role}@${g.area ?? ''}`}>
                    <span>
                      {roleLabel(g.role)}
                      {g.area ? ` · ${nameOf(g.area)}` : ''}
                    </span>
                    <RemoveGrant user={u} role={g.role} area={g.area} label={`${roleLabel(g.role)} ${nameOf(g.area)}`} onDone={replace} onError={setError} />
                  </li>
                ))}
                {u.roles.length === 0 && <li class="muted small">{t('users_no_roles')}</li>}
              </ul>
              {open === u.id && <GrantForm user={u} areas={areas} onDone={(nu) => replace(nu)} />}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function RemoveGrant({
  user,
  role,
  area,
  label,
  onDone,
  onError,
}: {
  user: User;
  role: string;
  area: string | null;
  label: string;
  onDone: (u: User) => void;
  onError: (text: string) => void;
}) {
  const me = useStore(meStore);
  if (user.id === me?.id && role === 'admin') return null; // one's own admin grant stays
  return (
    <button
      type="button"
      class="chip-remove"
      aria-label={t('grant_remove', { what: label })}
      title={t('grant_remove', { what: label })}
      onClick={() => {
        adminApi
          .removeGrant(user.id, { role, area })
          .then(onDone)
          .catch((e) => onError(errorText(e)));
      }}
    >
      ×
    </button>
  );
}

function GrantForm({ user, areas, onDone }: { user: User; areas: Area[]; onDone: (u: User) => void }) {
  const [role, setRole] = useState('operator');
  const [area, setArea] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState(false);
  const scoped = role !== 'neighbour';
  const choices = [...areas].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.name.localeCompare(b.name));
  async function submit(e: Event) {
    e.preventDefault();
    setOk(false);
    if (scoped && !area) {
      setError(t('grant_need_area'));
      return;
    }
    try {
      onDone(await adminApi.addGrant(user.id, scoped ? { role, area } : { role }));
      setError(null);
      setOk(true);
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <form class="grant-form" onSubmit={(e) => void submit(e)}>
      <div>
        <label for={`grant-role-${user.id}`} class="label">
          {t('grant_role')}
        </label>
        <select id={`grant-role-${user.id}`} value={role} onChange={(e) => setRole(e.currentTarget.value)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {roleLabel(r)}
            </option>
          ))}
        </select>
      </div>
      {scoped && (
        <div>
          <label for={`grant-area-${user.id}`} class="label">
            {t('area')}
          </label>
          <select id={`grant-area-${user.id}`} value={area} onChange={(e) => setArea(e.currentTarget.value)}>
            <option value="">{t('grant_choose_area')}</option>
            <option value="*">{t('grant_all_areas')}</option>
            {choices.map((a) => (
              <option key={a.code} value={a.code}>
                {a.name} ({t(`kind_${a.kind}` as MessageKey)})
              </option>
            ))}
          </select>
        </div>
      )}
      <button type="submit" class="btn btn-primary btn-small">
        {t('grant_give')}
      </button>
      {ok && (
        <span class="ok-text small" role="status">
          {t('grant_given')}
        </span>
      )}
      {error && (
        <span class="error-text small" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
