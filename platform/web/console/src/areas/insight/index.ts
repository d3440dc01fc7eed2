/** The insight area: its routes and the links to them (see ../types.ts). */
import type { Area } from "../types";

export const insight: Area = {
  routes: [],
};
