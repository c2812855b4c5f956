// Horizontal bars in plain SVG (area names and months read well on a phone), with an
// optional reference line such as the 10 % adoption target. Keyboard: focus the chart and
// move with ↑/↓; the bar's figure is announced. Callers give a summary and a table.
import { t } from '../../i18n';
import { ChartFrame, useCursor } from './ChartFrame';
import { linear, useWidth } from './scale';

export interface Bar {
  label: string;
  value: number | null;
  /** Shown after the bar instead of the formatted value. */
  note?: string;
  /** Bars that meet the reference are drawn in the "met" colour. */
  met?: boolean;
}

export interface BarChartProps {
  id: string;
  title: string;
  summary: string;
  bars: Bar[];
  format: (v: number) => string;
  /** Axis labels (default: format). */
  tickFormat?: (v: number) => string;
  ref_?: { value: number; label: string };
  max?: number;
}

const ROW = 28;
const TOP = 8;
const AXIS = 26;

export function BarChart(p: BarChartProps) {
  const { ref, width } = useWidth<HTMLDivElement>();
  const { active, setActive, onKey } = useCursor(p.bars.length);
  const labelW = Math.min(170, Math.max(90, Math.floor(width * 0.3)));
  const right = 64;
  const values = p.bars.map((b) => b.value ?? 0);
  const hi = Math.max(p.max ?? 0, p.ref_?.value ?? 0, ...values, 1e-9);
  const x = linear(0, hi, labelW, width - right, Math.max(2, Math.floor((width - labelW - right) / 80)));
  const height = TOP + p.bars.length * ROW + AXIS;

  const b = active === null ? null : p.bars[active];
  const readout = b ? `${b.label}: ${b.note ?? (b.value === null ? '—' : p.format(b.value))}` : '';

  return (
    <ChartFrame
      id={p.id}
      title={p.title}
      summary={p.summary}
      keysHint={t('an_chart_keys_bars')}
      legend={p.ref_ ? [{ label: p.ref_.label, color: '#8a0019', dashed: true }] : []}
      plotRef={ref}
      onKey={onKey}
      onLeave={() => setActive(null)}
      readout={readout}
    >
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
          {x.ticks.map((v) => (
            <g key={v}>
              <line x1={x(v)} x2={x(v)} y1={TOP} y2={height - AXIS} class="grid-line" />
              <text x={x(v)} y={height - 8} text-anchor="middle" class="axis-text">
                {(p.tickFormat ?? p.format)(v)}
              </text>
            </g>
          ))}
          {p.bars.map((bar, i) => {
            const top = TOP + i * ROW;
            const w = bar.value === null ? 0 : Math.max(1, x(bar.value) - labelW);
            return (
              <g key={bar.label} onPointerEnter={() => setActive(i)} onPointerLeave={() => setActive(null)}>
                <text x={labelW - 8} y={top + ROW / 2 + 4} text-anchor="end" class={`bar-label${i === active ? ' on' : ''}`}>
                  {bar.label.length > 22 ? `${bar.label.slice(0, 21)}…` : bar.label}
                </text>
                <rect x={labelW} y={top + 4} width={w} height={ROW - 8} rx={3} class={`bar${bar.met ? ' met' : ''}${i === active ? ' on' : ''}`} />
                <text x={labelW + w + 6} y={top + ROW / 2 + 4} class="axis-text">
                  {bar.note ?? (bar.value === null ? '—' : p.format(bar.value))}
                </text>
              </g>
            );
          })}
          {p.ref_ && (
            <line x1={x(p.ref_.value)} x2={x(p.ref_.value)} y1={TOP - 4} y2={height - AXIS} stroke="#8a0019" stroke-width={2} stroke-dasharray="6 4" />
          )}
        </svg>
    </ChartFrame>
  );
}
