// The family circle and the neighbourhood membership request (with proof upload).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type Area, type FamilyLink, type Membership } from '../api/client';
import { Notice, errorText } from '../components/common';
import { DEFAULT_CENTER, MapView } from '../components/Map';
import { formatDateTime, t, type MessageKey } from '../i18n';
import { loadMe } from '../session';

export function FamilyPage() {
  const [links, setLinks] = useState<FamilyLink[] | null>(null);
  const [contact, setContact] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const reload = useCallback(() => {
    api
      .family()
      .then((r) => setLinks(r.links))
      .catch((e) => setError(errorText(e)));
  }, []);
  useEffect(reload, [reload]);

  async function invite(e: Event) {
    e.preventDefault();
    const v = contact.trim();
    if (!v) return;
    setError(null);
    setOk(null);
    try {
      await api.inviteFamily(v.includes('@') ? { email: v } : { phone: v });
      setContact('');
      setOk(t('family_invited'));
      reload();
    } catch (err) {
      setError(errorText(err));
    }
  }
  async function act(id: string, action: 'accept' | 'decline' | 'leave') {
    try {
      await api.familyAction(id, action);
      reload();
    } catch (err) {
      setError(errorText(err));
    }
  }

  const active = (links ?? []).filter((l) => l.status === 'invited' || l.status === 'accepted');
  return (
    <section class="page" aria-labelledby="family-title">
      <h1 id="family-title">{t('family_title')}</h1>
      <p class="muted">{t('family_intro')}</p>
      <form class="form inline-form" onSubmit={invite}>
        <label for="family-contact">{t('family_invite_label')}</label>
        <div class="row">
          <input id="family-contact" type="text" autoComplete="off" value={contact} onInput={(e) => setContact(e.currentTarget.value)} />
          <button class="btn btn-primary" type="submit">
            {t('family_invite')}
          </button>
        </div>
      </form>
      {ok && <Notice kind="ok">{ok}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {links === null ? (
        <p class="muted">{t('loading')}</p>
      ) : active.length === 0 ? (
        <p class="muted">{t('family_empty')}</p>
      ) : (
        <ul class="card-list">
          {active.map((l) => (
            <li key={l.id} class="card family-card">
              <div>
                <strong>{l.invite_email ?? l.invite_phone ?? (l.direction === 'incoming' ? t('family_incoming') : '—')}</strong>
                <div class="muted small">
                  {l.direction === 'incoming' && l.status === 'invited' ? t('family_incoming') : t(`family_${l.status}` as MessageKey)} ·{' '}
                  {formatDateTime(l.created_ms)}
                </div>
              </div>
              <div class="card-actions">
                {l.direction === 'incoming' && l.status === 'invited' ? (
                  <>
                    <button class="btn btn-primary btn-small" type="button" onClick={() => act(l.id, 'accept')}>
                      {t('family_accept')}
                    </button>
                    <button class="btn btn-small" type="button" onClick={() => act(l.id, 'decline')}>
                      {t('family_decline')}
                    </button>
                  </>
                ) : (
                  <button class="btn btn-small" type="button" onClick={() => act(l.id, 'leave')}>
                    {t('family_leave')}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function MembershipPage() {
  const [mine, setMine] = useState<Membership[] | null>(null);
  const [areas, setAreas] = useState<Area[]>([]);
  const [address, setAddress] = useState('');
  const [pin, setPin] = useState<[number, number]>(DEFAULT_CENTER);
  const [idType, setIdType] = useState('rut');
  const [idNumber, setIdNumber] = useState('');
  const [proof, setProof] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    api
      .myMemberships()
      .then((r) => setMine(r.memberships))
      .catch(() => setMine([]));
  }, []);
  useEffect(() => {
    reload();
    api.areas().then((r) => setAreas(r.areas)).catch(() => setAreas([]));
  }, [reload]);

  const current = mine?.find((m) => m.status === 'pending' || m.status === 'approved') ?? null;
  const last = mine?.[0] ?? null;
  const areaName = (code: string) => areas.find((a) => a.code === code)?.name ?? code;

  async function submit(e: Event) {
    e.preventDefault();
    if (!proof) {
      setError(t('proof_required'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const media = await api.uploadMedia(proof);
      await api.requestMembership({
        address: address.trim(),
        lat: pin[1],
        lon: pin[0],
        id_type: idType,
        id_number: idNumber.trim(),
        proof_media_id: media.id,
      });
      reload();
      void loadMe();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  async function leave(id: string) {
    try {
      await api.leaveMembership(id);
      reload();
      void loadMe();
    } catch (err) {
      setError(errorText(err));
    }
  }

  return (
    <section class="page" aria-labelledby="membership-title">
      <h1 id="membership-title">{t('membership_title')}</h1>
      <p class="muted">{t('membership_intro')}</p>
      {mine === null && <p class="muted">{t('loading')}</p>}
      {current?.status === 'pending' && <Notice kind="info">{t('membership_pending')}</Notice>}
      {current?.status === 'approved' && (
        <>
          <Notice kind="ok">{t('membership_approved', { area: areaName(current.area) })}</Notice>
          <button class="btn" type="button" onClick={() => leave(current.id)}>
            {t('membership_leave')}
          </button>
        </>
      )}
      {!current && last?.status === 'rejected' && <Notice kind="warn">{t('membership_rejected', { reason: last.reason ?? '' })}</Notice>}
      {mine !== null && !current && (
        <form class="form" onSubmit={submit}>
          <label for="m-address">{t('membership_address')}</label>
          <input id="m-address" type="text" required maxLength={300} autoComplete="street-address" value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
          <span class="label">{t('membership_home')}</span>
          <MapView label={t('membership_home')} pin={pin} onPinMove={setPin} zoom={13} class="map-place" />
          <label for="m-idtype">{t('id_type')}</label>
          <select id="m-idtype" value={idType} onChange={(e) => setIdType(e.currentTarget.value)}>
            <option value="rut">{t('id_rut')}</option>
            <option value="dni">{t('id_dni')}</option>
            <option value="other">{t('id_other')}</option>
          </select>
          <label for="m-idnumber">{t('id_number')}</label>
          <input id="m-idnumber" type="text" required autoComplete="off" value={idNumber} onInput={(e) => setIdNumber(e.currentTarget.value)} />
          <label for="m-proof">{t('proof')}</label>
          <input id="m-proof" type="file" accept="image/*" onChange={(e) => setProof(e.currentTarget.files?.[0] ?? null)} />
          {error && <Notice kind="error">{error}</Notice>}
          <button class="btn btn-primary btn-block" type="submit" disabled={busy}>
            {busy ? t('sending') : t('membership_send')}
          </button>
        </form>
      )}
    </section>
  );
}
