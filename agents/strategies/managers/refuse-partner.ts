/**
 * `refuse-partner`: the manager refuses all trade with one named neighbour (`partner`, a community
 * id), in both directions; it trades with every other community and the grid as a truthful manager
 * would. The offer carries the refusal as a per-partner term (`ManagerOffer.partners`), which the
 * clearing honours (markets/community/managers-day.ts): the two communities exchange nothing, and
 * Eq. (8) holds between the partners that accept each other. Neither community may pass the other's
 * trade through a third one: every manager trades its own community's net position only.
 */
import { defineManagerStrategy } from './strategy.js';

export const refusePartner = defineManagerStrategy<{ readonly partner: string }, null>({
  name: 'refuse-partner',
  defaults: { partner: '' },
  validate: (p) => (typeof p.partner === 'string' && p.partner.length > 0 ? undefined : "partner must name a community (manager strategy 'refuse-partner')"),
  initialState: null,
  offer: (ctx, state) => ({ offer: { ...ctx.truthful, partners: { ...(ctx.truthful.partners ?? {}), [ctx.params.partner]: { accept: false } } }, state }),
});
