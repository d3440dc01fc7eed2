/** The activity area: its routes and the links to them (see ../types.ts). */
import type { Area } from "../types";

export const activity: Area = {
  routes: [],
};
