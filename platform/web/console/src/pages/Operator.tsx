import { operatorSections } from "../areas";
import { useConsole } from "../context";
import { Card } from "../ui/Card";

/** The operations hub: a card for each operator page the person's roles may open. */
export function Operator() {
  const { t, account } = useConsole();
  const sections = operatorSections(account?.roles ?? []);
  return (
    <main>
      <h1>{t("operator.title")}</h1>
      <p class="muted">{t("operator.intro")}</p>
      {sections.length === 0 ? (
        <Card><p>{t("operator.empty")}</p></Card>
      ) : (
        <ul class="hub">
          {sections.map((section) => (
            <li key={section.href}>
              <a class="hub-card" href={section.href}>
                <strong>{t(section.label)}</strong>
                <span class="muted">{t(section.description)}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
