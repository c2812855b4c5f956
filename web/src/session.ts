// Who is signed in, the categories, and client-side navigation: small stores with
// subscribe/notify, read through the hooks below so every screen re-renders together.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, NetworkError, storeToken, storedToken, type Category, type Me, type SecondFactor, type User } from './api/client';
import { lang, onLangChange } from './i18n';

type Listener = () => void;

class Store<T> {
  private listeners = new Set<Listener>();
  constructor(private value: T) {}
  get(): T {
    return this.value;
  }
  set(v: T): void {
    this.value = v;
    this.listeners.forEach((l) => l());
  }
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

export function useStore<T>(s: Store<T>): T {
  const [, force] = useState(0);
  useEffect(() => s.subscribe(() => force((n) => n + 1)), [s]);
  return s.get();
}

/** Re-renders the caller when the language changes. */
export function useLang(): string {
  const [, force] = useState(0);
  useEffect(() => onLangChange(() => force((n) => n + 1)), []);
  return lang();
}

// ---- session ----
export const meStore = new Store<Me | null | undefined>(undefined); // undefined = not known yet
/** True while the token is an enrol-only one: staff who must enrol TOTP before anything else. */
export const enrolOnlyStore = new Store<boolean>(false);

export const STAFF_ROLES = ['operator', 'responder', 'analyst', 'admin'];
export function isStaff(me: Me | null | undefined): boolean {
  return !!me && me.roles.some((g) => STAFF_ROLES.includes(g.role));
}
export function hasRole(me: Me | null | undefined, role: string): boolean {
  return !!me && me.roles.some((g) => g.role === role);
}

export async function loadMe(): Promise<void> {
  if (!storedToken()) {
    meStore.set(null);
    return;
  }
  try {
    const me = await api.me();
    meStore.set(me);
    remember(me);
  } catch (e) {
    // A reload in the middle of enrolment: the token still only opens the enrolment page.
    if (e instanceof ApiError && e.code === 'totp_enrollment_required') {
      enrolOnlyStore.set(true);
      meStore.set(null);
      return;
    }
    // Offline start: the phone still knows who signed in, and alerts go to the outbox.
    meStore.set(e instanceof NetworkError ? recalled() : null);
  }
}

const ME_KEY = 'centinela.me';
function remember(me: Me | null): void {
  try {
    if (me) localStorage.setItem(ME_KEY, JSON.stringify(me));
    else localStorage.removeItem(ME_KEY);
  } catch {
    /* not kept */
  }
}
function recalled(): Me | null {
  try {
    const text = localStorage.getItem(ME_KEY);
    return text ? (JSON.parse(text) as Me) : null;
  } catch {
    return null;
  }
}

/**
 * Signs in (with a second factor when given). An enrol-only answer keeps its token for the
 * enrolment page and reports `enrolmentOnly`; /me is not open to such a token, so `me` is
 * then the account of the sign-in answer (a User: no `staff`, no grants-derived fields).
 */
export async function signIn(
  login: string,
  password: string,
  factor: SecondFactor = {},
): Promise<{ me: User; enrolmentOnly: true } | { me: Me; enrolmentOnly: false }> {
  const r = await api.login(login, password, factor);
  storeToken(r.token);
  if (r.totp_enrollment_required) {
    enrolOnlyStore.set(true);
    return { me: r.user, enrolmentOnly: true };
  }
  enrolOnlyStore.set(false);
  const me = await api.me();
  meStore.set(me);
  remember(me);
  return { me, enrolmentOnly: false };
}

export async function signOut(): Promise<void> {
  try {
    await api.logout();
  } catch {
    /* the token is dropped anyway */
  }
  storeToken(null);
  remember(null);
  enrolOnlyStore.set(false);
  meStore.set(null);
  navigate('/login');
}

// ---- categories ----
// Kept in localStorage too, so the alert flow works when the app starts offline.
const CATEGORIES_KEY = 'centinela.categories';
function cachedCategories(): Category[] {
  try {
    const text = localStorage.getItem(CATEGORIES_KEY);
    return text ? (JSON.parse(text) as Category[]) : [];
  } catch {
    return [];
  }
}
export const categoriesStore = new Store<Category[]>(cachedCategories());
export async function loadCategories(): Promise<void> {
  try {
    const list = (await api.categories()).categories;
    categoriesStore.set(list);
    localStorage.setItem(CATEGORIES_KEY, JSON.stringify(list));
  } catch {
    /* kept as they were */
  }
}
export function categoryLabel(code: string): string {
  const c = categoriesStore.get().find((x) => x.code === code);
  if (!c) return code.replace(/_/g, ' ');
  return lang() === 'en' ? c.labels.en : c.labels.es;
}

// ---- navigation ----
export const routeStore = new Store<string>(location.pathname);
window.addEventListener('popstate', () => routeStore.set(location.pathname));

export function navigate(path: string): void {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  routeStore.set(path);
  window.scrollTo(0, 0);
}

/** An <a> click handler that navigates without reloading. */
export function linkTo(path: string) {
  return (e: MouseEvent) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(path);
  };
}
