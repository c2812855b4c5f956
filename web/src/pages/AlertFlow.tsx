// The one-button alert: category → place (device position, adjustable pin) → optional
// photo and note, anonymity → send. Sending goes through the outbox, so an alert made
// offline waits on the phone and is sent once when the network returns.
import { Icon } from '../components/Icon';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Category } from '../api/client';
import { Notice, PriorityBadge, errorText } from '../components/common';
import { DEFAULT_CENTER, MapView } from '../components/Map';
import { formatNumber, lang, t, type MessageKey } from '../i18n';
import { submitAlert } from '../offline/queue';
import { categoriesStore, linkTo, navigate, useStore } from '../session';

const FAMILY_ORDER = ['emergency', 'crime', 'violence', 'city_service', 'disaster', 'logistics', 'border'] as const;

export function AlertFlow() {
  const categories = useStore(categoriesStore);
  const [step, setStep] = useState<1 | 2 | 3 | 4>(1);
  const [category, setCategory] = useState<Category | null>(null);
  const [pin, setPin] = useState<[number, number]>(DEFAULT_CENTER);
  const [center, setCenter] = useState<[number, number]>(DEFAULT_CENTER);
  const [accuracy, setAccuracy] = useState<number | null>(null);
  const [locating, setLocating] = useState(false);
  const [locError, setLocError] = useState(false);
  const [address, setAddress] = useState('');
  const [note, setNote] = useState('');
  const [photo, setPhoto] = useState<File | null>(null);
  const [photoUrl, setPhotoUrl] = useState<string | null>(null);
  const [anonymous, setAnonymous] = useState(false);
  const [shareFamily, setShareFamily] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<{ queued: boolean; id: string | null } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => heading.current?.focus(), [step]);
  useEffect(() => () => void (photoUrl && URL.revokeObjectURL(photoUrl)), [photoUrl]);

  const grouped = useMemo(() => {
    const active = categories.filter((c) => c.active);
    return FAMILY_ORDER.map((f) => ({
      family: f,
      items: active.filter((c) => c.family === f).sort((a, b) => a.priority - b.priority || label(a).localeCompare(label(b))),
    })).filter((g) => g.items.length > 0);
  }, [categories, lang()]);

  function locate() {
    if (!('geolocation' in navigator)) {
      setLocError(true);
      return;
    }
    setLocating(true);
    setLocError(false);
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const p: [number, number] = [pos.coords.longitude, pos.coords.latitude];
        setPin(p);
        setCenter(p);
        setAccuracy(Math.round(pos.coords.accuracy));
        setLocating(false);
      },
      () => {
        setLocating(false);
        setLocError(true);
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 },
    );
  }

  function chooseCategory(c: Category) {
    setCategory(c);
    setStep(2);
    locate();
  }

  function onPhoto(e: Event) {
    const f = (e.currentTarget as HTMLInputElement).files?.[0] ?? null;
    setPhoto(f);
    if (photoUrl) URL.revokeObjectURL(photoUrl);
    setPhotoUrl(f ? URL.createObjectURL(f) : null);
  }

  async function send(e: Event) {
    e.preventDefault();
    if (!category) return;
    setBusy(true);
    setError(null);
    try {
      const r = await submitAlert(
        {
          category: category.code,
          lat: round6(pin[1]),
          lon: round6(pin[0]),
          ...(accuracy !== null ? { accuracy } : {}),
          ...(address.trim() ? { address: address.trim() } : {}),
          ...(note.trim() ? { description: note.trim() } : {}),
          anonymous,
          ...(category.sensitivity === 'restricted' ? { share_with_family: shareFamily } : {}),
        },
        photo ?? undefined,
      );
      setResult({ queued: r.report === null, id: r.report?.id ?? null });
      setStep(4);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  if (step === 4 && result) {
    return (
      <section class="page alert-done" aria-labelledby="done-title">
        <div class={`done-icon ${result.queued ? 'queued' : 'sent'}`} aria-hidden="true">
          <Icon name={result.queued ? 'hourglass' : 'check'} size={56} />
        </div>
        <h1 id="done-title" tabIndex={-1} ref={heading}>
          {result.queued ? t('queued_title') : t('sent_title')}
        </h1>
        <p>{result.queued ? t('queued_body') : t('sent_body')}</p>
        <div class="actions">
          {result.id && (
            <a class="btn btn-primary" href={`/mine/${result.id}`} onClick={linkTo(`/mine/${result.id}`)}>
              {t('view_my_alert')}
            </a>
          )}
          <a class="btn" href="/" onClick={linkTo('/')}>
            {t('nav_home')}
          </a>
        </div>
      </section>
    );
  }

  return (
    <section class="page alert-flow" aria-labelledby="flow-title">
      <div class="flow-top">
        <button type="button" class="btn btn-ghost" onClick={() => (step === 1 ? navigate('/') : setStep((step - 1) as 1 | 2 | 3))}>
          ← {step === 1 ? t('cancel') : t('back')}
        </button>
        <span class="muted">{t('step_of', { n: step, total: 3 })}</span>
      </div>
      <div class="progress" aria-hidden="true">
        <span style={{ width: `${(step / 3) * 100}%` }} />
      </div>

      {step === 1 && (
        <>
          <h1 id="flow-title" tabIndex={-1} ref={heading}>
            {t('step_category')}
          </h1>
          {grouped.length === 0 && <p class="muted">{t('loading')}</p>}
          {grouped.map((g) => (
            <fieldset class="cat-group" key={g.family}>
              <legend>{t(`family_${g.family}` as MessageKey)}</legend>
              <div class="cat-grid">
                {g.items.map((c) => (
                  <button type="button" class={`cat-btn fam-${c.family}`} key={c.code} onClick={() => chooseCategory(c)} data-code={c.code}>
                    <span class="cat-label">{label(c)}</span>
                    <span class="cat-meta">
                      <PriorityBadge priority={c.priority} />
                      {c.sensitivity === 'restricted' && <span class="lock" title={t('sensitivity_restricted')}>
                          <Icon name="lock" size={16} />
                        </span>}
                    </span>
                  </button>
                ))}
              </div>
            </fieldset>
          ))}
        </>
      )}

      {step === 2 && category && (
        <>
          <h1 id="flow-title" tabIndex={-1} ref={heading}>
            {t('step_place')}
          </h1>
          <p class="chosen">
            <PriorityBadge priority={category.priority} /> {label(category)}
          </p>
          <p class="hint">{t('place_hint')}</p>
          <MapView label={t('step_place')} center={center} zoom={15} pin={pin} onPinMove={setPin} class="map-place" />
          <div class="place-tools">
            <button type="button" class="btn" onClick={locate} disabled={locating}>
              <Icon name="pin" /> {locating ? t('locating') : t('use_my_location')}
            </button>
            {accuracy !== null && <span class="muted">{t('location_accuracy', { m: formatNumber(accuracy) })}</span>}
          </div>
          {locError && <Notice kind="warn">{t('location_denied')}</Notice>}
          <label for="address">{t('address_optional')}</label>
          <input id="address" type="text" maxLength={300} value={address} onInput={(e) => setAddress(e.currentTarget.value)} autoComplete="street-address" />
          <button type="button" class="btn btn-primary btn-block" onClick={() => setStep(3)}>
            {t('next')}
          </button>
        </>
      )}

      {step === 3 && category && (
        <form onSubmit={send} class="form">
          <h1 id="flow-title" tabIndex={-1} ref={heading}>
            {t('step_details')}
          </h1>
          <p class="chosen">
            <PriorityBadge priority={category.priority} /> {label(category)}
          </p>
          {category.sensitivity === 'restricted' && <Notice kind="info">{t('restricted_note')}</Notice>}
          <span class="label">{t('photo')}</span>
          <div class="photo-box">
            {photoUrl ? (
              <>
                <img src={photoUrl} alt={t('photo')} class="photo-preview" />
                <button type="button" class="btn btn-ghost" onClick={() => { setPhoto(null); setPhotoUrl(null); }}>
                  {t('photo_remove')}
                </button>
              </>
            ) : (
              <label class="btn photo-pick" for="photo">
                <Icon name="camera" /> {t('photo_take')}
              </label>
            )}
            <input id="photo" class="visually-hidden" type="file" accept="image/*" capture="environment" onChange={onPhoto} />
          </div>
          <label for="note">{t('note')}</label>
          <textarea id="note" rows={3} maxLength={2000} placeholder={t('note_placeholder')} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <div class="check">
            <input id="anonymous" type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.currentTarget.checked)} aria-describedby="anon-hint" />
            <label for="anonymous">{t('anonymous')}</label>
          </div>
          <p id="anon-hint" class="hint">
            {t('anonymous_hint')}
          </p>
          {category.sensitivity === 'restricted' && (
            <div class="check">
              <input id="share-family" type="checkbox" checked={shareFamily} onChange={(e) => setShareFamily(e.currentTarget.checked)} />
              <label for="share-family">{t('share_family')}</label>
            </div>
          )}
          {error && <Notice kind="error">{error}</Notice>}
          <button class="btn btn-danger btn-block btn-big" type="submit" disabled={busy}>
            {busy ? t('sending') : t('send_alert')}
          </button>
        </form>
      )}
    </section>
  );
}

function label(c: Category): string {
  return lang() === 'en' ? c.labels.en : c.labels.es;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
