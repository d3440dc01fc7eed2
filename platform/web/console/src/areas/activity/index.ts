/** The activity area: its routes and the links to them (see ../types.ts). */
import { lazy } from "preact-iso";
import { BASE } from "../../nav";
import type { Area } from "../types";

/** Everyone who can sign in to the console has an account page. */
const SIGNED_IN = ["developer", "app_operator", "platform_operator", "platform_devops", "platform_tech"] as const;

export const activity: Area = {
  routes: [
    {
      path: "/apps/:id/activity",
      component: lazy(() => import("./Activity").then((m) => m.Activity)),
      roles: ["developer"],
    },
    {
      path: "/account",
      component: lazy(() => import("./Account").then((m) => m.Account)),
      roles: SIGNED_IN,
    },
  ],
  nav: [{ href: `${BASE}/account`, label: "account.nav", roles: SIGNED_IN }],
  appSections: [{ path: "activity", label: "activity.tab" }],
};
