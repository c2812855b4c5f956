// Sign-in and registration. Staff land on the console, neighbours on the alert button.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import { Notice } from '../components/common';
import { lang, t } from '../i18n';
import { isStaff, linkTo, navigate, signIn } from '../session';

export function LoginPage() {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  // The second factor, asked for once the server answers totp_required.
  const [factor, setFactor] = useState<'none' | 'totp' | 'recovery'>('none');
  const [code, setCode] = useState('');
  const codeRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (factor !== 'none') codeRef.current?.focus();
  }, [factor]);
  const { busy, error, submit } = useSubmit(
    async () => {
      const given = code.trim();
      const second = factor === 'totp' ? { totp: given.replace(/\s/g, '') } : factor === 'recovery' ? { recovery_code: given } : {};
      try {
        const r = await signIn(login.trim(), password, second);
        if (r.enrolmentOnly) navigate('/totp');
        else navigate(isStaff(r.me) ? '/console' : '/');
      } catch (err) {
        if (err instanceof ApiError && err.code === 'totp_required' && factor === 'none') setFactor('totp');
        if (err instanceof ApiError && err.code === 'totp_invalid') setCode('');
        throw err;
      }
    },
    (err) => {
      if (!(err instanceof ApiError)) return t('error_network');
      if (err.code === 'totp_required') return factor === 'none' ? '' : t('totp_invalid');
      if (err.code === 'totp_invalid') return factor === 'recovery' ? t('totp_recovery_invalid') : t('totp_invalid');
      return err.status === 429 ? t('login_throttled') : t('login_failed');
    },
  );
  function switchFactor(e: Event) {
    e.preventDefault();
    setCode('');
    setFactor(factor === 'recovery' ? 'totp' : 'recovery');
  }

  return (
    <AuthCard
      title={t('login_title')}
      subtitle={t('login_subtitle')}
      error={error}
      busy={busy}
      submitLabel={t('login_button')}
      onSubmit={submit}
      other={[t('no_account'), t('register_link'), '/register']}
      footer={<p class="muted small">{t('demo_hint')}</p>}
    >
      <label for="login">{t('login_field')}</label>
      <input id="login" name="login" type="text" autoComplete="username" required value={login} onInput={(e) => setLogin(e.currentTarget.value)} />
      <label for="password">{t('password')}</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      {factor !== 'none' && (
        <div class="totp-step">
          {factor === 'totp' && !error && <Notice kind="info">{t('totp_needed')}</Notice>}
          {factor === 'totp' ? (
            <>
              <label for="totp">{t('totp_code')}</label>
              {/* Keyed: a reused element would keep maxLength (as 0) once the recovery field drops it. */}
              <input
                key="totp"
                id="totp"
                ref={codeRef}
                name="totp"
                type="text"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={6}
                required
                aria-describedby="totp-hint"
                value={code}
                onInput={(e) => setCode(e.currentTarget.value)}
              />
              <p id="totp-hint" class="hint">
                {t('totp_code_hint')}
              </p>
            </>
          ) : (
            <>
              <label for="recovery-code">{t('totp_recovery_code')}</label>
              <input
                key="recovery"
                id="recovery-code"
                ref={codeRef}
                name="recovery_code"
                type="text"
                autoComplete="off"
                autoCapitalize="characters"
                spellcheck={false}
                required
                aria-describedby="recovery-hint"
                value={code}
                onInput={(e) => setCode(e.currentTarget.value)}
              />
              <p id="recovery-hint" class="hint">
                {t('totp_recovery_hint')}
              </p>
            </>
          )}
          <p class="totp-switch">
            <a href="#" id="totp-switch" onClick={switchFactor}>
              {factor === 'recovery' ? t('totp_use_app') : t('totp_use_recovery')}
            </a>
          </p>
        </div>
      )}
    </AuthCard>
  );
}

export function RegisterPage() {
  const [name, setName] = useState('');
  const [contact, setContact] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(
    async () => {
      const value = contact.trim();
      await api.register({
        ...(value.includes('@') ? { email: value } : { phone: value }),
        password,
        display_name: name.trim(),
        locale: lang(),
      });
      await signIn(value, password);
      navigate('/');
    },
    (err) => (err instanceof ApiError ? err.message : t('error_network')),
  );

  return (
    <AuthCard
      title={t('register_title')}
      subtitle={t('register_subtitle')}
      error={error}
      busy={busy}
      submitLabel={t('register_button')}
      onSubmit={submit}
      other={[t('have_account'), t('login_button'), '/login']}
    >
      <label for="name">{t('display_name')}</label>
      <input id="name" type="text" autoComplete="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="contact">{t('login_field')}</label>
      <input id="contact" type="text" autoComplete="email" required value={contact} onInput={(e) => setContact(e.currentTarget.value)} />
      <label for="new-password">{t('password')}</label>
      <input id="new-password" type="password" autoComplete="new-password" minLength={10} required aria-describedby="pw-hint" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      <p id="pw-hint" class="hint">
        {t('password_hint')}
      </p>
    </AuthCard>
  );
}

/** A form's submit: busy while `run` works, its failure described by `describe`. */
function useSubmit(run: () => Promise<void>, describe: (e: unknown) => string) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, submit };
}

interface AuthCardProps {
  title: string;
  subtitle: string;
  error: string | null;
  busy: boolean;
  submitLabel: string;
  onSubmit: (e: Event) => void;
  /** The way to the other screen: question, link text, path. */
  other: [string, string, string];
  children: ComponentChildren;
  footer?: ComponentChildren;
}

function AuthCard(p: AuthCardProps) {
  return (
    <div class="auth-page">
      <div class="auth-card">
        <Brand />
        <h1>{p.title}</h1>
        <p class="muted">{p.subtitle}</p>
        {p.error && <Notice kind="error">{p.error}</Notice>}
        <form onSubmit={p.onSubmit} class="form">
          {p.children}
          <button class="btn btn-primary btn-block" type="submit" disabled={p.busy}>
            {p.busy ? t('loading') : p.submitLabel}
          </button>
        </form>
        <p class="auth-switch">
          {p.other[0]}{' '}
          <a href={p.other[2]} onClick={linkTo(p.other[2])}>
            {p.other[1]}
          </a>
        </p>
        {p.footer}
      </div>
    </div>
  );
}

export function Brand() {
  return (
    <div class="brand">
      <svg viewBox="0 0 32 32" width="36" height="36" aria-hidden="true">
        <path d="M16 2 4 7v8c0 7.5 5.1 13.4 12 15 6.9-1.6 12-7.5 12-15V7z" fill="#1f3b57" />
        <circle cx="16" cy="15" r="5" fill="#f5b700" />
      </svg>
      <div>
        <div class="brand-name">{t('app_name')}</div>
        <div class="brand-tag">{t('tagline')}</div>
      </div>
    </div>
  );
}
