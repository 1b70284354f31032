import type { FormEvent, FormHTMLAttributes, ReactNode, SelectHTMLAttributes } from 'react';

/**
 * A form that never navigates: submitting hands its fields to `onSubmit`. `inline` lays the
 * fields out in a row.
 */
export function Form({
  inline = false,
  onSubmit,
  children,
  ...attributes
}: {
  inline?: boolean;
  onSubmit?: (fields: FormData) => void;
  children: ReactNode;
} & Omit<FormHTMLAttributes<HTMLFormElement>, 'onSubmit' | 'className'>) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onSubmit?.(new FormData(event.currentTarget));
  }
  return (
    <form className={inline ? 'inline' : undefined} onSubmit={submit} {...attributes}>
      {children}
    </form>
  );
}

/** A submitted text field without surrounding white space; a missing one is empty. */
export function formText(fields: FormData, name: string): string {
  return String(fields.get(name) ?? '').trim();
}

/** A control with its label wrapped around it, so a click on the label reaches the control. */
export function Field({ label, children }: { label: ReactNode; children: ReactNode }) {
  return (
    <label>
      {label}
      {children}
    </label>
  );
}

/** An option is its value, or a value with the text shown for it. */
export type Choice = string | readonly [value: string, text: string];

export function SelectField({
  label,
  choices,
  ...select
}: { label: ReactNode; choices: readonly Choice[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <Field label={label}>
      <select {...select}>
        {choices.map((choice) => {
          const [value, text] = typeof choice === 'string' ? [choice, choice] : choice;
          return (
            <option key={value} value={value}>
              {text}
            </option>
          );
        })}
      </select>
    </Field>
  );
}
