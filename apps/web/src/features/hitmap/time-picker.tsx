'use client';

import { useEffect, useState, type FormEvent } from 'react';
import { ChoiceButtons } from '../../components/choice-buttons';
import { useMessages, usePrefs } from '../../lib/i18n';
import { hitmapMessages } from './messages';
import styles from './hitmap.module.css';
import { freezeWindow, liveWindow, MAX_WINDOW_MS, SPAN_PRESETS, spanMs, windowRange, type HitmapWindow } from './view';
import { fromZonedInput, toZonedInput } from '../../lib/zoned-time';

/** Id of the From field (the `t` shortcut focuses it). */
export const TIME_PICKER_FROM_ID = 'hitmap-from';
/** How often From/To follow a live window. */
const FOLLOW_MS = 1_000;

/** Live on/off, window presets and an absolute from/to (24 h) in the user's time zone; live, From/To follow the window. */
export function TimePicker({ value, onChange }: { value: HitmapWindow; onChange(next: HitmapWindow): void }) {
  const t = useMessages(hitmapMessages);
  const { timeZone, fmt } = usePrefs();
  const current = windowRange(value, Date.now());
  const [from, setFrom] = useState(() => toZonedInput(current.from, timeZone));
  const [to, setTo] = useState(() => toZonedInput(current.to, timeZone));
  const [invalid, setInvalid] = useState(false);
  // Typed-in text is kept (not followed) until applied or the window changes.
  const [edited, setEdited] = useState(false);
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
    setEdited(false);
  }
  // Live, they slide with the clock, unless the user has typed in them.
  const liveSpan = value.live ? spanMs(value.span)! : 0;
  useEffect(() => {
    if (!liveSpan || edited) return;
    const follow = () => {
      const now = Date.now();
      setFrom(toZonedInput(now - liveSpan, timeZone));
      setTo(toZonedInput(now, timeZone));
    };
    follow();
    const timer = setInterval(follow, FOLLOW_MS);
    return () => clearInterval(timer);
  }, [liveSpan, edited, timeZone]);
  const fieldProps = {
    className: 'input',
    type: 'text',
    inputMode: 'numeric',
    size: 19,
    placeholder: 'YYYY-MM-DD hh:mm:ss',
    spellCheck: false,
    'aria-invalid': invalid,
  } as const;

  return (
    <div className={styles.timePicker}>
      <button
        type="button"
        className={`btn btn-small ${value.live ? styles.liveOn : ''}`}
        aria-pressed={value.live}
        title={t.liveHelp}
        onClick={toggleLive}
        data-testid="live-toggle"
      >
        <span className={styles.liveDot} aria-hidden /> {value.live ? t.live : t.paused}
      </button>
      <ChoiceButtons joined label={t.window} choices={SPAN_PRESETS} value={activeSpan} onPick={pickPreset} text={t.spanLabel} />
      <form className={styles.absolute} onSubmit={apply}>
        <label>
          <span className="visually-hidden">{t.from}</span>
          <input
            {...fieldProps}
            id={TIME_PICKER_FROM_ID}
            value={from}
            onChange={(e) => {
              setFrom(e.target.value);
              setEdited(true);
            }}
            aria-label={t.from}
          />
        </label>
        <span aria-hidden>–</span>
        <label>
          <span className="visually-hidden">{t.to}</span>
          <input
            {...fieldProps}
            value={to}
            onChange={(e) => {
              setTo(e.target.value);
              setEdited(true);
            }}
            aria-label={t.to}
          />
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
