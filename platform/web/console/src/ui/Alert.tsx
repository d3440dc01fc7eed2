import type { ComponentChildren } from "preact";

/** A message in the page: errors are announced at once (role alert), the rest politely. */
export function Alert({ kind = "info", children }: { kind?: "info" | "ok" | "error"; children: ComponentChildren }) {
  return (
    <div class={`alert ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return <p class="muted" role="status" aria-live="polite">{label}</p>;
}

export interface ToastItem { id: number; kind: "ok" | "error" | "info"; text: string }

/** Toasts: short confirmations that leave by themselves, in one live region. */
export function Toasts({ items }: { items: ToastItem[] }) {
  return (
    <div class="toasts" aria-live="polite">
      {items.map((item) => (
        <div key={item.id} class={`alert ${item.kind}`}>{item.text}</div>
      ))}
    </div>
  );
}
