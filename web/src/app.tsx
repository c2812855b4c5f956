// The app shell: one app with two faces — the neighbour's phone app and the staff console
// — chosen by role, with the header, navigation, language switch and offline banner.
import { Icon, type IconName } from './components/Icon';
import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized, storeToken, type Me } from './api/client';
import { Brand, LoginPage, RegisterPage } from './pages/Auth';
import { AdminPage } from './pages/admin/AdminPage';
import { AlertFlow } from './pages/AlertFlow';
import { BroadcastComposerPage } from './pages/BroadcastComposer';
import { BroadcastNotifier, BroadcastsPage } from './pages/Broadcasts';
import { AnalyticsPage } from './pages/Analytics';
import { FamilyPage, MembershipPage } from './pages/Community';
import { ConsolePage } from './pages/Console';
import { Feed, MyAlerts, NeighbourHome, ReportDetail } from './pages/Neighbour';
import { ResponderPage } from './pages/Responder';
import { TotpPage } from './pages/Totp';
import { setLang, t, type Lang, type MessageKey } from './i18n';
import { startOutbox } from './offline/queue';
import {
  enrolOnlyStore,
  hasRole,
  isStaff,
  linkTo,
  loadCategories,
  loadMe,
  meStore,
  navigate,
  routeStore,
  signOut,
  useLang,
  useStore,
} from './session';

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

const NEIGHBOUR_NAV: Array<[string, MessageKey, IconName]> = [
  ['/', 'nav_home', 'home'],
  ['/mine', 'nav_mine', 'clock'],
  ['/feed', 'nav_feed', 'map'],
  ['/broadcasts', 'nav_broadcasts', 'bell'],
  ['/family', 'nav_family', 'family'],
  ['/membership', 'nav_membership', 'verified'],
];

function LangSwitch() {
  const current = useLang();
  return (
    <div class="lang-switch">
      <label for="lang-select" class="visually-hidden">
        {t('language')}
      </label>
      <select id="lang-select" value={current} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
        <option value="es">{t('lang_es')}</option>
        <option value="en">{t('lang_en')}</option>
      </select>
    </div>
  );
}

function Header({ path }: { path: string }) {
  const me = useStore(meStore);
  const staff = isStaff(me);
  const links: Array<[string, MessageKey]> = [];
  if (staff && !responderOnly(me)) links.push(['/console', 'nav_console']);
  if (hasRole(me, 'responder')) links.push(['/responder', 'nav_responder']);
  if (staff) links.push(['/analytics', 'nav_analytics']);
  if (hasRole(me, 'admin') || hasRole(me, 'operator')) links.push(['/console/broadcasts', 'nav_broadcast_composer']);
  if (hasRole(me, 'admin') || hasRole(me, 'operator')) links.push(['/admin', 'nav_admin']);
  if (!staff) for (const [href, key] of NEIGHBOUR_NAV) links.push([href, key]);
  return (
    <header class={`topbar${staff ? ' topbar-staff' : ''}`}>
      <a href={staffHome(me)} onClick={linkTo(staffHome(me))} class="topbar-brand" aria-label={t('app_name')}>
        <Brand />
      </a>
      <nav aria-label={t('main_nav')} class="topnav">
        {links.map(([href, key]) => (
          <a
            key={href}
            href={href}
            onClick={linkTo(href)}
            aria-current={active(path, href) && !links.some(([h]) => h.length > href.length && active(path, h)) ? 'page' : undefined}
          >
            {t(key)}
          </a>
        ))}
      </nav>
      <div class="topbar-tools">
        <LangSwitch />
        <button type="button" class="btn btn-small btn-ghost" onClick={() => void signOut()}>
          {t('logout')}
        </button>
      </div>
    </header>
  );
}

function BottomNav({ path }: { path: string }) {
  return (
    <nav class="bottomnav" aria-label={t('main_nav')}>
      {NEIGHBOUR_NAV.map(([href, key, icon]) => (
        <a key={href} href={href} onClick={linkTo(href)} aria-current={active(path, href) ? 'page' : undefined}>
          <Icon name={icon} size={22} />
          <span>{t(key)}</span>
        </a>
      ))}
    </nav>
  );
}

