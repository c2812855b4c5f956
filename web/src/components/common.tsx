// Small pieces shared by the neighbour app and the console.
import { Icon } from './Icon';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Report } from '../api/client';
import { formatAgo, formatDateTime, t, type MessageKey } from '../i18n';
import { categoryLabel } from '../session';

/** The public steps a reporter sees, in order ("aviso recibido" … "cerrado"). */
export const PUBLIC_STEPS = ['received', 'acknowledged', 'dispatched', 'on_scene', 'closed'] as const;

const STEP_OF_STATUS: Record<string, number> = {
  received: 0,
  new: 0,
  acknowledged: 1,
  dispatched: 2,
  en_route: 2,
  on_scene: 3,
  resolved: 4,
  closed: 4,
};

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

export function StatusSteps({ status, times }: { status: string; times?: Record<string, string | number> }) {
  const at = STEP_OF_STATUS[status] ?? 0;
  return (
    <ol class="steps" aria-label={t('timeline')}>
      {PUBLIC_STEPS.map((s, i) => (
        <li class={i < at ? 'done' : i === at ? 'current' : 'todo'} aria-current={i === at ? 'step' : undefined} key={s}>
          <span class="dot" aria-hidden="true" />
          <span class="step-label">{statusLabel(s)}</span>
          {times?.[s] !== undefined && <span class="step-time">{formatDateTime(times[s]!)}</span>}
        </li>
      ))}
    </ol>
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

export function errorText(e: unknown): string {
  if (e instanceof Error && 'code' in e) {
    const msg = (e as Error).message;
    return msg || t('error_generic');
  }
  return t('error_network');
}
