'use client';

import { useState, type FormEvent } from 'react';
import { useMessages, usePrefs } from '../../lib/i18n';
import { hitmapMessages } from './messages';
import styles from './hitmap.module.css';
import { freezeWindow, liveWindow, MAX_WINDOW_MS, SPAN_PRESETS, spanMs, windowRange, type HitmapWindow } from './view';
import { fromZonedInput, toZonedInput } from './zoned-time';

/** Live on/off, window presets and an absolute from/to in the user's time zone. */
export function TimePicker({ value, onChange }: { value: HitmapWindow; onChange(next: HitmapWindow): void }) {
  const t = useMessages(hitmapMessages);
  const { timeZone, fmt } = usePrefs();
  const current = windowRange(value, Date.now());
  const [from, setFrom] = useState(() => toZonedInput(current.from, timeZone));
  const [to, setTo] = useState(() => toZonedInput(current.to, timeZone));
  const [invalid, setInvalid] = useState(false);
  const activeSpan = value.live ? value.span : SPAN_PRESETS.find((p) => spanMs(p) === value.to - value.from);

  const pickPreset = (span: string) => {
    if (value.live) return onChange({ live: true, span });
    const to = Math.floor(Date.now() / 1000) * 1000;
    onChange({ live: false, from: to - spanMs(span)!, to });
  };
  const toggleLive = () => onChange(value.live ? freezeWindow(value, Date.now()) : liveWindow(value));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const f = fromZonedInput(from, timeZone);
    const tt = fromZonedInput(to, timeZone);
    const ok = f !== undefined && tt !== undefined && f < tt && tt - f <= MAX_WINDOW_MS;
    setInvalid(!ok);
    if (ok) onChange({ live: false, from: f, to: tt });
  };
  // The absolute inputs follow the window when it changes from elsewhere (preset, live off, a link).
  const shownKey = value.live ? `live:${value.span}` : `${value.from}-${value.to}`;
  const [syncedKey, setSyncedKey] = useState(shownKey);
  if (syncedKey !== shownKey) {
    setSyncedKey(shownKey);
    setFrom(toZonedInput(current.from, timeZone));
    setTo(toZonedInput(current.to, timeZone));
    setInvalid(false);
  }

  return (
    <div className={styles.timePicker}>
      <button type="button" className={`btn btn-small ${value.live ? styles.liveOn : ''}`} aria-pressed={value.live} title={t.liveHelp} onClick={toggleLive} data-testid="live-toggle">
        <span className={styles.liveDot} aria-hidden /> {value.live ? t.live : t.paused}
      </button>
      <div className={styles.presets} role="group" aria-label={t.window}>
        {SPAN_PRESETS.map((p) => (
          <button key={p} type="button" className={`btn btn-small ${activeSpan === p ? styles.presetOn : ''}`} aria-pressed={activeSpan === p} onClick={() => pickPreset(p)}>
            {t.spanLabel(p)}
          </button>
        ))}
      </div>
      <form className={styles.absolute} onSubmit={apply}>
        <label>
          <span className="visually-hidden">{t.from}</span>
          <input className="input" type="datetime-local" step={1} value={from} onChange={(e) => setFrom(e.target.value)} aria-label={t.from} aria-invalid={invalid} />
        </label>
        <span aria-hidden>–</span>
        <label>
          <span className="visually-hidden">{t.to}</span>
          <input className="input" type="datetime-local" step={1} value={to} onChange={(e) => setTo(e.target.value)} aria-label={t.to} aria-invalid={invalid} />
        </label>
        <button type="submit" className="btn btn-small">
          {t.apply}
        </button>
        <span className="hint">{t.zoneNote(fmt.zoneLabel())}</span>
      </form>
      {invalid && (
        <p className="field-error" role="alert">
          {t.badRange}
        </p>
      )}
    </div>
  );
}
