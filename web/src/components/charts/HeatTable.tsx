// A heat table: a real <table> (caption, row and column headers) whose cells are shaded by
// their value, so it reads as a chart and as figures alike. Used for the time-of-day ×
// day-of-week matrix. Shading goes from white to navy; text turns white on dark cells.
export interface HeatTableProps {
  caption: string;
  rowLabels: string[];
  /** Full names for screen readers (abbreviations are shown). */
  rowNames?: string[];
  colLabels: string[];
  values: number[][];
  format: (v: number) => string;
  /** Optional row totals column header. */
  totalLabel?: string;
}

/** Background for a share 0..1 of the maximum, and the text colour that stays readable. */
export function heatColor(share: number): { bg: string; fg: string } {
  const s = Math.max(0, Math.min(1, share));
  // White (#ffffff) to navy (#1f3b57).
  const mix = (a: number, b: number) => Math.round(a + (b - a) * s);
  const bg = `rgb(${mix(255, 31)}, ${mix(255, 59)}, ${mix(255, 87)})`;
  return { bg, fg: s > 0.45 ? '#ffffff' : '#1a1f24' };
}

export function HeatTable(p: HeatTableProps) {
  const max = Math.max(0, ...p.values.flat());
  return (
    <div class="table-wrap heat-wrap" tabIndex={0} role="region" aria-label={p.caption}>
      <table class="heat-table">
        <caption>{p.caption}</caption>
        <thead>
          <tr>
            <td />
            {p.colLabels.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {p.totalLabel && <th scope="col">{p.totalLabel}</th>}
          </tr>
        </thead>
        <tbody>
          {p.values.map((row, r) => (
            <tr key={p.rowLabels[r]}>
              <th scope="row">
                <abbr title={p.rowNames?.[r]}>{p.rowLabels[r]}</abbr>
              </th>
              {row.map((v, c) => {
                const { bg, fg } = heatColor(max > 0 ? v / max : 0);
                return (
                  <td key={c} class="num heat-cell" style={{ background: bg, color: fg }}>
                    {p.format(v)}
                  </td>
                );
              })}
              {p.totalLabel && <td class="num heat-total">{p.format(row.reduce((a, b) => a + b, 0))}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
