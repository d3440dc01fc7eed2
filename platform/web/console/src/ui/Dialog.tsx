import { useEffect, useRef } from "preact/hooks";
import { Button } from "./Button";

/**
 * Asks once before a destructive action. The native <dialog> gives the modal focus trap, Escape
 * and the backdrop; focus returns to the opener when it closes.
 */
export function ConfirmDialog({ open, message, confirmLabel, cancelLabel, danger, onConfirm, onCancel }: {
  open: boolean;
  message: string;
  confirmLabel: string;
  cancelLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby="confirm-text" onCancel={(e) => { e.preventDefault(); onCancel(); }}>
      <p id="confirm-text">{message}</p>
      <div class="actions">
        <Button variant={danger ? "danger" : "primary"} onClick={onConfirm}>{confirmLabel}</Button>
        <Button variant="secondary" onClick={onCancel}>{cancelLabel}</Button>
      </div>
    </dialog>
  );
}
