/**
 * An area of the console: a feature's pages with the links that lead to them. Each area lives in
 * its own folder (its pages, its messages, its `index.ts`) and is listed once in `./index.ts`; the
 * router, the navigation, the app page's tabs and the operations hub are all built from that list.
 */
import type { ComponentType } from "preact";
import type { MessageKey } from "../i18n";
import type { NavItem } from "../nav";

export interface AreaRoute {
  /** Below the console's base, such as `/apps/:id/deployments`. */
  path: string;
  // Pages take the router's props; each page reads its own params with useRoute().
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  component: ComponentType<any>;
  /** Who may open it: any of these roles. Left out, the page is for people who are signed out too. */
  roles?: readonly string[];
}

/** A tab on every mini-program page: `path` is below `/console/apps/<id>/`. */
export interface AppSection {
  path: string;
  label: MessageKey;
}

/** A card on a hub page (the operations hub, the account page), with who may open it. */
export interface HubSection {
  href: string;
  label: MessageKey;
  description: MessageKey;
  roles: readonly string[];
}

export interface Area {
  routes: readonly AreaRoute[];
  nav?: readonly NavItem[];
  appSections?: readonly AppSection[];
  operatorSections?: readonly HubSection[];
}
