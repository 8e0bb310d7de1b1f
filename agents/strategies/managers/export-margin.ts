/**
 * `export-margin`: the manager keeps a markup on every kWh its community sells to other communities
 * (`margin_eur_per_kwh`, default 0.02). Buyers pay μ + fee, the manager passes μ − margin to its
 * members and keeps the margin; it sells less (its members see a lower price), so the buyers import
 * more from the grid at π_imp. Sales to the grid carry no markup (the grid pays π_exp either way).
 */
import { defineManagerStrategy, nonNegative } from './strategy.js';

export const exportMargin = defineManagerStrategy<{ readonly margin_eur_per_kwh: number }, null>({
  name: 'export-margin',
  defaults: { margin_eur_per_kwh: 0.02 },
  validate: (p) => nonNegative(p, 'margin_eur_per_kwh', 'export-margin'),
  initialState: null,
  offer: (ctx, state) => ({ offer: { ...ctx.truthful, exportMarginEurPerKwh: ctx.params.margin_eur_per_kwh }, state }),
});
