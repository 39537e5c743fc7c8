import type { ReactNode } from 'react';
import styles from './choice-buttons.module.css';

interface ChoiceButtonsProps<T extends string> {
  /** The group's accessible name. */
  label: string;
  choices: readonly T[];
  /** The pressed choice; none when the view matches no choice (a hand-picked window). */
  value: T | undefined;
  onPick: (choice: T) => void;
  text: (choice: T) => ReactNode;
  /** One bar of touching buttons (windows, zooms) rather than spaced buttons that wrap (sort orders). */
  joined?: boolean;
  testId?: string;
}

/** A row of toggle buttons of which one is pressed: a window, a zoom, an order. */
export function ChoiceButtons<T extends string>({ label, choices, value, onPick, text, joined, testId }: ChoiceButtonsProps<T>) {
  return (
    <div className={joined ? styles.joined : styles.spaced} role="group" aria-label={label} data-testid={testId}>
      {choices.map((c) => (
        <button key={c} type="button" className={`btn btn-small ${c === value ? styles.on : ''}`} aria-pressed={c === value} onClick={() => onPick(c)}>
          {text(c)}
        </button>
      ))}
    </div>
  );
}
