/** The relay area: its routes and the links to them (see ../types.ts). */
import type { Area } from "../types";

export const relay: Area = {
  routes: [],
};
