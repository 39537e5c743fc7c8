'use client';

import { useState } from 'react';
import { defineMessages, useMessages } from '../lib/i18n';

const m = defineMessages({
  en: { copy: 'Copy', copied: 'Copied', copyFailed: 'Select the text and copy it' },
  ja: { copy: 'コピー', copied: 'コピーしました', copyFailed: 'テキストを選択してコピーしてください' },
});

/** Preformatted text (a key, shell lines) with a copy button. */
export function CopyBlock({ text, label }: { text: string; label?: string }) {
  const t = useMessages(m);
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      // Clipboard needs a secure context (https or localhost); elsewhere the user copies by hand.
      setState('failed');
    }
  };
  return (
    <div className="copy-block">
      <pre aria-label={label}>{text}</pre>
      <button type="button" className="btn btn-small" onClick={copy}>
        {state === 'copied' ? t.copied : t.copy}
      </button>
      {state === 'failed' && <span className="hint">{t.copyFailed}</span>}
    </div>
  );
}
