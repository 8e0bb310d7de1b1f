/** The built-in bidding strategies: one line per strategy. Plugins add theirs through the same registry. */
import { elasticDemand } from './elastic-demand.js';
import { inelastic } from './inelastic.js';
import { markup } from './markup.js';
import { passive } from './passive.js';
import { quadratic } from './quadratic.js';
import { srmc } from './srmc.js';
import { storageThreshold } from './storage-threshold.js';
import type { AnyStrategy } from './strategy.js';

export const strategies: Readonly<Record<string, AnyStrategy>> = {
  srmc,
  markup,
  'elastic-demand': elasticDemand,
  passive,
  quadratic,
  'storage-threshold': storageThreshold,
  inelastic,
};
