/**
 * Rules that answer dialogs without a person (the server's `rules.py` holds them; the page
 * asks before each dialog, so a rule set by `PUT /api/rules` applies to the next dialog).
 */

export type Decision = "manual" | "approve" | "reject";

export interface Rules {
  default: Decision;
  methods: Record<string, Decision>;
}

export const MANUAL: Rules = { default: "manual", methods: {} };

/** The contract method's rule, else the bridge method's, else the default. */
export function decide(rules: Rules, bridgeMethod: string, contractMethod?: string): Decision {
  if (contractMethod !== undefined && Object.prototype.hasOwnProperty.call(rules.methods, contractMethod)) {
    return rules.methods[contractMethod] ?? rules.default;
  }
  if (Object.prototype.hasOwnProperty.call(rules.methods, bridgeMethod)) return rules.methods[bridgeMethod] ?? rules.default;
  return rules.default;
}

/** The short form the command line and `?rules=` use: `manual,personal_sign:reject`. */
export function formatMethodRules(rules: Rules): string {
  return Object.entries(rules.methods)
    .map(([name, decision]) => `${name}:${decision}`)
    .join(", ");
}
