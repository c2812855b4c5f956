// The broadcast composer's map (loaded on demand, like components/MapView): the area
// outlines, the chosen areas filled, and a polygon drawn by clicking vertices. Picking an
// area clicks its innermost shape; drawing adds a vertex where the map is clicked (or, from
// the keyboard, at the map's centre through the composer's button).
import { useEffect, useRef, useState } from 'preact/hooks';
import maplibregl, { type GeoJSONSource } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { t } from '../i18n';
import { addAreaLabels, areaShapes, boundsOf, clientConfig, createMap } from '../map/shared';

export type MapMode = 'pick' | 'draw';

export interface BroadcastMapProps {
  label: string;
  mode: MapMode;
  selected: string[];
  onToggleArea: (code: string) => void;
  vertices: Array<[number, number]>; // [lon, lat]
  closed: boolean;
  onAddVertex: (lonLat: [number, number]) => void;
  /** Gets a function that returns the map's centre (for the keyboard's "add vertex"). */
  centreRef?: { current: (() => [number, number] | null) | null };
}

const KIND_RANK: Record<string, number> = { region: 0, precinct: 1, sector: 2, neighbourhood: 3 };

function drawing(vertices: Array<[number, number]>, closed: boolean): GeoJSON.FeatureCollection {
  const features: GeoJSON.Feature[] = vertices.map((v, i) => ({
    type: 'Feature',
    properties: { n: i + 1 },
    geometry: { type: 'Point', coordinates: v },
  }));
  if (vertices.length >= 2) {
    const ring = closed ? [...vertices, vertices[0]!] : vertices;
    features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: ring } });
  }
  if (closed && vertices.length >= 3) {
    features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...vertices, vertices[0]!]] } });
  }
  return { type: 'FeatureCollection', features };
}

export function BroadcastMapImpl(props: BroadcastMapProps) {
  const box = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState(false);
  const live = useRef(props);
  live.current = props;

  useEffect(() => {
    let cancelled = false;
    let map: maplibregl.Map | null = null;
    const labels: maplibregl.Marker[] = [];
    void Promise.all([clientConfig(), areaShapes()]).then(([cfg, areas]) => {
      if (cancelled || !box.current) return;
      map = createMap(box.current, cfg, { center: [-70.645, -33.52], zoom: 11 });
      if (!map) {
        setFailed(true);
        return;
      }
      mapRef.current = map;
      if (live.current.centreRef) {
        live.current.centreRef.current = () => {
          const c = mapRef.current?.getCenter();
          return c ? [c.lng, c.lat] : null;
        };
      }
      map.on('load', () => {
        const m = map!;
        const b = boundsOf(areas, (kind) => kind !== 'region');
        if (b) m.fitBounds(b, { padding: 20, duration: 0 });
        m.addSource('bc-areas', { type: 'geojson', data: areas as unknown as GeoJSON.FeatureCollection, promoteId: 'code' });
        m.addLayer({
          id: 'bc-areas-fill',
          type: 'fill',
          source: 'bc-areas',
          filter: ['!=', ['get', 'kind'], 'region'],
          paint: {
            'fill-color': ['case', ['boolean', ['feature-state', 'selected'], false], '#d35400', '#1f5fa8'],
            'fill-opacity': ['case', ['boolean', ['feature-state', 'selected'], false], 0.35, 0.04],
          },
        });
        m.addLayer({
          id: 'bc-areas-line',
          type: 'line',
          source: 'bc-areas',
          filter: ['!=', ['get', 'kind'], 'region'],
          paint: { 'line-color': '#1f3b57', 'line-width': 1.2, 'line-opacity': 0.7 },
        });
        labels.push(...addAreaLabels(m, areas));
        m.addSource('bc-draw', { type: 'geojson', data: drawing(live.current.vertices, live.current.closed) });
        m.addLayer({ id: 'bc-draw-fill', type: 'fill', source: 'bc-draw', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#b00020', 'fill-opacity': 0.2 } });
        m.addLayer({ id: 'bc-draw-line', type: 'line', source: 'bc-draw', filter: ['==', ['geometry-type'], 'LineString'], paint: { 'line-color': '#b00020', 'line-width': 2.5, 'line-dasharray': [2, 1] } });
        m.addLayer({
          id: 'bc-draw-points',
          type: 'circle',
          source: 'bc-draw',
          filter: ['==', ['geometry-type'], 'Point'],
          paint: { 'circle-color': '#b00020', 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 },
        });
        m.on('click', (e) => {
          const p = live.current;
          if (p.mode === 'draw') {
            if (!p.closed) p.onAddVertex([e.lngLat.lng, e.lngLat.lat]);
            return;
          }
          const hits = m.queryRenderedFeatures(e.point, { layers: ['bc-areas-fill'] });
          let best: { code: string; rank: number } | null = null;
          for (const h of hits) {
            const code = h.properties?.code;
            const rank = KIND_RANK[String(h.properties?.kind)] ?? 0;
            if (typeof code === 'string' && (!best || rank > best.rank)) best = { code, rank };
          }
          if (best) p.onToggleArea(best.code);
        });
        m.getCanvas().style.cursor = 'crosshair';
        setReady(true);
      });
    });
    return () => {
      cancelled = true;
      labels.forEach((l) => l.remove());
      map?.remove();
      mapRef.current = null;
    };
  }, []);

  const shown = useRef<Set<string>>(new Set());
  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m) return;
    const next = new Set(props.selected);
    for (const code of shown.current) if (!next.has(code)) m.setFeatureState({ source: 'bc-areas', id: code }, { selected: false });
    for (const code of next) m.setFeatureState({ source: 'bc-areas', id: code }, { selected: true });
    shown.current = next;
  }, [ready, props.selected.join(',')]);

  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m) return;
    (m.getSource('bc-draw') as GeoJSONSource | undefined)?.setData(drawing(props.vertices, props.closed));
  }, [ready, props.vertices, props.closed]);

  return (
    <div class="map bc-map" role="region" aria-label={props.label} data-testid="broadcast-map" data-ready={ready ? 'true' : 'false'}>
      <div ref={box} class="map-canvas" />
      {failed && <p class="map-failed">{t('map_unavailable')}</p>}
    </div>
  );
}
