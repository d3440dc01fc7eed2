/** Every area of the console, in the order their tabs and cards appear. */
import { activity } from "./activity";
import { deployments } from "./deployments";
import { insight } from "./insight";
import { relay } from "./relay";
import { review } from "./review";
import { settings } from "./settings";
import type { AppSection, Area, HubSection } from "./types";
import type { NavItem } from "../nav";

export const AREAS: readonly Area[] = [settings, deployments, relay, activity, review, insight];

export const areaNav = (): NavItem[] => AREAS.flatMap((area) => area.nav ?? []);
export const appSections = (): AppSection[] => AREAS.flatMap((area) => area.appSections ?? []);

export const operatorSections = (roles: readonly string[]): HubSection[] =>
  AREAS.flatMap((area) => area.operatorSections ?? []).filter((section) =>
    section.roles.some((role) => roles.includes(role)),
  );
