import { useState } from "preact/hooks";
import { useConsole } from "../../context";
import { ConfirmDialog } from "../../ui/Dialog";

export interface Question {
  message: string;
  confirmLabel: string;
  danger?: boolean;
  run: () => void | Promise<void>;
}
export type Ask = (question: Question) => void;

/** One confirm dialog for a whole page (its text is the dialog's name, by one id): ask once. */
export function useAsk(): [Ask, preact.JSX.Element] {
  const { t } = useConsole();
  const [question, setQuestion] = useState<Question | null>(null);
  const dialog = (
    <ConfirmDialog
      open={question !== null}
      danger={question?.danger}
      message={question?.message ?? ""}
      confirmLabel={question?.confirmLabel ?? t("common.confirm")}
      cancelLabel={t("common.cancel")}
      onConfirm={() => {
        const asked = question;
        setQuestion(null);
        if (asked) void asked.run();
      }}
      onCancel={() => setQuestion(null)}
    />
  );
  return [setQuestion, dialog];
}
