/** The deployments area: its routes and the links to them (see ../types.ts). */
import type { Area } from "../types";

export const deployments: Area = {
  routes: [],
};
