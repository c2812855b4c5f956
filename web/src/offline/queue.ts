// The outbox: alerts made on the phone wait here (IndexedDB, so they survive a closed tab
// or a restarted phone) until the server has them. Each carries the Idempotency-Key made
// when the neighbour pressed send, so a retry after a lost answer never duplicates it;
// the photo is uploaded first and its media id kept, so it is not uploaded twice either.
import { api, ApiError, NetworkError, type NewReport, type Report } from '../api/client';

export interface QueuedAlert {
  key: string; // Idempotency-Key, also the record's primary key
  report: NewReport;
  photo?: Blob;
  mediaId?: string;
  createdMs: number;
  attempts: number;
  lastError?: string;
}

const DB_NAME = 'centinela';
const STORE = 'outbox';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'key' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const r = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(r.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export const outbox = {
  put: (a: QueuedAlert) => tx('readwrite', (s) => s.put(a)),
  remove: (key: string) => tx('readwrite', (s) => s.delete(key)),
  all: async (): Promise<QueuedAlert[]> => {
    const list = (await tx('readonly', (s) => s.getAll())) as QueuedAlert[];
    return list.sort((a, b) => a.createdMs - b.createdMs);
  },
};

const listeners = new Set<() => void>();
export function onOutboxChange(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
function changed(): void {
  listeners.forEach((l) => l());
}

/** Sends one queued alert. Resolves with the report, or null when it must wait (offline). */
async function sendOne(a: QueuedAlert): Promise<Report | null> {
  try {
    if (a.photo && !a.mediaId) {
      const media = await api.uploadMedia(a.photo);
      a.mediaId = media.id;
      await outbox.put(a);
    }
    const body: NewReport = { ...a.report };
    if (a.mediaId) body.media = [a.mediaId];
    const report = await api.createReport(body, a.key);
    await outbox.remove(a.key);
    return report;
  } catch (e) {
    a.attempts += 1;
    a.lastError = e instanceof Error ? e.message : String(e);
    if (e instanceof NetworkError || (e instanceof ApiError && (e.status >= 500 || e.status === 429 || e.status === 401))) {
      await outbox.put(a);
      return null;
    }
    // Refused for good (422, 403...): keep it out of the retry loop, but tell the caller.
    await outbox.remove(a.key);
    throw e;
  }
}

// Every send runs in this one chain, so an alert is never in flight twice (the photo
// would be uploaded twice and the second POST would carry another media id).
let chain: Promise<unknown> = Promise.resolve();
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.then(fn, fn);
  chain = next.catch(() => undefined);
  return next;
}

/** Sends every waiting alert, oldest first. */
export function flushOutbox(): Promise<void> {
  return serial(async () => {
    try {
      for (const a of await outbox.all()) {
        try {
          const r = await sendOne(a);
          if (r === null) break; // still offline: keep the order, try later
        } catch {
          /* refused: dropped from the queue */
        }
      }
    } finally {
      changed();
    }
  });
}

/** Queues an alert and tries to send it now. */
export async function submitAlert(
  report: NewReport,
  photo: Blob | undefined,
): Promise<{ report: Report | null; key: string }> {
  const a: QueuedAlert = { key: newIdempotencyKey(), report, createdMs: Date.now(), attempts: 0 };
  if (photo) a.photo = photo;
  await outbox.put(a);
  changed();
  if (!navigator.onLine) return { report: null, key: a.key };
  const sent = await serial(() => sendOne(a));
  changed();
  return { report: sent, key: a.key };
}

let started = false;
/** Retries when the browser says it is back online, and every 15 s while anything waits. */
export function startOutbox(): void {
  if (started) return;
  started = true;
  window.addEventListener('online', () => void flushOutbox());
  window.setInterval(() => {
    if (navigator.onLine) void flushOutbox();
  }, 15000);
  void flushOutbox();
}
