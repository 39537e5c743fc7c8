'use client';

import type { Output } from '../lib/api';
import { defineMessages, useMessages, usePrefs } from '../lib/i18n';

type Region = Output<'listRegions'>['regions'][number];

const m = defineMessages({
  en: {
    legend: 'Data region',
    explain:
      'Traces, metrics and logs of this tenant are stored and processed only in the region you choose. The choice is fixed when the tenant is created and cannot be changed later.',
    default: 'default',
  },
  ja: {
    legend: 'データリージョン',
    explain:
      'このテナントのトレース・メトリクス・ログは、選んだリージョンの中だけで保存・処理されます。リージョンはテナント作成時に確定し、後から変更できません。',
    default: '既定',
  },
});

/**
 * Japanese for the regions Meridian ships configured (the server's texts are the operator's,
 * in English): keyed by that exact English, so an operator's own wording is shown as written.
 */
const JA_REGION_TEXT: Record<string, string> = {
  Tokyo: '東京',
  'Japan (Tokyo). Telemetry is stored and processed only in Japan.': '日本（東京）。テレメトリは日本国内だけで保存・処理されます。',
  Seoul: 'ソウル',
  'South Korea (Seoul). Telemetry is stored and processed only in South Korea.': '韓国（ソウル）。テレメトリは韓国国内だけで保存・処理されます。',
};

/** The data-region choice, in plain words: where the data will live, and that it is final. */
export function RegionPicker({
  regions,
  defaultRegion,
  value,
  onChange,
  error,
}: {
  regions: Region[];
  defaultRegion: string;
  value: string;
  onChange(id: string): void;
  error?: string;
}) {
  const t = useMessages(m);
  const { locale } = usePrefs();
  const say = (text: string) => (locale === 'ja' ? (JA_REGION_TEXT[text] ?? text) : text);
  return (
    <fieldset className={`regions${error ? ' field-invalid' : ''}`}>
      <legend>{t.legend}</legend>
      <p className="hint">{t.explain}</p>
      <div className="region-options">
        {regions.map((r) => (
          <label key={r.id} className={`region-option${value === r.id ? ' selected' : ''}`}>
            <input type="radio" name="region" value={r.id} checked={value === r.id} onChange={() => onChange(r.id)} />
            <span className="region-name">
              {say(r.name)} <code>{r.id}</code> {r.id === defaultRegion && <span className="badge">{t.default}</span>}
            </span>
            <span className="region-location">{say(r.location)}</span>
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
