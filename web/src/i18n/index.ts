// Spanish first, English second. The language comes from the stored choice, else the
// browser's; dates and numbers use Intl in that language (es-CL / en-GB style).
import { es } from './es';
import { en } from './en';

export type Lang = 'es' | 'en';
export type MessageKey = keyof typeof es;

const STORAGE_KEY = 'centinela.lang';
const dictionaries: Record<Lang, Record<MessageKey, string>> = { es, en };

function initialLang(): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'es' || stored === 'en') return stored;
  } catch {
    /* storage blocked: fall through */
  }
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'es';
  return nav.toLowerCase().startsWith('en') ? 'en' : 'es';
}

let current: Lang = initialLang();
const listeners = new Set<() => void>();

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    /* not stored: still switched for this page */
  }
  document.documentElement.lang = next;
  listeners.forEach((l) => l());
}

export function onLangChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The message for `key`, with {name} placeholders filled from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  let text = dictionaries[current][key] ?? es[key] ?? key;
  if (params) {
    for (const [k, v] of Object.entries(params)) {
      const shown = typeof v === 'number' ? formatNumber(v) : v;
      text = text.split(`{${k}}`).join(shown);
    }
  }
  return text;
}

function locale(): string {
  return current === 'es' ? 'es-CL' : 'en-GB';
}

export function formatNumber(n: number, digits = 0): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);
}

export function formatDateTime(ms: number | string): string {
  const d = typeof ms === 'number' ? new Date(ms) : new Date(ms);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatTime(ms: number | string): string {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
}

/** "hace 3 minutos" / "3 minutes ago". */
export function formatAgo(ms: number | string, now = Date.now()): string {
  const then = typeof ms === 'number' ? ms : Date.parse(ms);
  const seconds = Math.round((then - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86400), 'day');
}

document.documentElement.lang = current;
