// Small pieces shared by the neighbour app and the console.
import { Icon } from './Icon';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Report } from '../api/client';
import { formatAgo, formatDateTime, formatTime, lang, t, type MessageKey } from '../i18n';
import { categoryLabel } from '../session';

/** The public steps a reporter waits for, in order: sent, "aviso recibido", "carro en
 *  camino", "en el lugar", "cerrado" (the command centre's timeline vocabulary). */
export const PUBLIC_STEPS = ['sent', 'acknowledged', 'en_route', 'on_scene', 'closed'] as const;

const STEP_INDEX: Record<string, number> = {
  received: 0,
  new: 0,
  sent: 0,
  acknowledged: 1,
  contacted: 1,
  dispatched: 1,
  en_route: 2,
  on_scene: 3,
  resolved: 4,
  closed: 4,
};

/** How far a report has got: its own status, its incident's status and public steps. */
export function progressOf(r: Report): { index: number; times: Record<string, string> } {
  let index = STEP_INDEX[r.status] ?? 0;
  const times: Record<string, string> = { sent: r.created_at };
  if (r.incident) {
    index = Math.max(index, STEP_INDEX[r.incident.status] ?? 0);
    for (const s of r.incident.steps) {
      const i = STEP_INDEX[s.kind];
      if (i === undefined) continue;
      index = Math.max(index, i);
      const key = PUBLIC_STEPS[i]!;
      times[key] ??= s.at;
    }
  }
  return { index, times };
}

export function statusLabel(status: string): string {
  const key = `status_${status}` as MessageKey;
  const text = t(key);
  return text === key ? status : text;
}

export function PriorityBadge({ priority }: { priority: number }) {
  return (
    <span class={`badge prio-${priority}`} title={`${t('priority')} ${priority}`}>
      {t('priority_short', { n: priority })}
    </span>
  );
}

export function StatusSteps({ report, withTimes }: { report: Report; withTimes?: boolean }) {
  const { index, times } = progressOf(report);
  return (
    <ol class="steps" aria-label={t('timeline')}>
      {PUBLIC_STEPS.map((s, i) => (
        <li class={i < index ? 'done' : i === index ? 'current' : 'todo'} aria-current={i === index ? 'step' : undefined} key={s}>
          <span class="dot" aria-hidden="true" />
          <span class="step-label">{t(`step_${s}` as MessageKey)}</span>
          {withTimes && times[s] !== undefined && <span class="step-time">{formatTime(times[s]!)}</span>}
        </li>
      ))}
    </ol>
  );
}

/** The incident's public steps, newest last, with their notes and photos. */
export function PublicTimeline({ report }: { report: Report }) {
  const steps = report.incident?.steps ?? [];
  if (steps.length === 0) return null;
  return (
    <ul class="timeline-list">
      {steps.map((s) => (
        <li key={s.id}>
          <div class="timeline-head">
            <strong>{lang() === 'en' ? s.label.en : s.label.es}</strong>
            <time class="muted small">{formatDateTime(s.at)}</time>
          </div>
          {s.note && <p>{s.note}</p>}
          {s.media_id && <MediaImage id={s.media_id} alt={lang() === 'en' ? s.label.en : s.label.es} />}
        </li>
      ))}
    </ul>
  );
}

export function ReportSummary({ r, onClick, selected }: { r: Report; onClick?: () => void; selected?: boolean }) {
  const body = (
    <>
      <div class="report-head">
        <PriorityBadge priority={r.priority} />
        <strong class="report-cat">{categoryLabel(r.category)}</strong>
        <span class={`status status-${r.status}`}>{statusLabel(r.status)}</span>
      </div>
      <div class="report-meta">
        <time dateTime={r.created_at} title={formatDateTime(r.created_at)}>
          {formatAgo(r.created_at)}
        </time>
        {r.address && <span> · {r.address}</span>}
        {r.media.length > 0 && (
          <span class="with-icon">
            {' · '}
            <Icon name="photo" size={14} /> {r.media.length}
          </span>
        )}
      </div>
      {r.description && <p class="report-desc">{r.description}</p>}
    </>
  );
  if (!onClick) return <div class="report-summary">{body}</div>;
  return (
    <button type="button" class={`report-summary clickable${selected ? ' selected' : ''}`} onClick={onClick} aria-pressed={selected}>
      {body}
    </button>
  );
}

/** A media item fetched with the bearer token (an <img src> cannot send it). */
export function MediaImage({ id, alt, unavailable }: { id: string; alt: string; unavailable?: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let revoked = false;
    let made: string | null = null;
    api
      .mediaBlob(id)
      .then((b) => {
        if (revoked) return;
        made = URL.createObjectURL(b);
        setUrl(made);
      })
      .catch(() => setFailed(true));
    return () => {
      revoked = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [id]);
  if (failed) return <p class="muted">{unavailable ?? t('media_unavailable')}</p>;
  if (!url) return <div class="media-placeholder" aria-busy="true" />;
  return <img class="media" src={url} alt={alt} />;
}

export function Notice({ kind, children }: { kind: 'info' | 'error' | 'ok' | 'warn'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function agencyNames(codes: string[]): string {
  return codes
    .map((c) => {
      const key = `agency_${c}` as MessageKey;
      const text = t(key);
      return text === key ? c : text;
    })
    .join(', ');
}

export function errorText(e: unknown): string {
  if (e instanceof Error && 'code' in e) {
    const msg = (e as Error).message;
    return msg || t('error_generic');
  }
  return t('error_network');
}
