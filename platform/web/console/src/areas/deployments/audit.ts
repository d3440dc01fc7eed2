/**
 * The contract audit of a deployment as its `artifacts.audit` records it (docs/deployer.md,
 * "audit"): slither's findings, the A–E rating, how many High findings block production, and an
 * operator's override if there is one.
 */
export const IMPACTS = ["High", "Medium", "Low", "Informational", "Optimization"] as const;
export type Impact = (typeof IMPACTS)[number];

export interface Finding {
  check: string;
  impact: Impact;
  confidence: string;
  description: string;
  file: string;
  lines: number[];
}

export interface Override {
  by: string;
  reason: string;
  at: string;
}

export interface Audit {
  tool: string;
  rating: string;
  cached: boolean;
  findings: Finding[];
  blocking: number;
  override: Override | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The audit of `artifacts`, or null before the audit stage ran (or without contracts). */
export function auditOf(artifacts: unknown): Audit | null {
  if (!isRecord(artifacts) || !isRecord(artifacts.audit)) return null;
  const raw = artifacts.audit;
  if (typeof raw.rating !== "string") return null;
  const findings = Array.isArray(raw.findings) ? raw.findings.filter(isRecord) : [];
  const override = isRecord(raw.override) ? raw.override : null;
  return {
    tool: typeof raw.tool === "string" ? raw.tool : "",
    rating: raw.rating,
    cached: raw.cached === true,
    findings: findings.map((f) => ({
      check: String(f.check ?? ""),
      impact: (IMPACTS as readonly string[]).includes(String(f.impact)) ? (f.impact as Impact) : "Informational",
      confidence: String(f.confidence ?? ""),
      description: String(f.description ?? ""),
      file: String(f.file ?? ""),
      lines: Array.isArray(f.lines) ? f.lines.filter((n): n is number => typeof n === "number") : [],
    })),
    blocking: typeof raw.blocking === "number" ? raw.blocking : 0,
    override: override
      ? { by: String(override.by ?? ""), reason: String(override.reason ?? ""), at: String(override.at ?? "") }
      : null,
  };
}

/** Findings by impact, most severe first; impacts without findings are left out. */
export function bySeverity(findings: readonly Finding[]): { impact: Impact; findings: Finding[] }[] {
  return IMPACTS.map((impact) => ({ impact, findings: findings.filter((f) => f.impact === impact) })).filter(
    (group) => group.findings.length > 0,
  );
}

/** Whether this build may go to production: High findings block it unless an operator overrode. */
export function productionState(audit: Audit): "allowed" | "blocked" | "overridden" {
  if (audit.blocking === 0) return "allowed";
  return audit.override ? "overridden" : "blocked";
}

/** "contracts/Greeter.sol:12–14" */
export function where(finding: Finding): string {
  if (finding.lines.length === 0) return finding.file;
  const first = Math.min(...finding.lines);
  const last = Math.max(...finding.lines);
  return `${finding.file}:${first === last ? first : `${first}–${last}`}`;
}
