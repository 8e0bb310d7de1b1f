/**
 * Run-time market invariants (DESIGN rule 9), checked after every clearing and not only in tests:
 * market balance (what is bought equals what is sold, grid exchange included) and individual
 * rationality (no accepted order trades on the wrong side of its limit price). Generic over any
 * clearing mechanism: it sees quantities, limit prices and a price, not auction internals.
 *
 * A failed invariant means a bug in the clearing, not bad input, so it is an `InvariantError` (a plain
 * `Error`: the CLI prints it with its stack), never a silently wrong result.
 */

/** A broken market invariant: a bug, reported loudly. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/** Σ sold − Σ bought, in kW (positive: more sold than bought). Both lists are non-negative kW. */
export function balanceResidualKw(soldKw: Iterable<number>, boughtKw: Iterable<number>): number {
  let r = 0;
  for (const q of soldKw) r += q;
  for (const q of boughtKw) r -= q;
  return r;
}

/** Throws an `InvariantError` naming `what` when sold and bought differ by more than `toleranceKw`. */
export function assertMarketBalance(what: string, soldKw: Iterable<number>, boughtKw: Iterable<number>, toleranceKw = 1e-6): void {
  const r = balanceResidualKw(soldKw, boughtKw);
  if (!(Math.abs(r) <= toleranceKw)) throw new InvariantError(`${what}: market out of balance by ${r} kW`);
}

/** An accepted order as individual rationality sees it. */
export interface AcceptedOrder {
  readonly id: string;
  /** `buy`: pays at most its limit. `sell`: receives at least its limit. */
  readonly side: 'buy' | 'sell';
  /** Limit price, EUR/kWh. */
  readonly limitEurPerKwh: number;
}

/**
 * The accepted orders that lose money at `priceEurPerKwh` (a buyer whose limit is below the price, a
 * seller whose limit is above it), by more than `toleranceEurPerKwh`. Empty means individually
 * rational. In auction terms these are the paradoxically accepted orders.
 */
export function individualRationalityViolations(
  orders: Iterable<AcceptedOrder>,
  priceEurPerKwh: number,
  toleranceEurPerKwh = 1e-9,
): string[] {
  const out: string[] = [];
  for (const o of orders) {
    if (o.side === 'buy' ? o.limitEurPerKwh < priceEurPerKwh - toleranceEurPerKwh : o.limitEurPerKwh > priceEurPerKwh + toleranceEurPerKwh) out.push(o.id);
  }
  return out;
}
