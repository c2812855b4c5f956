// The crime map's MapLibre view (loaded on demand by pages/AnalyticsMap.tsx): counts per
// grid cell or per area (choropleth), a heatmap of the cell counts, and the Gi* hotspot
// cells. Basemap tiles come from GET /api/v1/config/client; without a tile URL (an offline
// machine) the map draws the area outlines and their names on a plain background, as the
// console's map does. Names are HTML markers, so no glyph server is needed.
import { useEffect, useRef, useState } from 'preact/hooks';
import maplibregl, { type GeoJSONSource } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { type AreaFeatureCollection } from '../api/client';
import type { CompactGrid, Hotspots } from '../api/analytics';
import { t } from '../i18n';
import { addAreaLabels, areaShapes, boundsOf, clientConfig, createMap, extent, positions } from '../map/shared';

export interface AnalyticsMapProps {
  label: string;
  mode: 'grid' | 'areas';
  grid: CompactGrid | null;
  /** Incidents per area code, for the choropleth. */
  areaCounts: Record<string, number> | null;
  /** Which areas the choropleth colours (the children of the area asked for). */
  choroplethCodes: string[];
  /** Class breaks (upper bounds, ascending) and their colours, one more colour than breaks. */
  breaks: number[];
  colors: string[];
  showCounts: boolean;
  showHeat: boolean;
  hotspots: Hotspots | null;
  showHotspots: boolean;
  /** Zoom to this area's outline when it changes. */
  focusArea: string | null;
}

export const HOTSPOT_COLORS: Record<number, string> = {
  3: '#b2182b',
  2: '#e0643f',
  1: '#f4b89c',
  [-1]: '#a6c8e3',
  [-2]: '#5a9bd0',
  [-3]: '#1f5fa8',
};

function cellPolygon(g: { origin: { lat: number; lon: number }; cell_dlat: number; cell_dlon: number }, ix: number, iy: number) {
  const s = g.origin.lat + iy * g.cell_dlat;
  const w = g.origin.lon + ix * g.cell_dlon;
  const n = s + g.cell_dlat;
  const e = w + g.cell_dlon;
  return { type: 'Polygon' as const, coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
}

function cellsGeoJson(grid: CompactGrid | null): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: (grid?.cells ?? []).map(([ix, iy, count]) => ({ type: 'Feature', properties: { count }, geometry: cellPolygon(grid!, ix, iy) })),
  };
}

function heatGeoJson(grid: CompactGrid | null): GeoJSON.FeatureCollection {
  const max = Math.max(1, ...(grid?.cells ?? []).map((c) => c[2]));
  return {
    type: 'FeatureCollection',
    features: (grid?.cells ?? []).map(([ix, iy, count]) => ({
      type: 'Feature',
      properties: { w: count / max },
      geometry: {
        type: 'Point',
        coordinates: [grid!.origin.lon + (ix + 0.5) * grid!.cell_dlon, grid!.origin.lat + (iy + 0.5) * grid!.cell_dlat],
      },
    })),
  };
}

function hotspotGeoJson(h: Hotspots | null): GeoJSON.FeatureCollection {
  if (!h) return { type: 'FeatureCollection', features: [] };
  if (h.features) return { type: 'FeatureCollection', features: h.features.filter((f) => Number(f.properties?.bin) !== 0) };
  if (!h.origin || h.cell_dlat === undefined || h.cell_dlon === undefined) return { type: 'FeatureCollection', features: [] };
  const g = { origin: h.origin, cell_dlat: h.cell_dlat, cell_dlon: h.cell_dlon };
  return {
    type: 'FeatureCollection',
    features: h.cells.filter((c) => c.bin !== 0).map((c) => ({ type: 'Feature', properties: { bin: c.bin }, geometry: cellPolygon(g, c.ix, c.iy) })),
  };
}

