/** The review area: the operators' review queue, qualifications and app lookup (see ../types.ts). */
import { lazy } from "preact-iso";
import { BASE } from "../../nav";
import type { Area } from "../types";
import { rolesWith } from "./access";

const REVIEWERS = rolesWith("review:decide");
const QUALIFIERS = rolesWith("qualification:review");
const READERS = rolesWith("app:read:any");

export const review: Area = {
  routes: [
    { path: "/operator/review", roles: REVIEWERS, component: lazy(() => import("./ReviewQueue").then((m) => m.ReviewQueue)) },
    { path: "/operator/qualifications", roles: QUALIFIERS, component: lazy(() => import("./Qualifications").then((m) => m.Qualifications)) },
    { path: "/operator/apps", roles: READERS, component: lazy(() => import("./Lookup").then((m) => m.Lookup)) },
    { path: "/operator/apps/:id", roles: READERS, component: lazy(() => import("./OperatorApp").then((m) => m.OperatorApp)) },
  ],
  operatorSections: [
    { href: `${BASE}/operator/review`, label: "review.hub.queue", description: "review.hub.queueHelp", roles: REVIEWERS },
    { href: `${BASE}/operator/qualifications`, label: "review.hub.quals", description: "review.hub.qualsHelp", roles: QUALIFIERS },
    { href: `${BASE}/operator/apps`, label: "review.hub.apps", description: "review.hub.appsHelp", roles: READERS },
  ],
};
