// The areas: GeoJSON import with progress and per-feature errors, population edits.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Adoption, type Area } from '../../api/client';
import { AREA_KINDS, adminApi, readAreaCollection, type ImportRow } from '../../api/admin';
import { Notice, errorText } from '../../components/common';
import { formatNumber, t, type MessageKey } from '../../i18n';

export function AreasPanel({ areas, editable, onChanged }: { areas: Area[]; editable: boolean; onChanged: () => void }) {
  return (
    <div>
      {editable && <AreaImport areas={areas} onDone={onChanged} />}
      <AreasTable areas={areas} editable={editable} onChanged={onChanged} />
    </div>
  );
}

interface ImportOutcome {
  row: ImportRow;
  ok: boolean;
  message: string | null;
}
function AreaImport({ areas, onDone }: { areas: Area[]; onDone: () => void }) {
  const [kind, setKind] = useState('neighbourhood');
  const [parent, setParent] = useState('');
  const [rows, setRows] = useState<ImportRow[] | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<ImportOutcome[]>([]);
  const [running, setRunning] = useState(false);
  const parents = useMemo(() => [...areas].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.name.localeCompare(b.name)), [areas]);

  async function read(file: File | undefined) {
    setRows(null);
    setOutcomes([]);
    setFileError(null);
    if (!file) return;
    try {
      setRows(readAreaCollection(await file.text(), { kind, parent }));
    } catch (e) {
      setFileError(e instanceof Error && e.message === 'collection' ? t('import_not_collection') : t('import_not_json'));
    }
  }

  async function run() {
    if (!rows) return;
    setRunning(true);
    const done: ImportOutcome[] = [];
    // One at a time, parents before children (a file may hold both).
    const order = [...rows].sort((a, b) => kindRank(a.area?.kind ?? '') - kindRank(b.area?.kind ?? ''));
    for (const row of order) {
      if (!row.area) {
        done.push({ row, ok: false, message: t(`import_problem_${row.problem}` as MessageKey) });
      } else {
        const area = { ...row.area, kind: row.area.kind || kind };
        if (!area.parent && parent) area.parent = parent;
        try {
          await adminApi.createArea(area);
          done.push({ row, ok: true, message: null });
        } catch (e) {
          done.push({ row, ok: false, message: errorText(e) });
        }
      }
      setOutcomes([...done]);
    }
    setRunning(false);
    onDone();
  }

  const failed = outcomes.filter((o) => !o.ok);
  const created = outcomes.length - failed.length;
  return (
    <section class="card admin-import" aria-labelledby="import-title">
      <h2 id="import-title">{t('import_title')}</h2>
      <p class="hint">{t('import_hint')}</p>
      <div class="admin-import-grid">
        <div>
          <label for="import-kind" class="label">
            {t('import_default_kind')}
          </label>
          <select id="import-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            {AREA_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind_${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="import-parent" class="label">
            {t('import_default_parent')}
          </label>
          <select id="import-parent" value={parent} onChange={(e) => setParent(e.currentTarget.value)}>
            <option value="">{t('import_no_parent')}</option>
            {parents.map((a) => (
              <option key={a.code} value={a.code}>
                {a.name} ({a.code})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="import-file" class="label">
            {t('import_file')}
          </label>
          <input id="import-file" type="file" accept=".geojson,.json,application/geo+json,application/json" onChange={(e) => void read(e.currentTarget.files?.[0])} />
        </div>
      </div>
      {fileError && <Notice kind="error">{fileError}</Notice>}
      {rows && (
        <p data-testid="import-summary">
          {t('import_found', { n: rows.length, ok: rows.filter((r) => r.area).length })}{' '}
          <button type="button" class="btn btn-primary btn-small" id="import-run" disabled={running || rows.length === 0} onClick={() => void run()}>
            {t('import_run')}
          </button>
        </p>
      )}
      {(running || outcomes.length > 0) && rows && (
        <div aria-live="polite">
          <label for="import-progress" class="label">
            {t('import_progress', { done: outcomes.length, total: rows.length })}
          </label>
          <progress id="import-progress" max={rows.length} value={outcomes.length} />
          {!running && (
            <p data-testid="import-result">
              {t('import_result', { ok: created, failed: failed.length })}
            </p>
          )}
        </div>
      )}
      {failed.length > 0 && (
        <ul class="import-errors" data-testid="import-errors">
          {failed.map((o) => (
            <li key={o.row.index}>
              <strong>
                {t('import_feature', { n: o.row.index + 1 })}
                {o.row.area ? ` (${o.row.area.code} · ${o.row.area.name})` : ''}
              </strong>
              : {o.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
function AreasTable({ areas, editable, onChanged }: { areas: Area[]; editable: boolean; onChanged: () => void }) {
  const [adoption, setAdoption] = useState<Record<string, Adoption>>({});
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [rowState, setRowState] = useState<Record<string, { ok: boolean; text: string }>>({});
  useEffect(() => {
    for (const a of areas) {
      api
        .adoption(a.code)
        .then((x) => setAdoption((old) => ({ ...old, [a.code]: x })))
        .catch(() => undefined);
    }
  }, [areas]);
  const sorted = [...areas].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.name.localeCompare(b.name));

  async function savePopulation(a: Area) {
    const text = (edits[a.code] ?? '').trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
      setRowState((s) => ({ ...s, [a.code]: { ok: false, text: t('population_invalid') } }));
      return;
    }
    try {
      await adminApi.patchArea(a.code, { population: n });
      setRowState((s) => ({ ...s, [a.code]: { ok: true, text: t('saved') } }));
      setEdits(({ [a.code]: _drop, ...rest }) => rest);
      onChanged();
    } catch (e) {
      setRowState((s) => ({ ...s, [a.code]: { ok: false, text: errorText(e) } }));
    }
  }

  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{t('tab_areas')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('name')}</th>
            <th scope="col">{t('code')}</th>
            <th scope="col">{t('kind')}</th>
            <th scope="col" class="num">
              {t('population')}
            </th>
            <th scope="col" class="num">
              {t('adoption')}
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((a) => {
            const ad = adoption[a.code];
            const st = rowState[a.code];
            return (
              <tr key={a.code} data-area={a.code}>
                <th scope="row">{a.name}</th>
                <td>{a.code}</td>
                <td>{t(`kind_${a.kind}` as MessageKey)}</td>
                <td class="num">
                  {editable ? (
                    <form
                      class="pop-edit"
                      onSubmit={(e) => {
                        e.preventDefault();
                        void savePopulation(a);
                      }}
                    >
                      <label for={`pop-${a.code}`} class="visually-hidden">
                        {t('population_of', { name: a.name })}
                      </label>
                      <input
                        id={`pop-${a.code}`}
                        type="text"
                        inputMode="numeric"
                        size={9}
                        value={edits[a.code] ?? (a.population !== null ? String(a.population) : '')}
                        onInput={(e) => setEdits({ ...edits, [a.code]: e.currentTarget.value })}
                      />
                      <button type="submit" class="btn btn-small" disabled={edits[a.code] === undefined}>
                        {t('save')}
                        <span class="visually-hidden"> {a.name}</span>
                      </button>
                      {st && (
                        <span class={`small ${st.ok ? 'ok-text' : 'error-text'}`} role={st.ok ? 'status' : 'alert'}>
                          {st.text}
                        </span>
                      )}
                    </form>
                  ) : a.population !== null ? (
                    formatNumber(a.population)
                  ) : (
                    '—'
                  )}
                </td>
                <td class="num">
                  {ad ? `${formatNumber(ad.registered_addresses)} / ${formatNumber(ad.target)} (${formatNumber(ad.compliance_pct ?? 0, 1)} %)` : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
export function kindRank(k: string): number {
  return ['region', 'precinct', 'sector', 'neighbourhood'].indexOf(k);
}

// ---- categories: routing and the restricted flag ----
