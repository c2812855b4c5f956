// One MapLibre map for every screen (loaded on demand through ./Map.tsx): the basemap from GET /api/v1/config/client (raster
// tiles), or, with none (an offline machine), a plain background with the area outlines
// and their names. Points are clustered when asked; labels are HTML markers so no glyph
// server is needed. Where WebGL is missing the map says so and the lists still work.
import { useEffect, useRef, useState } from 'preact/hooks';
import maplibregl, { type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { api, type AreaFeatureCollection, type ClientConfig } from '../api/client';
import { t } from '../i18n';
import { DEFAULT_CENTER, type MapPoint } from './Map';

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
}

let configPromise: Promise<ClientConfig> | null = null;
let areasPromise: Promise<AreaFeatureCollection> | null = null;
function clientConfig(): Promise<ClientConfig> {
  configPromise ??= api.clientConfig().catch(() => ({ tile_url: '', tile_attribution: '', languages: [], version: '' }));
  return configPromise;
}
function areaShapes(): Promise<AreaFeatureCollection> {
  areasPromise ??= api.areasGeoJson().catch(() => ({ type: 'FeatureCollection', features: [] }) as AreaFeatureCollection);
  return areasPromise;
}

export const PRIORITY_COLORS = ['#b00020', '#d35400', '#b7950b', '#2e7d32'];

function styleFor(cfg: ClientConfig): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1f4' } }],
  };
  if (cfg.tile_url) {
    style.sources.basemap = {
      type: 'raster',
      tiles: [cfg.tile_url],
      tileSize: 256,
      attribution: cfg.tile_attribution || undefined,
    } as StyleSpecification['sources'][string];
    style.layers.push({ id: 'basemap', type: 'raster', source: 'basemap' });
  }
  return style;
}

// Where to write an area's name: the centre of its largest ring's bounding box.
function labelPoint(geometry: { type: string; coordinates: unknown }): [number, number] | null {
  const polys: number[][][][] =
    geometry.type === 'Polygon'
      ? [geometry.coordinates as number[][][]]
      : geometry.type === 'MultiPolygon'
        ? (geometry.coordinates as number[][][][])
        : [];
  let best: number[][] | null = null;
  for (const p of polys) if (p[0] && (!best || p[0].length > best.length)) best = p[0];
  if (!best) return null;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of best) {
    minX = Math.min(minX, x!);
    maxX = Math.max(maxX, x!);
    minY = Math.min(minY, y!);
    maxY = Math.max(maxY, y!);
  }
  return [(minX + maxX) / 2, (minY + maxY) / 2];
}

function boundsOf(fc: AreaFeatureCollection): [[number, number], [number, number]] | null {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as number[];
      minX = Math.min(minX, x!);
      maxX = Math.max(maxX, x!);
      minY = Math.min(minY, y!);
      maxY = Math.max(maxY, y!);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  for (const f of fc.features) visit(f.geometry.coordinates);
  return Number.isFinite(minX) ? [[minX, minY], [maxX, maxY]] : null;
}

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
  const clusterMarkers = useRef<Map<number, maplibregl.Marker>>(new Map());
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
      try {
        map = new maplibregl.Map({
          container: container.current,
          style: styleFor(cfg),
          center: props.center ?? DEFAULT_CENTER,
          zoom: props.zoom ?? 11,
          attributionControl: cfg.tile_url ? {} : false,
        });
      } catch {
        setFailed(true);
        return;
      }
      mapRef.current = map;
      map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
      map.on('error', () => {
        /* a missing tile is not fatal */
      });
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
            for (const f of fc.features) {
              if (f.properties.kind === 'precinct' || f.properties.kind === 'region') continue;
              const at = labelPoint(f.geometry);
              if (!at) continue;
              const el = document.createElement('div');
              el.className = 'map-area-label';
              el.textContent = f.properties.name;
              el.setAttribute('aria-hidden', 'true');
              labels.push(new maplibregl.Marker({ element: el }).setLngLat(at).addTo(m));
            }
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
        for (const layer of ['points', 'clusters']) {
          m.on('mouseenter', layer, () => (m.getCanvas().style.cursor = 'pointer'));
          m.on('mouseleave', layer, () => (m.getCanvas().style.cursor = ''));
        }
        m.on('click', (e) => {
          if (propsRef.current.onPinMove && pinRef.current) {
            pinRef.current.setLngLat(e.lngLat);
            propsRef.current.onPinMove([e.lngLat.lng, e.lngLat.lat]);
          }
        });
        // Cluster counts as HTML markers (no glyphs offline).
        const refresh = () => {
          const seen = new Set<number>();
          for (const f of m.querySourceFeatures('points')) {
            const p = f.properties as { cluster?: boolean; cluster_id?: number; point_count?: number };
            if (!p.cluster || p.cluster_id === undefined || seen.has(p.cluster_id)) continue;
            seen.add(p.cluster_id);
            let mk = clusterMarkers.current.get(p.cluster_id);
            if (!mk) {
              const el = document.createElement('div');
              el.className = 'map-cluster-count';
              el.setAttribute('aria-hidden', 'true');
              mk = new maplibregl.Marker({ element: el }).setLngLat((f.geometry as GeoJSON.Point).coordinates as [number, number]);
              clusterMarkers.current.set(p.cluster_id, mk);
            }
            mk.getElement().textContent = String(p.point_count ?? '');
            mk.setLngLat((f.geometry as GeoJSON.Point).coordinates as [number, number]).addTo(m);
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
          if (e.sourceId === 'points' && e.isSourceLoaded) refresh();
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
