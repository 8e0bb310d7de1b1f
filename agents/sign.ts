/**
 * The one conversion between the markets' sign convention and the grid's (DESIGN rules 2 and 14).
 * Markets (seed 000): consumer P ≥ 0, producer P ≤ 0, battery net charge S > 0 (charging), so an
 * agent's net market position is P + S, positive when it takes energy. Grid: load consumption
 * positive kW, generation negative. A market agent's dispatch onto its feeder element is therefore
 * its net position, P + S, in kW; the auction's agents have no S and their P is accepted demand
 * minus accepted supply (markets/auction/dispatch.ts). Every dispatch the market operator publishes
 * goes through here.
 */

/** Grid-convention power of a market agent (consumed > 0, produced < 0), kW. */
export function gridKwFromMarket(pKw: number, sKw = 0): number {
  return pKw + sKw;
}
