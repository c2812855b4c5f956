// What the three map views (MapView: neighbour, console, responder; AnalyticsMapView: crime
// map; BroadcastMap: broadcast area picker) share: the client config and area outlines
// (fetched once per page load), the basemap style, bounds, and the area name labels.
import maplibregl, { type StyleSpecification } from 'maplibre-gl';
import { api, type AreaFeatureCollection, type ClientConfig } from '../api/client';

export type LngLat = [number, number];
export type Bounds = [LngLat, LngLat];

const NO_CONFIG: ClientConfig = { tile_url: '', tile_attribution: '', languages: [], version: '' };
let configOnce: Promise<ClientConfig> | null = null;
let shapesOnce: Promise<AreaFeatureCollection> | null = null;

/** The server's client config (basemap), once; without one, no basemap. */
export function clientConfig(): Promise<ClientConfig> {
  configOnce ??= api.clientConfig().catch(() => NO_CONFIG);
  return configOnce;
}

/** The outlines of every area this account may see, once; none when they cannot be read. */
export function areaShapes(): Promise<AreaFeatureCollection> {
  shapesOnce ??= api.areasGeoJson().catch(() => ({ type: 'FeatureCollection', features: [] }) as AreaFeatureCollection);
  return shapesOnce;
}

/** A background and, when the server names one, the raster basemap. */
export function basemapStyle(cfg: ClientConfig | null, options: { background?: string; saturation?: number } = {}): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': options.background ?? '#eef1f4' } }],
  };
  if (cfg?.tile_url) {
    style.sources.basemap = {
      type: 'raster',
      tiles: [cfg.tile_url],
      tileSize: 256,
      attribution: cfg.tile_attribution || undefined,
    } as StyleSpecification['sources'][string];
    style.layers.push({
      id: 'basemap',
      type: 'raster',
      source: 'basemap',
      ...(options.saturation !== undefined ? { paint: { 'raster-saturation': options.saturation } } : {}),
    });
  }
  return style;
}

/** Every [lon, lat] position of a geometry, however deep. */
export function positions(geometry: { coordinates: unknown }): LngLat[] {
  const out: LngLat[] = [];
  const walk = (c: unknown) => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') out.push([c[0] as number, c[1] as number]);
    else for (const x of c) walk(x);
  };
  walk(geometry.coordinates);
  return out;
}

/** The bounding box of some positions, or null when there are none. */
export function extent(points: LngLat[]): Bounds | null {
  if (points.length === 0) return null;
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const [lon, lat] of points) {
    w = Math.min(w, lon);
    e = Math.max(e, lon);
    s = Math.min(s, lat);
    n = Math.max(n, lat);
  }
  return [[w, s], [e, n]];
}

/** The bounding box of the areas `keep` accepts (all by default). */
export function boundsOf(fc: AreaFeatureCollection, keep: (kind: string) => boolean = () => true): Bounds | null {
  return extent(fc.features.filter((f) => keep(f.properties.kind)).flatMap((f) => positions(f.geometry)));
}

/** Where to write an area's name: the centre of the bounding box of its largest outer ring. */
export function labelPoint(geometry: { type: string; coordinates: unknown }): LngLat | null {
  const polys: number[][][][] =
    geometry.type === 'Polygon'
      ? [geometry.coordinates as number[][][]]
      : geometry.type === 'MultiPolygon'
        ? (geometry.coordinates as number[][][][])
        : [];
  let best: number[][] | null = null;
  for (const p of polys) if (p[0] && (!best || p[0].length > best.length)) best = p[0];
  if (!best) return null;
  const b = extent(best.map((p) => [p[0]!, p[1]!] as LngLat));
  return b ? [(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2] : null;
}

/** Name labels for the sectors and neighbourhoods (regions and precincts are too large to
 *  label usefully); returns the markers so the caller removes them with the map. */
export function addAreaLabels(map: maplibregl.Map, fc: AreaFeatureCollection): maplibregl.Marker[] {
  const markers: maplibregl.Marker[] = [];
  for (const f of fc.features) {
    if (f.properties.kind === 'region' || f.properties.kind === 'precinct') continue;
    const at = labelPoint(f.geometry);
    if (!at) continue;
    const el = document.createElement('div');
    el.className = 'map-area-label';
    el.textContent = f.properties.name;
    el.setAttribute('aria-hidden', 'true');
    markers.push(new maplibregl.Marker({ element: el }).setLngLat(at).addTo(map));
  }
  return markers;
}

/** A map in `container` over the basemap, with zoom buttons; a missing tile is not fatal.
 *  Null when the browser cannot draw one (no WebGL): the caller shows "map unavailable". */
export function createMap(
  container: HTMLElement,
  cfg: ClientConfig,
  view: { center: LngLat; zoom: number; background?: string; saturation?: number },
): maplibregl.Map | null {
  let map: maplibregl.Map;
  try {
    map = new maplibregl.Map({
      container,
      style: basemapStyle(cfg, { background: view.background, saturation: view.saturation }),
      center: view.center,
      zoom: view.zoom,
      attributionControl: cfg.tile_url ? {} : false,
    });
  } catch {
    return null;
  }
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.on('error', () => undefined);
  return map;
}
