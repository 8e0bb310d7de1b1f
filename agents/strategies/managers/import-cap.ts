/**
 * `import-cap`: a DSO-friendly manager limits its community's upstream import to `max_import_kw`
 * (default 5 kW). Beyond the cap the community buys from the other communities (at μ + fee, which may
 * then exceed π_imp) or its price rises until its members' demand fits; the rent (λ_c − π_imp)·cap of
 * a binding cap is the manager's. A cap below what the members must take (their minimum demand less
 * what the others can sell) makes the period infeasible, which is reported, never hidden.
 */
import { defineManagerStrategy, nonNegative } from './strategy.js';

export const importCap = defineManagerStrategy<{ readonly max_import_kw: number }, null>({
  name: 'import-cap',
  defaults: { max_import_kw: 5 },
  validate: (p) => nonNegative(p, 'max_import_kw', 'import-cap'),
  initialState: null,
  offer: (ctx, state) => ({ offer: { ...ctx.truthful, maxGridImportKw: ctx.params.max_import_kw }, state }),
});
