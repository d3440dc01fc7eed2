import type { ButtonHTMLAttributes, ComponentChildren } from "preact";

type Props = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: "primary" | "secondary" | "danger";
  small?: boolean;
  busy?: boolean;
  children: ComponentChildren;
};

/** A button; `busy` disables it and tells assistive technology so while a request runs. */
export function Button({ variant = "primary", small, busy, children, type = "button", ...rest }: Props) {
  const classes = ["btn", variant !== "primary" ? variant : "", small ? "small" : ""].filter(Boolean).join(" ");
  return (
    <button {...rest} type={type} class={classes} disabled={busy || rest.disabled} aria-busy={busy || undefined}>
      {children}
    </button>
  );
}
