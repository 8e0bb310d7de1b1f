/**
 * `truthful` (the default manager strategy): the community's offer is its members' aggregate
 * net-import curve, no markup, no cap. With every manager truthful the managers' clearing equals the
 * central QP (markets/community/managers.ts; test/markets/community/managers.test.ts).
 */
import { defineManagerStrategy } from './strategy.js';

export const truthful = defineManagerStrategy({
  name: 'truthful',
  defaults: {},
  initialState: null,
  offer: (ctx, state) => ({ offer: ctx.truthful, state }),
});
