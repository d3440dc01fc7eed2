import { useConsole } from "../context";
import type { MessageKey } from "../i18n";
import { Card } from "../ui/Card";

export function Message({ title, body }: { title: MessageKey; body: MessageKey }) {
  const { t } = useConsole();
  return (
    <main class="narrow">
      <h1>{t(title)}</h1>
      <Card><p>{t(body)}</p></Card>
    </main>
  );
}
