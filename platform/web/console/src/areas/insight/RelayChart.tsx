import { useConsole } from "../../context";
import { niceCeiling } from "./format";

export interface RelayDay {
  day: string;
  sponsored: number;
  self_paid: number;
  failed: number;
}

const HEIGHT = 160;
const SLOT = 10; // each day's width in the SVG's own units; stretched to the card's width

/**
 * The relay's days as stacked bars (sponsored below, self-paid above) with a narrow failures bar
 * beside each. Dependency-free SVG: the picture is decoration for sighted readers; its text
 * equivalent is the `aria-label` sentence and the table after it (RelayTable).
 */
export function RelayChart({ days, label }: { days: RelayDay[]; label: string }) {
  const { t } = useConsole();
  const top = niceCeiling(Math.max(0, ...days.map((d) => d.sponsored + d.self_paid)));
  const y = (value: number) => (value / top) * HEIGHT;
  return (
    <figure class="relay-chart">
      <div class="relay-plot">
        <span class="relay-axis" aria-hidden="true"><span>{top}</span><span>0</span></span>
        <svg role="img" aria-label={label} viewBox={`0 0 ${days.length * SLOT} ${HEIGHT}`}
          preserveAspectRatio="none" focusable="false">
          {[0.5, 1].map((f) => (
            <line key={f} x1={0} x2={days.length * SLOT} y1={HEIGHT - f * HEIGHT} y2={HEIGHT - f * HEIGHT}
              class="grid" vector-effect="non-scaling-stroke" />
          ))}
          {days.map((d, i) => {
            const x = i * SLOT;
            const sponsored = y(d.sponsored);
            const selfPaid = y(d.self_paid);
            return (
              <g key={d.day}>
                <rect class="bar-sponsored" x={x + 1} width={5.5} y={HEIGHT - sponsored} height={sponsored} />
                <rect class="bar-self" x={x + 1} width={5.5} y={HEIGHT - sponsored - selfPaid} height={selfPaid} />
                <rect class="bar-failed" x={x + 7} width={2} y={HEIGHT - y(d.failed)} height={y(d.failed)} />
              </g>
            );
          })}
        </svg>
      </div>
      <ol class="relay-days" aria-hidden="true">
        {days.map((d) => <li key={d.day}>{Number(d.day.slice(8, 10))}</li>)}
      </ol>
      <figcaption class="relay-legend">
        <span><i class="swatch bar-sponsored" />{t("overview.sponsored")}</span>
        <span><i class="swatch bar-self" />{t("overview.selfPaid")}</span>
        <span><i class="swatch bar-failed" />{t("overview.failed")}</span>
      </figcaption>
    </figure>
  );
}
