/**
 * A bidder's memory of the last clearing prices (agents/bidding.ts): equal prices keep the memory
 * object (nothing changed, as immer would keep it), different ones make a new memory and leave the
 * old one as it was (a snapshot the debugger restores stays valid).
 */
import { describe, expect, it } from 'vitest';
import { type BidderMemory, rememberPrices } from '../../agents/bidding.js';

const memory: BidderMemory = { strategyState: { supply: null, demand: null }, settlements: [], bids: [], lastPrices: { market: 0.1 }, voltagePu: undefined, rng: [1, 2, 3, 4] };

describe('rememberPrices', () => {
  it('keeps the memory for equal prices, in a new object too', () => {
    expect(rememberPrices(memory, memory.lastPrices)).toBe(memory);
    expect(rememberPrices(memory, { market: 0.1 })).toBe(memory);
  });

  it('makes a new memory for other prices, other communities or other keys, leaving the old one', () => {
    const cases: Record<string, number>[] = [{ market: 0.075 }, {}, { c1: 0.1 }, { market: 0.1, c2: 0.08 }, { market: -0 }];
    for (const prices of cases) {
      const next = rememberPrices(memory, prices);
      expect(next).not.toBe(memory);
      expect(next.lastPrices).toBe(prices);
      expect(memory.lastPrices).toEqual({ market: 0.1 });
    }
    const zero = { ...memory, lastPrices: { market: 0 } };
    expect(rememberPrices(zero, { market: -0 })).not.toBe(zero);
  });
});
