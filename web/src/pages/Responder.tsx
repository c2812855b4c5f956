// The responder's phone screen: my unit, its current call (what, where, how urgent), and
// one big button for the next move — accept, en route, on scene (with an optional photo
// and a public note for the person who called), available again. A new assignment arrives
// on the stream (unit.assigned) with a visible banner and a vibration.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { dispatchApi, priorityNumber, type Unit } from '../api/dispatch';
import { Notice, PriorityBadge } from '../components/common';
import { MapView } from '../components/Map';
import { formatAgo, formatDateTime, t } from '../i18n';
import { LiveStream, type StreamState } from '../realtime/stream';
import { categoryLabel } from '../session';
import { PhotoPicker, useAction, incidentStatusLabel, unitKindLabel, unitStatusLabel } from './console/shared';
import './console/console.css';

export function ResponderPage() {
  const [units, setUnits] = useState<Unit[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [state, setState] = useState<StreamState>('connecting');
  const [incoming, setIncoming] = useState(false);
  const busy = useRef(false);

  const reload = useCallback(() => {
    if (busy.current) return;
    busy.current = true;
    dispatchApi
      .myUnits()
      .then((r) => {
        setUnits(r.units);
        setFailed(false);
      })
      .catch(() => setFailed(true))
      .finally(() => (busy.current = false));
  }, []);

  useEffect(() => {
    const s = new LiveStream({
      onEvent: (e) => {
        if (e.type === 'unit.assigned') {
          setIncoming(true);
          try {
            navigator.vibrate?.([300, 150, 300]);
          } catch {
            /* no vibration on this device */
          }
        }
        if (e.type.startsWith('unit.') || e.type.startsWith('incident.')) reload();
      },
      onRefetch: reload,
      onPoll: reload,
      onState: setState,
      pollMs: 5000,
    });
    reload();
    s.start();
    return () => s.stop();
  }, [reload]);

  return (
    <section class="page responder" aria-labelledby="responder-title">
      <div class="section-head">
        <h1 id="responder-title">{t('dx_my_unit')}</h1>
        <span class={`live-state ${state}`} role="status">
          <span class="dot" aria-hidden="true" />
          {state === 'live' ? t('live') : state === 'polling' ? t('dx_updating') : t('connecting')}
        </span>
      </div>
      {incoming && (
        <div class="p1-alarm responder-alarm" role="alert">
          <strong>{t('dx_new_assignment')}</strong>
          <button type="button" class="btn btn-small btn-ghost" onClick={() => setIncoming(false)} aria-label={t('close')}>
            ✕
          </button>
        </div>
      )}
      {units === null ? (
        <p class="muted">{failed ? t('error_network') : t('loading')}</p>
      ) : units.length === 0 ? (
        <Notice kind="info">{t('dx_no_unit')}</Notice>
      ) : (
        units.map((u) => <UnitCard key={u.id} unit={u} onChanged={() => {
          setIncoming(false);
          reload();
        }} />)
      )}
    </section>
  );
}

function UnitCard({ unit: u, onChanged }: { unit: Unit; onChanged: () => void }) {
  const { busy, error, run } = useAction();
  const [note, setNote] = useState('');
  const [media, setMedia] = useState<string | null>(null);
  const job = u.assignment ?? null;

  const act = (fn: () => Promise<unknown>) =>
    run(async () => {
      await fn();
      setNote('');
      setMedia(null);
      onChanged();
    });
  const move = (to: 'en_route' | 'on_scene' | 'available' | 'out_of_service', withStep = false) =>
    act(() =>
      dispatchApi.moveUnit(u.id, to, withStep ? { ...(note.trim() ? { note: note.trim() } : {}), ...(media ? { media_id: media } : {}) } : {}),
    );

  return (
    <article class="card unit-card" data-unit-id={u.id} data-unit-status={u.status} aria-labelledby={`unit-${u.id}`}>
      <div class="report-head">
        <h2 id={`unit-${u.id}`} class="unit-callsign">
          {u.callsign}
        </h2>
        <span class="muted">{unitKindLabel(u.kind)}</span>
        <span class={`unit-status unit-${u.status}`} data-testid="unit-status">
          {unitStatusLabel(u.status)}
        </span>
      </div>
      {u.stale && <p class="stale-tag">{t('dx_stale_long')}</p>}

      {job ? (
        <section class="assignment" aria-labelledby={`job-${u.id}`} data-incident-id={job.incident_id}>
          <h3 id={`job-${u.id}`}>{t('dx_current_assignment')}</h3>
          <p class="assignment-head">
            <PriorityBadge priority={priorityNumber(job.priority)} /> <strong>{categoryLabel(job.category)}</strong>{' '}
            <span class="muted small">· {incidentStatusLabel(job.status)}</span>
          </p>
          <dl class="facts">
            {job.address && (
              <>
                <dt>{t('address')}</dt>
                <dd>{job.address}</dd>
              </>
            )}
            <dt>GPS</dt>
            <dd>
              <a href={`geo:${job.lat},${job.lon}`}>
                {job.lat.toFixed(5)}, {job.lon.toFixed(5)}
              </a>
            </dd>
            {job.assigned_at && (
              <>
                <dt>{t('dx_assigned')}</dt>
                <dd>
                  <time dateTime={job.assigned_at} title={formatDateTime(job.assigned_at)}>
                    {formatAgo(job.assigned_at)}
                  </time>
                </dd>
              </>
            )}
          </dl>
          {job.description && <p class="detail-desc">{job.description}</p>}
          <MapView
            label={t('dx_assignment_map')}
            class="map-responder"
            center={[job.lon, job.lat]}
            zoom={15}
            points={[{ id: job.incident_id, lat: job.lat, lon: job.lon, priority: priorityNumber(job.priority) }]}
            units={u.position ? [{ id: u.id, lat: u.position.lat, lon: u.position.lon, kind: u.kind, status: u.status, stale: u.stale, callsign: u.callsign }] : []}
          />
        </section>
      ) : (
        <p class="muted">{u.status === 'out_of_service' ? t('dx_out_of_service_hint') : t('dx_no_assignment')}</p>
      )}

      {error && <Notice kind="error">{error}</Notice>}
      <div class="responder-actions">
        {u.status === 'assigned' && job && !job.accepted_at && (
          <button type="button" class="btn btn-primary btn-big btn-block" disabled={busy} onClick={() => void act(() => dispatchApi.accept(u.id))} data-testid="accept">
            {t('dx_accept')}
          </button>
        )}
        {u.status === 'assigned' && (!job || job.accepted_at) && (
          <button type="button" class="btn btn-primary btn-big btn-block" disabled={busy} onClick={() => void move('en_route')} data-testid="en-route">
            {t('dx_go_en_route')}
          </button>
        )}
        {u.status === 'en_route' && (
          <form
            class="form on-scene-form"
            onSubmit={(e) => {
              e.preventDefault();
              void move('on_scene', true);
            }}
          >
            <label for={`scene-note-${u.id}`}>{t('dx_public_note')}</label>
            <textarea id={`scene-note-${u.id}`} rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} placeholder={t('dx_public_note_placeholder')} />
            <PhotoPicker id={`scene-photo-${u.id}`} mediaId={media} onChange={setMedia} />
            <button type="submit" class="btn btn-primary btn-big btn-block" disabled={busy} data-testid="on-scene">
              {t('dx_go_on_scene')}
            </button>
          </form>
        )}
        {u.status === 'on_scene' && (
          <button type="button" class="btn btn-primary btn-big btn-block" disabled={busy} onClick={() => void move('available')} data-testid="available">
            {t('dx_go_available')}
          </button>
        )}
        {(u.status === 'assigned' || u.status === 'en_route') && (
          <button type="button" class="btn btn-ghost btn-block" disabled={busy} onClick={() => void move('available')}>
            {t('dx_release')}
          </button>
        )}
        {u.status === 'available' && (
          <button type="button" class="btn btn-block" disabled={busy} onClick={() => void move('out_of_service')}>
            {t('dx_go_out_of_service')}
          </button>
        )}
        {u.status === 'out_of_service' && (
          <button type="button" class="btn btn-primary btn-big btn-block" disabled={busy} onClick={() => void move('available')} data-testid="available">
            {t('dx_go_available')}
          </button>
        )}
      </div>
    </article>
  );
}
