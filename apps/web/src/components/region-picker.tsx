'use client';

import type { Output } from '../lib/api';
import { defineMessages, useMessages } from '../lib/i18n';

type Region = Output<'listRegions'>['regions'][number];

const m = defineMessages({
  en: {
    legend: 'Data region',
    explain: 'Traces, metrics and logs of this tenant are stored and processed only in the region you choose. The choice is fixed when the tenant is created and cannot be changed later.',
    default: 'default',
  },
  ja: {
    legend: 'データリージョン',
    explain: 'このテナントのトレース・メトリクス・ログは、選んだリージョンの中だけで保存・処理されます。リージョンはテナント作成時に確定し、後から変更できません。',
    default: '既定',
  },
});

/** The data-region choice, in plain words: where the data will live, and that it is final. */
export function RegionPicker({ regions, defaultRegion, value, onChange, error }: { regions: Region[]; defaultRegion: string; value: string; onChange(id: string): void; error?: string }) {
  const t = useMessages(m);
  return (
    <fieldset className={`regions${error ? ' field-invalid' : ''}`}>
      <legend>{t.legend}</legend>
      <p className="hint">{t.explain}</p>
      <div className="region-options">
        {regions.map((r) => (
          <label key={r.id} className={`region-option${value === r.id ? ' selected' : ''}`}>
            <input type="radio" name="region" value={r.id} checked={value === r.id} onChange={() => onChange(r.id)} />
            <span className="region-name">
              {r.name} <code>{r.id}</code> {r.id === defaultRegion && <span className="badge">{t.default}</span>}
            </span>
            <span className="region-location">{r.location}</span>
          </label>
        ))}
      </div>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </fieldset>
  );
}
