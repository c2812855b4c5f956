// Scales and ticks for the small SVG charts (no chart library): a linear map from data to
// pixels and "nice" round tick values (1, 2, 2.5 or 5 times a power of ten).
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Linear {
  (v: number): number;
  domain: [number, number];
  ticks: number[];
}

/** Round tick values covering [lo, hi] with about `count` steps. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) hi = lo + 1;
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step) * step;
  const out: number[] = [];
  for (let v = start; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  if (out[out.length - 1]! < hi) out.push(Number((out[out.length - 1]! + step).toFixed(10)));
  return out;
}

/** A linear scale whose domain is widened to round ticks (starting at zero for counts). */
export function linear(lo: number, hi: number, r0: number, r1: number, count = 5): Linear {
  const ticks = niceTicks(lo, hi, count);
  const d0 = ticks[0]!;
  const d1 = ticks[ticks.length - 1]!;
  const f = ((v: number) => r0 + ((v - d0) / (d1 - d0 || 1)) * (r1 - r0)) as Linear;
  f.domain = [d0, d1];
  f.ticks = ticks;
  return f;
}

/** The width of an element, kept current (charts are drawn in real pixels). */
export function useWidth<T extends HTMLElement>(fallback = 640) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(240, Math.floor(el.clientWidth)));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return { ref, width };
}

/** Colours with at least 4.5:1 contrast on white, for lines, bars and their labels. */
export const SERIES_COLORS = ['#1f3b57', '#b35c00', '#1f5fa8', '#1e6b2a', '#8a0019', '#5b3c88'];
