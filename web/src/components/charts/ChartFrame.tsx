// What every chart shares: a <figure> with its caption, a legend in words, the plot as one
// keyboard stop (role group, named by the title and a hint, described by the summary), the
// summary sentence (the text alternative) and a live readout of the value under the cursor.
import type { ComponentChildren, Ref } from 'preact';
import { useState } from 'preact/hooks';

export interface LegendItem {
  label: string;
  color: string;
  /** Dashed lines (a second series or a reference such as a target). */
  dashed?: boolean;
}

/** The item under the keyboard or pointer cursor: arrows move it (both axes, so line and bar
 *  charts answer the same keys), Home/End jump to the ends, Escape clears it. */
export function useCursor(n: number) {
  const [active, setActive] = useState<number | null>(null);
  function onKey(e: KeyboardEvent) {
    if (n === 0) return;
    let next: number;
    if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = Math.max(0, (active ?? n) - 1);
    else if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = Math.min(n - 1, (active ?? -1) + 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = n - 1;
    else if (e.key === 'Escape') {
      setActive(null);
      return;
    } else return;
    e.preventDefault();
    setActive(next);
  }
  return { active, setActive, onKey };
}

export function ChartFrame(p: {
  id: string;
  title: string;
  summary: string;
  keysHint: string;
  legend: LegendItem[];
  plotRef: Ref<HTMLDivElement>;
  onKey: (e: KeyboardEvent) => void;
  onLeave: () => void;
  readout: string;
  children: ComponentChildren;
}) {
  return (
    <figure class="chart" aria-labelledby={`${p.id}-title`}>
      <figcaption id={`${p.id}-title`} class="chart-title">
        {p.title}
      </figcaption>
      {p.legend.length > 0 && (
        <ul class="chart-legend" aria-hidden="true">
          {p.legend.map((l) => (
            <li key={l.label}>
              <span class={`swatch${l.dashed ? ' dashed' : ''}`} style={{ borderColor: l.color }} />
              {l.label}
            </li>
          ))}
        </ul>
      )}
      <div
        ref={p.plotRef}
        class="chart-plot"
        tabIndex={0}
        role="group"
        aria-label={`${p.title}. ${p.keysHint}`}
        aria-describedby={`${p.id}-summary`}
        onKeyDown={p.onKey}
        onBlur={p.onLeave}
      >
        {p.children}
      </div>
      <p id={`${p.id}-summary`} class="chart-summary muted small">
        {p.summary}
      </p>
      <p class="chart-readout" aria-live="polite">
        {p.readout}
      </p>
    </figure>
  );
}
