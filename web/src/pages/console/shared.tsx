// Small pieces the console and the responder screen share: labels for unit kinds, unit and
// incident statuses and outcome codes; distances and arrival times; a photo picker that
// uploads through PUT /api/v1/media.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { formatNumber, t, type MessageKey } from '../../i18n';
import { errorText } from '../../components/common';
import { UNIT_GLYPHS, UNIT_STATUS_COLORS } from '../../components/unitIcons';

function keyed(prefix: string, code: string): string {
  const key = `${prefix}${code}` as MessageKey;
  const text = t(key);
  return text === key ? code.replace(/_/g, ' ') : text;
}

export const unitKindLabel = (kind: string) => keyed('dx_unit_kind_', kind);
export const unitStatusLabel = (status: string) => keyed('dx_unit_status_', status);
export const incidentStatusLabel = (status: string) => keyed('dx_incident_status_', status);
export const outcomeLabel = (code: string) => keyed('dx_outcome_', code);

/** A button's or form's action: busy while it runs, its failure as text for a Notice. */
export function useAction(): {
  busy: boolean;
  error: string | null;
  setError: (e: string | null) => void;
  run: (fn: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

export function formatDistance(m: number): string {
  return m < 1000 ? `${formatNumber(m)} m` : `${formatNumber(m / 1000, 1)} km`;
}

export function formatEta(s: number): string {
  if (s < 60) return t('dx_eta_under_minute');
  return t('dx_eta_minutes', { n: Math.round(s / 60) });
}

/** An optional photo: a file input that uploads as soon as one is chosen. */
export function PhotoPicker({
  id,
  mediaId,
  onChange,
}: {
  id: string;
  mediaId: string | null;
  onChange: (mediaId: string | null) => void;
}) {
  const { busy, error, run } = useAction();
  const [name, setName] = useState<string | null>(null);
  function pick(e: Event) {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    onChange(null);
    void run(async () => {
      const r = await api.uploadMedia(file);
      setName(file.name);
      onChange(r.id);
    });
  }
  return (
    <div class="field photo-field">
      <label for={id}>{t('photo')}</label>
      <input id={id} type="file" accept="image/*" capture="environment" onChange={pick} disabled={busy} />
      {busy && <span class="muted small">{t('dx_uploading')}</span>}
      {mediaId && !busy && (
        <span class="muted small" data-testid={`${id}-ready`}>
          {t('dx_photo_attached', { name: name ?? '' })}{' '}
          <button type="button" class="btn btn-small btn-ghost" onClick={() => onChange(null)}>
            {t('photo_remove')}
          </button>
        </span>
      )}
      {error && (
        <span class="error-text small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** The unit's map icon as SVG (decorative: the text beside it names kind and status). */
export function UnitIcon({ kind, status, stale, size = 26 }: { kind: string; status: string; stale: boolean; size?: number }) {
  const glyph = UNIT_GLYPHS[kind];
  return (
    <svg class="unit-icon" viewBox="0 0 36 36" width={size} height={size} aria-hidden="true" focusable="false">
      <circle
        cx="18"
        cy="18"
        r="15"
        fill={stale ? '#8a8f98' : (UNIT_STATUS_COLORS[status] ?? '#1f3b57')}
        stroke="#fff"
        stroke-width="2.5"
        stroke-dasharray={stale ? '4 3' : undefined}
      />
      {glyph && <path d={glyph} fill="#fff" transform="translate(8 8) scale(0.8333)" />}
      {stale && <circle cx="29" cy="7" r="6.5" fill="#b00020" />}
    </svg>
  );
}
