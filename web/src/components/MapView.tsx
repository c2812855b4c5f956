// One MapLibre map for every screen (loaded on demand through ./Map.tsx): the basemap from GET /api/v1/config/client (raster
// tiles), or, with none (an offline machine), a plain background with the area outlines
// and their names. Points are clustered when asked; labels are HTML markers so no glyph
// server is needed. Where WebGL is missing the map says so and the lists still work.
import { useEffect, useRef, useState } from 'preact/hooks';
import maplibregl, { type GeoJSONSource } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import './MapView.css';
import { t } from '../i18n';
import { addAreaLabels, areaShapes, boundsOf, clientConfig, createMap } from '../map/shared';
import { DEFAULT_CENTER, type MapPoint } from './Map';
import { UNIT_GLYPHS, UNIT_STATUS_COLORS } from './unitIcons';

export interface MapProps {
  label: string;
  center?: [number, number]; // [lon, lat]
  zoom?: number;
  points?: MapPoint[];
  cluster?: boolean;
  selectedId?: string | null;
  onSelect?: (id: string) => void;
  /** A draggable pin; the map also moves it where the user clicks. */
  pin?: [number, number] | null;
  onPinMove?: (lonLat: [number, number]) => void;
  showAreas?: boolean;
  class?: string;
  /** Units drawn with an icon by kind and status (stale ones faded and marked), clustered
   *  when zoomed out. */
  units?: MapUnit[];
  selectedUnitId?: string | null;
  onSelectUnit?: (id: string) => void;
  /** A unit's trail, [lon, lat] points oldest first. */
  trail?: Array<[number, number]> | null;
  /** Any click on the map (e.g. the call-taker placing the call). */
  onMapClick?: (lonLat: [number, number]) => void;
}

export interface MapUnit {
  id: string;
  lat: number;
  lon: number;
  kind: string;
  status: string;
  stale: boolean;
  callsign: string;
}

function unitIconId(u: MapUnit): string {
  return `unit|${u.kind}|${u.status}|${u.stale ? 1 : 0}`;
}

/** A unit's icon as pixels: a disc in the status colour with the kind's glyph; a stale
 *  unit is faded with a dashed ring and a "?" badge. */
function drawUnitIcon(id: string): { width: number; height: number; data: Uint8ClampedArray } | null {
  const [, kind = '', status = '', stale = '0'] = id.split('|');
  const size = 36;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const g = canvas.getContext('2d');
  if (!g) return null;
  const isStale = stale === '1';
  g.globalAlpha = isStale ? 0.6 : 1;
  g.beginPath();
  g.arc(18, 18, 15, 0, Math.PI * 2);
  g.fillStyle = isStale ? '#8a8f98' : (UNIT_STATUS_COLORS[status] ?? '#1f3b57');
  g.fill();
  g.lineWidth = 2.5;
  g.strokeStyle = '#ffffff';
  if (isStale) g.setLineDash([4, 3]);
  g.stroke();
  g.setLineDash([]);
  g.globalAlpha = 1;
  const glyph = UNIT_GLYPHS[kind];
  if (glyph) {
    g.save();
    g.translate(8, 8);
    g.scale(20 / 24, 20 / 24);
    g.fillStyle = '#ffffff';
    g.fill(new Path2D(glyph));
    g.restore();
  }
  if (isStale) {
    g.beginPath();
    g.arc(29, 7, 6.5, 0, Math.PI * 2);
    g.fillStyle = '#b00020';
    g.fill();
    g.fillStyle = '#ffffff';
    g.font = 'bold 10px sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText('?', 29, 7.5);
  }
  const img = g.getImageData(0, 0, size, size);
  return { width: size, height: size, data: img.data };
}

function unitsGeoJson(units: MapUnit[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: units.map((u) => ({
      type: 'Feature',
      properties: { id: u.id, icon: unitIconId(u), status: u.status, stale: u.stale, callsign: u.callsign },
      geometry: { type: 'Point', coordinates: [u.lon, u.lat] },
    })),
  };
}

function trailGeoJson(trail: Array<[number, number]> | null | undefined): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features:
      trail && trail.length > 0
        ? [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: trail } }]
        : [],
  };
}

export const PRIORITY_COLORS = ['#b00020', '#d35400', '#b7950b', '#2e7d32'];

function pointsGeoJson(points: MapPoint[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: points.map((p) => ({
      type: 'Feature',
      properties: { id: p.id, priority: p.priority },
      geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
    })),
  };
}

