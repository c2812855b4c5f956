// Enrolling the staff second factor (TOTP): the secret to add to an authenticator app, the
// first code to confirm it, then the recovery codes, shown this once. An enrol-only token
// (auth.require_totp_for_staff) can do nothing else, so it signs out at the end; staff
// signed in with a full token may enrol here too.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type TotpEnrolment } from '../api/client';
import { Notice } from '../components/common';
import { t } from '../i18n';
import { loadMe, navigate, signOut } from '../session';
import { Brand } from './Auth';

/** "JBSW Y3DP EHPK 3PXP": the base32 secret in groups of four, easier to type. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

export function TotpPage({ enrolOnly }: { enrolOnly: boolean }) {
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const started = useRef(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    // One enrolment per visit: a second call would replace the secret already shown.
    if (started.current) return;
    started.current = true;
    api.totpEnroll().then(setEnrolment, (e: unknown) => {
      if (e instanceof ApiError && e.status === 409) setLoadError(t('totp_already_enabled'));
      else if (e instanceof ApiError && e.status === 401) setLoadError(t('totp_session_expired'));
      else setLoadError(e instanceof ApiError ? t('totp_enrol_failed') : t('error_network'));
    });
  }, []);
  useEffect(() => {
    if (recovery) headingRef.current?.focus();
  }, [recovery]);

  async function confirm(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.totpConfirm(code.replace(/\s/g, ''));
      setRecovery(r.recovery_codes);
    } catch (err) {
      setCode('');
      setError(err instanceof ApiError ? (err.code === 'totp_invalid' ? t('totp_confirm_invalid') : err.message) : t('error_network'));
    } finally {
      setBusy(false);
    }
  }

  async function done() {
    if (enrolOnly) {
      await signOut();
      return;
    }
    await loadMe();
    navigate('/');
  }

  let body;
  if (recovery) {
    body = (
      <>
        <Notice kind="ok">{t('totp_enrolled')}</Notice>
        <h2 ref={headingRef} tabIndex={-1}>
          {t('totp_recovery_title')}
        </h2>
        <p>{t('totp_recovery_intro')}</p>
        <ol class="totp-recovery-codes">
          {recovery.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ol>
        {enrolOnly && <p class="muted">{t('totp_saved_relogin')}</p>}
        <button type="button" id="totp-saved" class="btn btn-primary btn-block" onClick={() => void done()}>
          {t('totp_saved')}
        </button>
      </>
    );
  } else if (loadError) {
    body = (
      <>
        <Notice kind={enrolOnly ? 'error' : 'info'}>{loadError}</Notice>
        {enrolOnly && (
          <button type="button" class="btn btn-block" onClick={() => void signOut()}>
            {t('logout')}
          </button>
        )}
      </>
    );
  } else if (!enrolment) {
    body = <p class="muted">{t('loading')}</p>;
  } else {
    body = (
      <>
        <p>{t('totp_enrol_intro')}</p>
        <p class="totp-secret-label" id="totp-secret-label">
          {t('totp_secret_label')}
        </p>
        <p>
          <code class="totp-secret" id="totp-secret" aria-labelledby="totp-secret-label" data-secret={enrolment.secret}>
            {groupSecret(enrolment.secret)}
          </code>
        </p>
        <p>
          <a href={enrolment.otpauth_uri} id="totp-uri">
            {t('totp_open_app')}
          </a>
        </p>
        {error && <Notice kind="error">{error}</Notice>}
        <form class="form" onSubmit={confirm}>
          <label for="totp-code">{t('totp_first_code')}</label>
          <input
            id="totp-code"
            name="totp"
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            required
            aria-describedby="totp-code-hint"
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
          />
          <p id="totp-code-hint" class="hint">
            {t('totp_code_hint')}
          </p>
          <button class="btn btn-primary btn-block" type="submit" disabled={busy}>
            {busy ? t('loading') : t('totp_confirm')}
          </button>
        </form>
      </>
    );
  }

  return (
    <div class={enrolOnly ? 'auth-page' : 'page'}>
      <div class="auth-card totp-card">
        {enrolOnly && <Brand />}
        <h1>{t('totp_enrol_title')}</h1>
        {enrolOnly && !recovery && <p class="muted">{t('totp_enrol_required')}</p>}
        {body}
      </div>
    </div>
  );
}
