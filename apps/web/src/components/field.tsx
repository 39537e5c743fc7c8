'use client';

import { cloneElement, useId, type InputHTMLAttributes, type ReactElement, type ReactNode } from 'react';

type Control = ReactElement<{ id?: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }>;

/**
 * A labelled form control with its hint and its error (from the server's `issues`). The label
 * alone names the control; hint and error describe it (aria-describedby), as screen readers expect.
 */
export function Field({ label, hint, error, children }: { label: string; hint?: ReactNode; error?: string; children: Control }) {
  const id = useId();
  const noteId = `${id}-note`;
  const note = error ?? hint;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {cloneElement(children, { id, 'aria-describedby': note ? noteId : undefined, 'aria-invalid': error ? true : undefined })}
      {error ? (
        <span id={noteId} className="field-error" role="alert">
          {error}
        </span>
      ) : (
        hint && (
          <span id={noteId} className="hint">
            {hint}
          </span>
        )
      )}
    </div>
  );
}

export function TextInput(props: InputHTMLAttributes<HTMLInputElement>) {
  return <input className="input" {...props} />;
}
