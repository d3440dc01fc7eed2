import { useConsole } from "../context";
import { Card } from "../ui/Card";

/** The operator console's entry; its pages (issue 14, item 4) are added here. */
export function Operator() {
  const { t } = useConsole();
  return (
    <main>
      <h1>{t("operator.title")}</h1>
      <Card><p>{t("operator.soon")}</p></Card>
    </main>
  );
}