function choroplethGeoJson(shapes: AreaFeatureCollection | null, codes: string[], counts: Record<string, number> | null): GeoJSON.FeatureCollection {
  const wanted = new Set(codes);
  return {
    type: 'FeatureCollection',
    features: (shapes?.features ?? [])
      .filter((f) => wanted.has(f.properties.code))
      .map((f) => ({
        type: 'Feature',
        properties: { code: f.properties.code, count: counts?.[f.properties.code] ?? 0 },
        geometry: f.geometry as GeoJSON.Geometry,
      })),
  };
}

/** A MapLibre "step" expression over `count` with the page's classes. */
function stepColor(breaks: number[], colors: string[]): maplibregl.ExpressionSpecification {
  const expr: unknown[] = ['step', ['get', 'count'], colors[0]!];
  breaks.forEach((b, i) => expr.push(b + 1e-9, colors[i + 1]!));
  return expr as maplibregl.ExpressionSpecification;
}

/** Metres per screen pixel at zoom 0 at this latitude (Web Mercator, 512 px tiles). */
function metresPerPixelZ0(lat: number): number {
  return (40075016.686 * Math.cos((lat * Math.PI) / 180)) / 512;
}

export function AnalyticsMapViewImpl(p: AnalyticsMapProps) {
  const box = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState(false);
  const [shapes, setShapes] = useState<AreaFeatureCollection | null>(null);
  const latest = useRef(p);
  latest.current = p;

  useEffect(() => {
    let map: maplibregl.Map | null = null;
    let gone = false;
    const names: maplibregl.Marker[] = [];
    void Promise.all([clientConfig(), areaShapes()]).then(([cfg, fc]) => {
      if (gone || !box.current) return;
      map = createMap(box.current, cfg, { center: [-70.645, -33.52], zoom: 10.5, background: '#f1f3f5', saturation: -0.4 });
      if (!map) {
        setFailed(true);
        return;
      }
      mapRef.current = map;
      map.on('load', () => {
        const m = map!;
        m.resize(); // the container may have been sized by CSS that arrived with this chunk
        // Draw again once a source's new data is in (a software-rendered WebGL canvas
        // otherwise kept showing the empty first frame).
        m.on('sourcedata', (e) => {
          if (e.isSourceLoaded && e.sourceDataType !== 'metadata') m.triggerRepaint();
        });
        const empty: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
        m.addSource('outlines', { type: 'geojson', data: fc as unknown as GeoJSON.FeatureCollection });
        m.addSource('choropleth', { type: 'geojson', data: empty });
        m.addSource('cells', { type: 'geojson', data: empty });
        m.addSource('heat', { type: 'geojson', data: empty });
        m.addSource('hotspots', { type: 'geojson', data: empty });
        m.addLayer({ id: 'choropleth-fill', type: 'fill', source: 'choropleth', paint: { 'fill-color': '#ccc', 'fill-opacity': 0.72 } });
        m.addLayer({ id: 'cells-fill', type: 'fill', source: 'cells', paint: { 'fill-color': '#ccc', 'fill-opacity': 0.75 } });
        m.addLayer({
          id: 'heat',
          type: 'heatmap',
          source: 'heat',
          paint: {
            'heatmap-weight': ['get', 'w'],
            'heatmap-intensity': 1,
            'heatmap-opacity': 0.8,
            'heatmap-color': [
              'interpolate',
              ['linear'],
              ['heatmap-density'],
              0,
              'rgba(255,255,178,0)',
              0.15,
              '#fed976',
              0.35,
              '#feb24c',
              0.55,
              '#fd8d3c',
              0.75,
              '#f03b20',
              1,
              '#bd0026',
            ],
          },
        });
        m.addLayer({ id: 'hotspots-fill', type: 'fill', source: 'hotspots', paint: { 'fill-color': '#ccc', 'fill-opacity': 0.7 } });
        m.addLayer({ id: 'hotspots-line', type: 'line', source: 'hotspots', paint: { 'line-color': '#ffffff', 'line-width': 0.6 } });
        m.addLayer({ id: 'outlines-line', type: 'line', source: 'outlines', paint: { 'line-color': '#1f3b57', 'line-width': 1.4, 'line-opacity': 0.8 } });
        const b = boundsOf(fc);
        if (b) m.fitBounds(b, { padding: 20, duration: 0 });
        names.push(...addAreaLabels(m, fc));
        setShapes(fc);
        setReady(true);
      });
    });
    return () => {
      gone = true;
      names.forEach((n) => n.remove());
      map?.remove();
      mapRef.current = null;
    };
  }, []);

  // Counts: the grid or the choropleth, coloured by the page's classes.
  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m) return;
    (m.getSource('cells') as GeoJSONSource).setData(p.mode === 'grid' ? cellsGeoJson(p.grid) : cellsGeoJson(null));
    (m.getSource('choropleth') as GeoJSONSource).setData(
      p.mode === 'areas' ? choroplethGeoJson(shapes, p.choroplethCodes, p.areaCounts) : choroplethGeoJson(null, [], null),
    );
    const color = stepColor(p.breaks, p.colors);
    m.setPaintProperty('cells-fill', 'fill-color', color);
    m.setPaintProperty('choropleth-fill', 'fill-color', color);
    const vis = p.showCounts ? 'visible' : 'none';
    m.setLayoutProperty('cells-fill', 'visibility', vis);
    m.setLayoutProperty('choropleth-fill', 'visibility', vis);
    m.triggerRepaint();
  }, [ready, shapes, p.mode, p.grid, p.areaCounts, p.choroplethCodes, p.breaks, p.colors, p.showCounts]);

  // Heatmap from the cell centres, each weighted by its share of the busiest cell; the
  // radius is about three cells at every zoom.
  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m) return;
    (m.getSource('heat') as GeoJSONSource).setData(heatGeoJson(p.grid));
    if (p.grid) {
      const r0 = (3 * p.grid.cell_m) / metresPerPixelZ0(p.grid.origin.lat);
      m.setPaintProperty('heat', 'heatmap-radius', ['interpolate', ['exponential', 2], ['zoom'], 0, Math.max(r0, 0.01), 20, Math.max(r0, 0.01) * 2 ** 20]);
    }
    m.setLayoutProperty('heat', 'visibility', p.showHeat && p.grid ? 'visible' : 'none');
    m.triggerRepaint();
  }, [ready, p.grid, p.showHeat]);

  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m) return;
    (m.getSource('hotspots') as GeoJSONSource).setData(hotspotGeoJson(p.hotspots));
    const expr: unknown[] = ['match', ['to-number', ['get', 'bin']]];
    for (const [bin, color] of Object.entries(HOTSPOT_COLORS)) expr.push(Number(bin), color);
    expr.push('rgba(0,0,0,0)');
    m.setPaintProperty('hotspots-fill', 'fill-color', expr as maplibregl.ExpressionSpecification);
    const vis = p.showHotspots && p.hotspots ? 'visible' : 'none';
    m.setLayoutProperty('hotspots-fill', 'visibility', vis);
    m.setLayoutProperty('hotspots-line', 'visibility', vis);
    m.triggerRepaint();
  }, [ready, p.hotspots, p.showHotspots]);

  useEffect(() => {
    const m = mapRef.current;
    if (!ready || !m || !shapes || !p.focusArea) return;
    const f = shapes.features.find((x) => x.properties.code === p.focusArea);
    const b = f && extent(positions(f.geometry));
    if (b) m.fitBounds(b, { padding: 20, duration: 300 });
  }, [ready, shapes, p.focusArea]);

  return (
    <div class="map analytics-map" role="region" aria-label={p.label}>
      <div ref={box} class="map-canvas" />
      {failed && <p class="map-failed">{t('map_unavailable')}</p>}
    </div>
  );
}
