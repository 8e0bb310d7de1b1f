/** The built-in community-manager strategies: one line per strategy. Plugins add theirs (`managerStrategies`). */
import { exportMargin } from './export-margin.js';
import { importCap } from './import-cap.js';
import { refusePartner } from './refuse-partner.js';
import type { AnyManagerStrategy } from './strategy.js';
import { truthful } from './truthful.js';

export const managerStrategies: Readonly<Record<string, AnyManagerStrategy>> = {
  truthful,
  'export-margin': exportMargin,
  'import-cap': importCap,
  'refuse-partner': refusePartner,
};