/** A responder who is not also an operator or admin works from the phone screen. */
function responderOnly(me: Me | null | undefined): boolean {
  return hasRole(me, 'responder') && !hasRole(me, 'operator') && !hasRole(me, 'admin');
}
function staffHome(me: Me | null | undefined): string {
  if (!isStaff(me)) return '/';
  return responderOnly(me) ? '/responder' : '/console';
}

function active(path: string, href: string): boolean {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}

export function App() {
  const me = useStore(meStore);
  const path = useStore(routeStore);
  const enrolOnly = useStore(enrolOnlyStore);
  const online = useOnline();
  useLang();

  useEffect(() => {
    void loadMe();
    startOutbox();
    return onUnauthorized(() => {
      storeToken(null);
      enrolOnlyStore.set(false);
      meStore.set(null);
    });
  }, []);
  useEffect(() => {
    if (me) void loadCategories();
  }, [me?.id]);

  if (me === undefined) return <p class="boot muted">{t('loading')}</p>;

  // An enrol-only token (staff who must turn on TOTP first) opens nothing but enrolment.
  if (enrolOnly) {
    if (path !== '/totp') queueMicrotask(() => navigate('/totp'));
    return <Shell>{<TotpPage enrolOnly />}</Shell>;
  }

  if (path === '/register' && !me) return <Shell>{<RegisterPage />}</Shell>;
  if (!me) {
    if (path !== '/login') queueMicrotask(() => navigate('/login'));
    return <Shell>{<LoginPage />}</Shell>;
  }
  if (path === '/login' || path === '/register') {
    queueMicrotask(() => navigate(staffHome(me)));
    return null;
  }

  const staff = isStaff(me);
  let page;
  let wide = false;
  if (path === '/console') {
    page = staff ? <ConsolePage /> : <Forbidden />;
    wide = true;
  } else if (path === '/analytics' || path.startsWith('/analytics/')) {
    page = staff ? <AnalyticsPage path={path} /> : <Forbidden />;
    wide = true;
  } else if (path === '/console/broadcasts') {
    page = hasRole(me, 'admin') || hasRole(me, 'operator') ? <BroadcastComposerPage /> : <Forbidden />;
    wide = true;
  } else if (path === '/admin') {
    page = hasRole(me, 'admin') || hasRole(me, 'operator') ? <AdminPage /> : <Forbidden />;
    wide = true;
  } else if (path === '/totp') {
    page = staff ? <TotpPage enrolOnly={false} /> : <Forbidden />;
  } else if (path === '/responder') {
    page = hasRole(me, 'responder') ? <ResponderPage /> : <Forbidden />;
  } else if (path === '/' && staff) {
    queueMicrotask(() => navigate(staffHome(me)));
    return null;
  } else if (path === '/') page = <NeighbourHome />;
  else if (path === '/alert') page = <AlertFlow />;
  else if (path === '/mine') page = <MyAlerts />;
  else if (path.startsWith('/mine/')) page = <ReportDetail id={decodeURIComponent(path.slice(6))} backTo="/mine" />;
  else if (path === '/feed') page = <Feed />;
  else if (path === '/broadcasts') page = <BroadcastsPage />;
  else if (path === '/family') page = <FamilyPage />;
  else if (path === '/membership') page = <MembershipPage />;
  else page = <p class="page">{t('not_found_page')}</p>;

  return (
    <div class={`layout${wide ? ' layout-wide' : ''}${staff ? ' layout-staff' : ' layout-neighbour'}`}>
      <a class="skip-link" href="#main">
        {t('skip_to_content')}
      </a>
      <Header path={path} />
      {!online && (
        <div class="offline-banner" role="status">
          {t('offline_banner')}
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {page}
      </main>
      {!staff && path !== '/alert' && <BottomNav path={path} />}
      {!staff && <BroadcastNotifier />}
    </div>
  );
}

function Shell({ children }: { children: preact.ComponentChildren }) {
  return (
    <main id="main" class="shell">
      <div class="shell-lang">
        <LangSwitch />
      </div>
      {children}
    </main>
  );
}

function Forbidden() {
  return <p class="page">{t('forbidden_page')}</p>;
}