export function MapViewImpl(props: MapProps) {
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const pinRef = useRef<maplibregl.Marker | null>(null);
  const clusterMarkers = useRef<Map<string, maplibregl.Marker>>(new Map());
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState(false);
  const propsRef = useRef(props);
  propsRef.current = props;

  useEffect(() => {
    let map: maplibregl.Map | null = null;
    let cancelled = false;
    const labels: maplibregl.Marker[] = [];
    void clientConfig().then((cfg) => {
      if (cancelled || !container.current) return;
      map = createMap(container.current, cfg, { center: props.center ?? DEFAULT_CENTER, zoom: props.zoom ?? 11 });
      if (!map) {
        setFailed(true);
        return;
      }
      mapRef.current = map;
      map.on('load', () => {
        const m = map!;
        if (props.showAreas !== false) {
          void areaShapes().then((fc) => {
            if (cancelled) return;
            m.addSource('areas', { type: 'geojson', data: fc as unknown as GeoJSON.FeatureCollection });
            const before = m.getLayer('clusters') ? 'clusters' : undefined;
            m.addLayer({ id: 'areas-fill', type: 'fill', source: 'areas', paint: { 'fill-color': '#1f5fa8', 'fill-opacity': 0.05 } }, before);
            m.addLayer({ id: 'areas-line', type: 'line', source: 'areas', paint: { 'line-color': '#1f5fa8', 'line-width': 1.5, 'line-opacity': 0.7 } }, before);
            // Without a given centre, show every area this account may see.
            if (!propsRef.current.center && !propsRef.current.pin) {
              const b = boundsOf(fc);
              if (b) m.fitBounds(b, { padding: 24, duration: 0 });
            }
            labels.push(...addAreaLabels(m, fc));
          });
        }
        m.addSource('points', {
          type: 'geojson',
          data: pointsGeoJson(propsRef.current.points ?? []),
          cluster: !!props.cluster,
          clusterRadius: 45,
          clusterMaxZoom: 14,
        });
        m.addLayer({
          id: 'clusters',
          type: 'circle',
          source: 'points',
          filter: ['has', 'point_count'],
          paint: {
            'circle-color': '#1f3b57',
            'circle-opacity': 0.85,
            'circle-radius': ['step', ['get', 'point_count'], 16, 10, 22, 50, 28],
            'circle-stroke-width': 2,
            'circle-stroke-color': '#ffffff',
          },
        });
        m.addLayer({
          id: 'points',
          type: 'circle',
          source: 'points',
          filter: ['!', ['has', 'point_count']],
          paint: {
            'circle-color': ['match', ['get', 'priority'], 1, PRIORITY_COLORS[0]!, 2, PRIORITY_COLORS[1]!, 3, PRIORITY_COLORS[2]!, PRIORITY_COLORS[3]!],
            'circle-radius': 8,
            'circle-stroke-width': 2,
            'circle-stroke-color': '#ffffff',
          },
        });
        m.on('click', 'points', (e) => {
          const id = e.features?.[0]?.properties?.id;
          if (typeof id === 'string') propsRef.current.onSelect?.(id);
        });
        m.on('click', 'clusters', (e) => {
          const f = e.features?.[0];
          if (!f) return;
          const src = m.getSource('points') as GeoJSONSource;
          void src.getClusterExpansionZoom(f.properties?.cluster_id as number).then((z) => {
            m.easeTo({ center: (f.geometry as GeoJSON.Point).coordinates as [number, number], zoom: z });
          });
        });
        // Units: icons made on demand for each kind/status/stale combination.
        m.on('styleimagemissing', (e) => {
          if (!e.id.startsWith('unit|') || m.hasImage(e.id)) return;
          const img = drawUnitIcon(e.id);
          if (img) m.addImage(e.id, img, { pixelRatio: 1.2 });
        });
        m.addSource('trail', { type: 'geojson', data: trailGeoJson(propsRef.current.trail) });
        m.addLayer({
          id: 'trail',
          type: 'line',
          source: 'trail',
          layout: { 'line-cap': 'round', 'line-join': 'round' },
          paint: { 'line-color': '#0b3d91', 'line-width': 3.5, 'line-opacity': 0.85, 'line-dasharray': [2, 1] },
        });
        m.addSource('units', {
          type: 'geojson',
          data: unitsGeoJson(propsRef.current.units ?? []),
          cluster: true,
          clusterRadius: 40,
          clusterMaxZoom: 13,
        });
        m.addLayer({
          id: 'unit-clusters',
          type: 'circle',
          source: 'units',
          filter: ['has', 'point_count'],
          paint: {
            'circle-color': '#00695c',
            'circle-opacity': 0.9,
            'circle-radius': ['step', ['get', 'point_count'], 15, 10, 20, 50, 26],
            'circle-stroke-width': 2,
            'circle-stroke-color': '#ffffff',
          },
        });
        m.addLayer({
          id: 'units',
          type: 'symbol',
          source: 'units',
          filter: ['!', ['has', 'point_count']],
          layout: {
            'icon-image': ['get', 'icon'],
            'icon-size': ['case', ['==', ['get', 'id'], propsRef.current.selectedUnitId ?? ''], 1.35, 1],
            'icon-allow-overlap': true,
            'icon-ignore-placement': true,
          },
        });
        m.on('click', 'units', (e) => {
          const id = e.features?.[0]?.properties?.id;
          if (typeof id === 'string') propsRef.current.onSelectUnit?.(id);
        });
        m.on('click', 'unit-clusters', (e) => {
          const f = e.features?.[0];
          if (!f) return;
          const src = m.getSource('units') as GeoJSONSource;
          void src.getClusterExpansionZoom(f.properties?.cluster_id as number).then((z) => {
            m.easeTo({ center: (f.geometry as GeoJSON.Point).coordinates as [number, number], zoom: z });
          });
        });
        for (const layer of ['points', 'clusters', 'units', 'unit-clusters']) {
          m.on('mouseenter', layer, () => (m.getCanvas().style.cursor = 'pointer'));
          m.on('mouseleave', layer, () => (m.getCanvas().style.cursor = ''));
        }
        m.on('click', (e) => {
          if (propsRef.current.onPinMove && pinRef.current) {
            pinRef.current.setLngLat(e.lngLat);
            propsRef.current.onPinMove([e.lngLat.lng, e.lngLat.lat]);
          }
          propsRef.current.onMapClick?.([e.lngLat.lng, e.lngLat.lat]);
        });
        // Cluster counts as HTML markers (no glyphs offline), for the alerts and the units.
        const refresh = () => {
          const seen = new Set<string>();
          for (const source of ['points', 'units']) {
            for (const f of m.querySourceFeatures(source)) {
              const p = f.properties as { cluster?: boolean; cluster_id?: number; point_count?: number };
              if (!p.cluster || p.cluster_id === undefined) continue;
              const key = `${source}:${p.cluster_id}`;
              if (seen.has(key)) continue;
              seen.add(key);
              let mk = clusterMarkers.current.get(key);
              if (!mk) {
                const el = document.createElement('div');
                el.className = `map-cluster-count${source === 'units' ? ' map-cluster-units' : ''}`;
                el.setAttribute('aria-hidden', 'true');
                mk = new maplibregl.Marker({ element: el }).setLngLat((f.geometry as GeoJSON.Point).coordinates as [number, number]);
                clusterMarkers.current.set(key, mk);
              }
              mk.getElement().textContent = String(p.point_count ?? '');
              mk.setLngLat((f.geometry as GeoJSON.Point).coordinates as [number, number]).addTo(m);
            }
          }
          for (const [id, mk] of clusterMarkers.current) {
            if (!seen.has(id)) {
              mk.remove();
              clusterMarkers.current.delete(id);
            }
          }
        };
        m.on('moveend', refresh);
        m.on('sourcedata', (e) => {
          if ((e.sourceId === 'points' || e.sourceId === 'units') && e.isSourceLoaded) refresh();
        });
        setReady(true);
      });
    });
    return () => {
      cancelled = true;
      labels.forEach((l) => l.remove());
      clusterMarkers.current.forEach((m) => m.remove());
      clusterMarkers.current.clear();
      map?.remove();
      mapRef.current = null;
    };
    // The map is made once; later prop changes are applied by the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m) return;
    const src = m.getSource('points') as GeoJSONSource | undefined;
    src?.setData(pointsGeoJson(props.points ?? []));
  }, [ready, props.points]);

  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m) return;
    const src = m.getSource('units') as GeoJSONSource | undefined;
    src?.setData(unitsGeoJson(props.units ?? []));
  }, [ready, props.units]);

  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m) return;
    m.setLayoutProperty('units', 'icon-size', ['case', ['==', ['get', 'id'], props.selectedUnitId ?? ''], 1.35, 1]);
  }, [ready, props.selectedUnitId]);

  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m) return;
    const src = m.getSource('trail') as GeoJSONSource | undefined;
    src?.setData(trailGeoJson(props.trail));
    const t = props.trail;
    if (t && t.length > 1) {
      const b = new maplibregl.LngLatBounds(t[0], t[0]);
      for (const p of t) b.extend(p);
      m.fitBounds(b, { padding: 60, maxZoom: 16, duration: 300 });
    } else if (t && t.length === 1) {
      m.easeTo({ center: t[0], zoom: Math.max(m.getZoom(), 15) });
    }
  }, [ready, props.trail]);

  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m) return;
    if (props.pin) {
      if (!pinRef.current) {
        pinRef.current = new maplibregl.Marker({ draggable: true, color: '#b00020' }).setLngLat(props.pin).addTo(m);
        pinRef.current.on('dragend', () => {
          const ll = pinRef.current!.getLngLat();
          propsRef.current.onPinMove?.([ll.lng, ll.lat]);
        });
      } else {
        pinRef.current.setLngLat(props.pin);
      }
    } else if (pinRef.current) {
      pinRef.current.remove();
      pinRef.current = null;
    }
  }, [ready, props.pin?.[0], props.pin?.[1]]);

  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m || !props.center) return;
    m.easeTo({ center: props.center, zoom: props.zoom ?? m.getZoom() });
  }, [ready, props.center?.[0], props.center?.[1]]);

  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m || !props.selectedId) return;
    const p = props.points?.find((x) => x.id === props.selectedId);
    if (p) m.easeTo({ center: [p.lon, p.lat], zoom: Math.max(m.getZoom(), 14) });
  }, [ready, props.selectedId]);

  return (
    <div class={`map ${props.class ?? ''}`} role="region" aria-label={props.label}>
      <div ref={container} class="map-canvas" />
      {failed && <p class="map-failed">{t('map_unavailable')}</p>}
    </div>
  );
}
