// A line chart in plain SVG: one or more series over the same x labels, optional reference
// lines (a target, a survey figure), and a readout the keyboard drives: focus the chart and
// move with ←/→ (Home/End for the ends); the values are announced. A summary sentence is the
// text alternative, and callers put the full figures in a table next to it.
import { t } from '../../i18n';
import { ChartFrame, useCursor } from './ChartFrame';
import { SERIES_COLORS, linear, useWidth } from './scale';

export interface Series {
  name: string;
  values: Array<number | null>;
  color?: string;
  dashed?: boolean;
}
export interface RefLine {
  value: number;
  label: string;
  color?: string;
}

export interface LineChartProps {
  id: string;
  title: string;
  /** The text alternative: what the chart shows and its main figures. */
  summary: string;
  labels: string[];
  series: Series[];
  format: (v: number) => string;
  refs?: RefLine[];
  height?: number;
  yMin?: number;
  yMax?: number;
}

const PAD = { top: 14, right: 16, bottom: 30, left: 56 };

export function LineChart(p: LineChartProps) {
  const { ref, width } = useWidth<HTMLDivElement>();
  const height = p.height ?? 240;
  const n = p.labels.length;
  const all = p.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  for (const r of p.refs ?? []) all.push(r.value);
  const lo = Math.min(p.yMin ?? 0, ...all);
  const hi = Math.max(p.yMax ?? 0, ...all, lo + 1e-9);
  const y = linear(lo, hi, height - PAD.bottom, PAD.top);
  const plotW = width - PAD.left - PAD.right;
  const x = (i: number) => PAD.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const tickEvery = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(plotW / 90))));
  const colors = p.series.map((s, i) => s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!);
  const { active, setActive, onKey } = useCursor(n);

  function path(values: Array<number | null>): string {
    let d = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  }

  function onPointer(e: PointerEvent) {
    if (n === 0) return;
    const box = (e.currentTarget as Element).getBoundingClientRect();
    const px = e.clientX - box.left;
    const i = n <= 1 ? 0 : Math.round(((px - PAD.left) / plotW) * (n - 1));
    setActive(Math.min(n - 1, Math.max(0, i)));
  }

  const readout =
    active === null
      ? ''
      : `${p.labels[active]}: ${p.series
          .map((s) => `${s.name} ${s.values[active] === null || s.values[active] === undefined ? '—' : p.format(s.values[active]!)}`)
          .join(', ')}`;

  return (
    <ChartFrame
      id={p.id}
      title={p.title}
      summary={p.summary}
      keysHint={t('an_chart_keys')}
      legend={[
        ...p.series.map((s, i) => ({ label: s.name, color: colors[i]!, dashed: !!s.dashed })),
        ...(p.refs ?? []).map((r) => ({ label: r.label, color: r.color ?? '#8a0019', dashed: true })),
      ]}
      plotRef={ref}
      onKey={onKey}
      onLeave={() => setActive(null)}
      readout={readout}
    >
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          aria-hidden="true"
          onPointerMove={onPointer}
          onPointerLeave={() => setActive(null)}
        >
          {y.ticks.map((v) => (
            <g key={v}>
              <line x1={PAD.left} x2={width - PAD.right} y1={y(v)} y2={y(v)} class="grid-line" />
              <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end" class="axis-text">
                {p.format(v)}
              </text>
            </g>
          ))}
          {p.labels.map((l, i) =>
            i % tickEvery === 0 || i === n - 1 ? (
              <text key={i} x={x(i)} y={height - 10} text-anchor={i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'} class="axis-text">
                {i === n - 1 || n - 1 - i >= tickEvery * 0.8 ? l : ''}
              </text>
            ) : null,
          )}
          {(p.refs ?? []).map((r) => (
            <line key={r.label} x1={PAD.left} x2={width - PAD.right} y1={y(r.value)} y2={y(r.value)} stroke={r.color ?? '#8a0019'} stroke-width={1.5} stroke-dasharray="6 4" />
          ))}
          {p.series.map((s, i) => (
            <path key={s.name} d={path(s.values)} fill="none" stroke={colors[i]} stroke-width={2.2} stroke-dasharray={s.dashed ? '5 4' : undefined} />
          ))}
          {p.series.map((s, i) =>
            s.values.map((v, k) =>
              v !== null && (n <= 31 || k === active) ? <circle key={`${i}-${k}`} cx={x(k)} cy={y(v)} r={k === active ? 5 : 3} fill={colors[i]} /> : null,
            ),
          )}
          {active !== null && <line x1={x(active)} x2={x(active)} y1={PAD.top} y2={height - PAD.bottom} class="cursor-line" />}
        </svg>
    </ChartFrame>
  );
}
