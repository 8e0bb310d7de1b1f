// learning markup: a seller that learns its markup from its own settlements (a stateful strategy,
// in the spirit of ASSUME's learning bidders). An epsilon-greedy bandit over markup arms: each
// period it plays an arm (exploring with probability epsilon, drawn from its own seeded stream,
// otherwise the arm of best mean reward), and the next period credits that arm with the revenue of
// the settlement it got (sold kWh × price). Epsilon decays by `decay` per day, so the seller
// explores early and exploits what it learned later. The state (arm counts and mean rewards, the
// arm in play) is plain JSON and persists across periods and days.
import { NO_OFFER, auction, defineStrategy } from 'lemsim';

export const strategies = {
  'learning-markup': defineStrategy({
    name: 'learning-markup',
    sides: ['supply'],
    defaults: { nominal_price: 0.025, arms: [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07], epsilon: 0.5, decay: 0.8, block_kw: 0.5 },
    initialState: { counts: null, means: null, playing: null, lastSettled: -1 },
    validate(p) {
      if (!Array.isArray(p.arms) || p.arms.length === 0 || !p.arms.every((a) => typeof a === 'number')) return 'arms must be a non-empty list of markups (EUR/kWh)';
      for (const key of ['nominal_price', 'epsilon', 'decay', 'block_kw']) if (typeof p[key] !== 'number') return `${key} must be a number`;
      return undefined;
    },
    offer(ctx, state) {
      const arms = ctx.params.arms;
      let counts = state.counts ?? arms.map(() => 0);
      let means = state.means ?? arms.map(() => 0);
      // credit the arm in play with the revenue of the last settlement it earned
      const last = ctx.settlements[ctx.settlements.length - 1];
      if (state.playing !== null && last !== undefined && last.period > state.lastSettled) {
        const reward = last.soldKw * last.priceEurPerKwh * ctx.periodHours;
        counts = counts.map((n, i) => (i === state.playing ? n + 1 : n));
        means = means.map((m, i) => (i === state.playing ? m + (reward - m) / counts[i] : m));
      }
      const settled = last?.period ?? state.lastSettled;
      if (!(ctx.availableSupplyKw > 0)) return { offer: NO_OFFER, state: { counts, means, playing: null, lastSettled: settled } };
      const day = Math.floor(ctx.clock.startS / 86400);
      const epsilon = ctx.params.epsilon * ctx.params.decay ** day;
      let arm;
      const untried = counts.findIndex((n) => n === 0);
      if (untried >= 0) arm = untried;
      else if (ctx.random() < epsilon) arm = Math.floor(ctx.random() * arms.length);
      else arm = means.reduce((best, m, i) => (m > means[best] ? i : best), 0);
      const blocks = auction.supplyBlocks({ agent: ctx.agent, maxKw: ctx.availableSupplyKw, nominalPriceEurPerKwh: ctx.params.nominal_price + arms[arm] }, ctx.params.block_kw);
      const offer = { ...NO_OFFER, supply: blocks.map((b) => ({ id: b.id, kw: b.kw, priceEurPerKwh: b.priceEurPerKwh })) };
      return { offer, state: { counts, means, playing: arm, lastSettled: settled } };
    },
  }),
};
