/** The one market↔grid sign conversion (DESIGN rule 2), on each kind of market agent. */
import { describe, expect, it } from 'vitest';
import { gridKwFromMarket } from '../../agents/sign.js';

describe('market → grid sign', () => {
  it('consumption stays positive, generation negative, battery charging is consumption', () => {
    expect(gridKwFromMarket(3)).toBe(3); // a consumer buying 3 kW loads the feeder with 3 kW
    expect(gridKwFromMarket(-2)).toBe(-2); // a producer selling 2 kW injects 2 kW
    expect(gridKwFromMarket(0, 1.5)).toBe(1.5); // a battery charging at 1.5 kW draws 1.5 kW
    expect(gridKwFromMarket(0, -2.56)).toBe(-2.56); // discharging injects
    expect(gridKwFromMarket(1, -0.5)).toBe(0.5); // a prosumer's load and battery net out
  });
});
