/**
 * The ledger (issues 13 and 14): welfare adds up every period, bills against the no-market
 * baseline, batteries apart from consumption and production. A hand-solved period:
 *
 *   import 0.10, export 0.05 EUR/kWh, 1-hour period, clearing price 0.08
 *     A buys 3 kW (offered value 0.12/kWh)   surplus (0.12 − 0.08)·3 = 0.12 EUR   pays 0.24
 *     B sells 1 kW (cost 0.02/kWh)           surplus (0.08 − 0.02)·1 = 0.06 EUR   paid 0.08
 *     battery C sells 1 kW (value 0.06)      surplus (0.08 − 0.06)·1 = 0.02 EUR   paid 0.08
 *     the grid sells 1 kW at 0.10
 *   market welfare = 0.12·3 − 0.02 − 0.06 − 0.10 = 0.18 EUR
 *   operator: receives 0.24 − 0.08 − 0.08 = 0.08, pays the grid 0.10 → surplus −0.02
 *   0.12 + 0.06 + 0.02 − 0.02 = 0.18 ✓
 *   baselines: A 3·0.10 = 0.30 (saves 0.06), B −1·0.05 = −0.05 (saves 0.03), C −0.05 (saves 0.03)
 */
import { describe, expect, it } from 'vitest';
import type { World } from '../../agents/agent.js';
import { type LedgerState, accountOf, ledgerKind } from '../../agents/ledger.js';
import type { AnyEvent, Settled } from '../../src/kernel/events.js';

const world = { periodHours: 1, scenario: { market: { import_price: 0.1, export_price: 0.05 } } } as unknown as World;

function cleared(welfareEur: number, dispatch: Settled[], importKw: number, exportKw = 0): AnyEvent {
  return { type: 'market-cleared', time: 0, iteration: 0, seq: 0, payload: { period: 0, status: 'optimal', welfareEur, prices: { market: 0.08 }, importKw, exportKw, dispatches: dispatch.length, dispatch, optimalityGap: 0 } };
}
const closed: AnyEvent = { type: 'period-closed', time: 3600, iteration: 0, seq: 1, payload: { period: 0 } };
const settled = (agent: string, bought: number, sold: number, welfare: number): Settled => ({ agent, pKw: bought - sold, priceEurPerKwh: 0.08, boughtKw: bought, soldKw: sold, welfareEur: welfare });

describe('ledger', () => {
  const run = (welfare: number) => {
    let st = ledgerKind.init('ledger', { batteries: ['C'] }, world);
    st = ledgerKind.transition(st, cleared(welfare, [settled('A', 3, 0, 0.12), settled('B', 0, 1, 0.06), settled('C', 0, 1, 0.02)], 1), world).state;
    return ledgerKind.transition(st, closed, world).state as LedgerState;
  };

  it('splits the hand-solved period into agents’ and operator’s surplus that add up to welfare', () => {
    const st = run(0.18);
    expect(st.welfareEur).toBeCloseTo(0.18, 12);
    expect(st.agentsWelfareEur).toBeCloseTo(0.2, 12);
    expect(st.operatorSurplusEur).toBeCloseTo(-0.02, 12);
  });

  it('bills each agent against trading with the grid only', () => {
    const st = run(0.18);
    expect(accountOf(st, 'A')!.paymentEur).toBeCloseTo(0.24, 12);
    expect(accountOf(st, 'A')!.baselineEur).toBeCloseTo(0.3, 12);
    expect(accountOf(st, 'B')!.paymentEur).toBeCloseTo(-0.08, 12);
    expect(accountOf(st, 'B')!.baselineEur).toBeCloseTo(-0.05, 12);
    expect(accountOf(st, 'C')!.baselineEur - accountOf(st, 'C')!.paymentEur).toBeCloseTo(0.03, 12);
  });

  it('keeps battery discharge apart from production', () => {
    const st = run(0.18);
    expect(st.balance.consumption).toBeCloseTo(3, 12);
    expect(st.balance.production).toBeCloseTo(1, 12);
    expect(st.balance.battery_discharge).toBeCloseTo(1, 12);
    expect(st.balance.battery_charge).toBe(0);
    expect(st.balance.import).toBeCloseTo(1, 12);
  });

  it('stops the run when welfare does not add up', () => {
    expect(() => run(0.19)).toThrow(/welfare does not add up in period 0: .* ≠ market welfare 0\.190000000/);
  });
});
