/** The settings area: an app's settings and members, and the landing of an invitation (see ../types.ts). */
import { lazy } from "preact-iso";
import { STAFF_ROLES } from "../../nav";
import type { Area } from "../types";

const Settings = lazy(() => import("./Settings").then((m) => m.Settings));
const Members = lazy(() => import("./Members").then((m) => m.Members));
const AcceptInvitation = lazy(() => import("./AcceptInvitation").then((m) => m.AcceptInvitation));

export const settings: Area = {
  routes: [
    { path: "/apps/:id/settings", component: Settings, roles: ["developer", ...STAFF_ROLES] },
    { path: "/apps/:id/members", component: Members, roles: ["developer", ...STAFF_ROLES] },
    // anyone signed in: the invitee's account must have the invited (verified) email, whatever its roles
    { path: "/invitations/accept", component: AcceptInvitation, roles: ["developer", ...STAFF_ROLES] },
  ],
  appSections: [
    { path: "settings", label: "settings.tab" },
    { path: "members", label: "members.tab" },
  ],
};
