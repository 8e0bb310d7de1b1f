// peak-aware battery: a plugin strategy in TypeScript (lemsim loads .ts plugins as they are).
// It reads its context: the feeder's load forecast to the end of the horizon, its state of charge
// and limits, and the voltage at its own bus from the grid operator's last solve. It charges in
// the cheapest (lowest-load) part of what is left of the horizon, and discharges at the forecast
// peak or whenever its bus voltage has fallen below `v_low`. Its state counts the periods it spent
// in each mode (a strategy's state persists from period to period).
import { NO_OFFER, type Offer, defineStrategy } from 'lemsim';

interface Params {
  readonly peak_share: number;
  readonly valley_share: number;
  readonly v_low: number;
}
interface State {
  readonly charged: number;
  readonly discharged: number;
  readonly byVoltage: number;
}

/** The value below which a share `q` of `xs` lies (nearest rank). */
function quantile(xs: ArrayLike<number>, q: number): number {
  const sorted = Array.from(xs).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const wholeWatts = (kw: number) => Math.floor(kw * 1000 + 1e-9) / 1000;

export const strategies = {
  'peak-aware-battery': defineStrategy<Params, State>({
    name: 'peak-aware-battery',
    sides: ['supply', 'demand'],
    defaults: { peak_share: 0.8, valley_share: 0.3, v_low: 0.95 },
    initialState: { charged: 0, discharged: 0, byVoltage: 0 },
    offer(ctx, state) {
      const load = ctx.forecast.feederLoadKw;
      const now = load.length > 0 ? load[0] : 0;
      const peak = load.length > 0 ? quantile(load, ctx.params.peak_share) : Infinity;
      const valley = load.length > 0 ? quantile(load, ctx.params.valley_share) : -Infinity;
      const lowVoltage = ctx.voltagePu !== undefined && ctx.voltagePu < ctx.params.v_low;
      const discharge = now >= peak || lowVoltage;
      const charge = !discharge && now <= valley;
      if (ctx.market === 'community') {
        // the value of a stored kWh: low in the valley (sell nothing, buy), high before the peak
        const value = discharge ? ctx.exportPriceEurPerKwh : charge ? ctx.importPriceEurPerKwh : (ctx.importPriceEurPerKwh + ctx.exportPriceEurPerKwh) / 2;
        return { offer: { ...NO_OFFER, storageValueEurPerKwh: value }, state };
      }
      let offer: Offer = NO_OFFER;
      if (ctx.side === 'supply' && discharge) {
        const kw = wholeWatts(ctx.battery?.dischargeKw ?? 0);
        // offered at the export price: the lowest price any buyer pays, so it is taken first
        if (kw > 0) offer = { ...NO_OFFER, supply: [{ id: `${ctx.agent}:peak`, kw, priceEurPerKwh: ctx.exportPriceEurPerKwh }] };
      }
      if (ctx.side === 'demand' && charge) {
        const kw = wholeWatts(ctx.battery?.chargeKw ?? 0);
        if (kw > 0) offer = { ...NO_OFFER, demand: [{ id: `${ctx.agent}:valley`, kw, priceEurPerKwh: ctx.importPriceEurPerKwh }] };
      }
      // count each period once (on the supply side, which runs after the demand side)
      const next = ctx.side === 'supply' ? { charged: state.charged + (charge ? 1 : 0), discharged: state.discharged + (discharge ? 1 : 0), byVoltage: state.byVoltage + (lowVoltage ? 1 : 0) } : state;
      return { offer, state: next };
    },
  }),
};
