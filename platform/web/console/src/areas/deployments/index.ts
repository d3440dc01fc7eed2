/** The deployments area: its routes and the links to them (see ../types.ts). */
import { lazy } from "preact-iso";
import type { Area } from "../types";

const DEVELOPER = ["developer"] as const;

export const deployments: Area = {
  routes: [
    {
      path: "/apps/:id/deployments",
      component: lazy(() => import("./Deployments").then((m) => m.Deployments)),
      roles: DEVELOPER,
    },
    {
      path: "/apps/:id/deployments/:deploymentId",
      component: lazy(() => import("./Deployment").then((m) => m.Deployment)),
      roles: DEVELOPER,
    },
    {
      path: "/apps/:id/releases",
      component: lazy(() => import("./Releases").then((m) => m.Releases)),
      roles: DEVELOPER,
    },
  ],
  appSections: [
    { path: "deployments", label: "dep.tab" },
    { path: "releases", label: "rel.tab" },
  ],
};
