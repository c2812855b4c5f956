// The call-taker form for 911 calls: caller name and phone, the place (click the map or
// type the coordinates: many callers cannot give an address), category, priority P1–P4
// and notes. POST /api/v1/incidents.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Category } from '../../api/client';
import { dispatchApi, type Incident } from '../../api/dispatch';
import { Notice } from '../../components/common';
import { useAction } from './shared';
import { lang, t, type MessageKey } from '../../i18n';
import { categoriesStore, useStore } from '../../session';


const FAMILIES: Category['family'][] = ['emergency', 'violence', 'crime', 'city_service', 'disaster', 'logistics', 'border'];

function parseCoord(text: string, limit: number): number | null {
  const v = Number(text.trim().replace(',', '.'));
  return text.trim() !== '' && Number.isFinite(v) && Math.abs(v) <= limit ? v : null;
}

export function CallForm({
  pin,
  onPin,
  onCreated,
  onCancel,
}: {
  pin: [number, number] | null;
  onPin: (lonLat: [number, number] | null) => void;
  onCreated: (n: Incident) => void;
  onCancel: () => void;
}) {
  const categories = useStore(categoriesStore);
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [category, setCategory] = useState('');
  const [priority, setPriority] = useState('');
  const [lat, setLat] = useState('');
  const [lon, setLon] = useState('');
  const [address, setAddress] = useState('');
  const [notes, setNotes] = useState('');
  const { busy, error, setError, run } = useAction();

  // The map click (or pin drag) fills the coordinates.
  useEffect(() => {
    if (!pin) return;
    setLon(pin[0].toFixed(6));
    setLat(pin[1].toFixed(6));
  }, [pin?.[0], pin?.[1]]);

  const byFamily = useMemo(() => {
    const active = categories.filter((c) => c.active);
    return FAMILIES.map((f) => [f, active.filter((c) => c.family === f)] as const).filter(([, list]) => list.length > 0);
  }, [categories]);
  const chosen = categories.find((c) => c.code === category);

  function typedCoords() {
    const la = parseCoord(lat, 90);
    const lo = parseCoord(lon, 180);
    if (la !== null && lo !== null) onPin([lo, la]);
  }

  function submit(e: Event) {
    e.preventDefault();
    const la = parseCoord(lat, 90);
    const lo = parseCoord(lon, 180);
    if (!category) return setError(t('choose_category'));
    if (la === null || lo === null) return setError(t('dx_place_required'));
    void run(async () => {
      const n = await dispatchApi.createCall({
        category,
        lat: la,
        lon: lo,
        ...(priority ? { priority } : {}),
        ...(address.trim() ? { address: address.trim() } : {}),
        ...(name.trim() ? { caller_name: name.trim() } : {}),
        ...(phone.trim() ? { caller_phone: phone.trim() } : {}),
        ...(notes.trim() ? { notes: notes.trim() } : {}),
      });
      onPin(null);
      onCreated(n);
    });
  }

  return (
    <form class="form call-form" onSubmit={submit} aria-labelledby="call-title" data-testid="call-form" noValidate>
      <h2 id="call-title">{t('dx_call_title')}</h2>
      <fieldset>
        <legend>{t('dx_caller')}</legend>
        <label for="caller-name">{t('dx_caller_name')}</label>
        <input id="caller-name" type="text" autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={100} />
        <label for="caller-phone">{t('phone')}</label>
        <input id="caller-phone" type="text" inputMode="tel" autocomplete="off" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} maxLength={32} />
      </fieldset>
      <fieldset>
        <legend>{t('dx_place')}</legend>
        <p class="hint" id="place-hint">
          {t('dx_place_hint')}
        </p>
        <div class="row coords">
          <div>
            <label for="call-lat">{t('dx_lat')}</label>
            <input id="call-lat" type="text" inputMode="decimal" value={lat} onInput={(e) => setLat(e.currentTarget.value)} onBlur={typedCoords} aria-describedby="place-hint" />
          </div>
          <div>
            <label for="call-lon">{t('dx_lon')}</label>
            <input id="call-lon" type="text" inputMode="decimal" value={lon} onInput={(e) => setLon(e.currentTarget.value)} onBlur={typedCoords} aria-describedby="place-hint" />
          </div>
        </div>
        <label for="call-address">{t('address_optional')}</label>
        <input id="call-address" type="text" value={address} onInput={(e) => setAddress(e.currentTarget.value)} maxLength={300} />
      </fieldset>
      <label for="call-category">{t('category')}</label>
      <select id="call-category" value={category} onChange={(e) => setCategory(e.currentTarget.value)} required>
        <option value="">{t('choose_category')}</option>
        {byFamily.map(([family, list]) => (
          <optgroup key={family} label={t(`family_${family}` as MessageKey)}>
            {list.map((c) => (
              <option key={c.code} value={c.code}>
                {lang() === 'en' ? c.labels.en : c.labels.es} (P{c.priority})
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      <label for="call-priority">{t('priority')}</label>
      <select id="call-priority" value={priority} onChange={(e) => setPriority(e.currentTarget.value)}>
        <option value="">{chosen ? t('dx_priority_default_n', { n: chosen.priority }) : t('dx_priority_default')}</option>
        {[1, 2, 3, 4].map((p) => (
          <option key={p} value={`P${p}`}>
            {t('dx_priority_option', { n: p })}
          </option>
        ))}
      </select>
      <label for="call-notes">{t('dx_call_notes')}</label>
      <textarea id="call-notes" rows={3} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
      {error && <Notice kind="error">{error}</Notice>}
      <div class="row form-buttons">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="create-call">
          {busy ? t('sending') : t('dx_create_incident')}
        </button>
        <button type="button" class="btn btn-ghost" onClick={onCancel}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}
