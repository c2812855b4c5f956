// Users and their area-scoped roles (search, grant, remove).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { type Area } from '../../api/client';
import { ROLES, adminApi, type User } from '../../api/admin';
import { Notice, errorText } from '../../components/common';
import { t, type MessageKey } from '../../i18n';
import { meStore, useStore } from '../../session';
import { kindRank } from './AreasPanel';

function roleLabel(role: string): string {
  const key = `role_${role}` as MessageKey;
  const text = t(key);
  return text === key ? role : text;
}
export function UsersPanel({ areas }: { areas: Area[] }) {
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
