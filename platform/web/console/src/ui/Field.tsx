import type { InputHTMLAttributes, TextareaHTMLAttributes } from "preact";

type Common = { name: string; label: string; error?: string | undefined; hint?: string };
type InputProps = Common & { multiline?: false } & Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "label">;
type AreaProps = Common & { multiline: true } & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "name" | "label">;

/**
 * A labelled input with its hint and its error. The error is tied to the input by
 * aria-describedby and marks it aria-invalid, so a screen reader reads it with the field.
 */
export function Field(props: InputProps | AreaProps) {
  const { name, label, error, hint, multiline, ...rest } = props;
  const id = `f-${name}`;
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const control = {
    id,
    name,
    "aria-invalid": error ? ("true" as const) : undefined,
    "aria-describedby": described,
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && <span class="hint" id={`${id}-hint`}>{hint}</span>}
      {multiline ? (
        <textarea {...(rest as TextareaHTMLAttributes<HTMLTextAreaElement>)} {...control} />
      ) : (
        <input {...(rest as InputHTMLAttributes<HTMLInputElement>)} {...control} />
      )}
      {error && <span class="error" id={`${id}-error`}>{error}</span>}
    </div>
  );
}

export function SelectField(
  props: Common & { options: { value: string; label: string }[]; defaultValue?: string; disabled?: boolean },
) {
  const { name, label, error, hint, options, defaultValue, ...rest } = props;
  const id = `f-${name}`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && <span class="hint">{hint}</span>}
      <select {...rest} id={id} name={name} aria-invalid={error ? "true" : undefined} aria-describedby={error ? `${id}-error` : undefined}>
        {options.map((o) => (
          <option key={o.value} value={o.value} selected={defaultValue === undefined ? undefined : o.value === defaultValue}>{o.label}</option>
        ))}
      </select>
      {error && <span class="error" id={`${id}-error`}>{error}</span>}
    </div>
  );
}
