import { useConsole } from "../../context";
import { BASE } from "../../nav";

/** The link back to the operations hub, above each page's heading. */
export function Back() {
  const { t } = useConsole();
  return <p><a href={`${BASE}/operator`}>← {t("review.back")}</a></p>;
}
