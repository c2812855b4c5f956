// The map, loaded on demand: MapLibre is most of the app's weight, and the sign-in screen,
// the alert button and the lists do not need it. Screens import MapView from here; the
// real component (./MapView.tsx) arrives in its own chunk the first time a map is shown.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import type { MapProps } from './MapView';

export const DEFAULT_CENTER: [number, number] = [-70.645, -33.52]; // Santiago, South Precinct

export interface MapPoint {
  id: string;
  lat: number;
  lon: number;
  priority: number;
  label?: string;
}

let loaded: ComponentType<MapProps> | null = null;
let loading: Promise<ComponentType<MapProps>> | null = null;

function load(): Promise<ComponentType<MapProps>> {
  loading ??= import('./MapView').then((m) => (loaded = m.MapViewImpl));
  return loading;
}

/** Fetches the map chunk while the phone is idle (so the service worker keeps it for
 *  offline use) without holding up the first screen. */
export function preloadMap(): void {
  const start = () =>
    void load().catch(() => {
      loading = null;
    });
  if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(start, { timeout: 5000 });
  else setTimeout(start, 2000);
}

export function MapView(props: MapProps) {
  const [Impl, setImpl] = useState<ComponentType<MapProps> | null>(() => loaded);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (Impl) return;
    load().then((c) => setImpl(() => c)).catch(() => {
      loading = null; // offline before the map was ever loaded: try again next time
      setFailed(true);
    });
  }, []);
  if (!Impl) {
    return (
      <div class={`map ${props.class ?? ''}`} role="region" aria-label={props.label} aria-busy={!failed}>
        {failed && <p class="map-failed">{t('map_unavailable')}</p>}
      </div>
    );
  }
  return <Impl {...props} />;
}
