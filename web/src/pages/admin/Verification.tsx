// The residence-verification queue with the proof document.
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Area, type Membership } from '../../api/client';
import { MediaImage, Notice, errorText } from '../../components/common';
import { formatDateTime, t, type MessageKey } from '../../i18n';

export function Verification({ areas }: { areas: Area[] }) {
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
