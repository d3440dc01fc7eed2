/** The insight area: the platform overview, alerts and the audit log (see ../types.ts). */
import { lazy } from "preact-iso";
import type { Area } from "../types";

// Who may use each page: the permission its endpoint checks (platform/core/permissions.py).
const APP_READ_ANY = ["platform_operator", "platform_devops"] as const; // GET /admin/overview
const ALERTS_MANAGE = ["platform_operator", "platform_devops"] as const; // /admin/alerts
const AUDIT_READ = ["platform_operator", "platform_devops"] as const; // GET /admin/audit-events

export const insight: Area = {
  routes: [
    { path: "/operator/overview", roles: APP_READ_ANY, component: lazy(() => import("./Overview").then((m) => m.Overview)) },
    { path: "/operator/alerts", roles: ALERTS_MANAGE, component: lazy(() => import("./Alerts").then((m) => m.Alerts)) },
    { path: "/operator/audit", roles: AUDIT_READ, component: lazy(() => import("./Audit").then((m) => m.Audit)) },
  ],
  operatorSections: [
    { href: "/console/operator/overview", label: "insight.hub.overview", description: "insight.hub.overviewHelp", roles: APP_READ_ANY },
    { href: "/console/operator/alerts", label: "insight.hub.alerts", description: "insight.hub.alertsHelp", roles: ALERTS_MANAGE },
    { href: "/console/operator/audit", label: "insight.hub.audit", description: "insight.hub.auditHelp", roles: AUDIT_READ },
  ],
};
