/** The relay area: its routes and the links to them (see ../types.ts). */
import { lazy } from "preact-iso";
import type { Area } from "../types";

export const relay: Area = {
  routes: [
    { path: "/apps/:id/relay", component: lazy(() => import("./Relay").then((m) => m.Relay)), roles: ["developer"] },
    {
      path: "/apps/:id/relay/transactions/:hash",
      component: lazy(() => import("./TransactionDetail").then((m) => m.TransactionDetail)),
      roles: ["developer"],
    },
  ],
  appSections: [{ path: "relay", label: "relay.tab" }],
};
