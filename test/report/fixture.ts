/**
 * A small hand-made ReportData for the report tests: two iterations, two communities, six 5-minute
 * periods, a merit order that crosses at 0.075 EUR/kWh, three load nodes over twelve minutes with
 * one over-voltage at n2 (1.12 pu > 1.10) and one under-voltage at n3 (0.88 pu < 0.90), and a
 * five-bus feeder drawn as
 *
 *   b1 ── b2 ── b3 ── b4
 *          └── b5            (b4 has 3 violations, line b3–b4 has 1)
 *
 * Text fields carry HTML metacharacters so that escaping is exercised.
 */
import type { MeritOrderView } from '../../src/report/merit-orders.js';
import type { ReportData } from '../../src/report/report-data.js';

/**
 * The auction book of period 08:10, cleared at 0.075 EUR/kWh with the grid unlimited at 0.10 / 0.05:
 *
 *   supply (ascending)                 demand (descending)
 *   s2 1.0 kW @0.05  accepted          d2 1.5 kW @0.12  accepted
 *   s1 0.5 kW @0.075 accepted (marg.)  d1 1.0 kW @0.08  accepted (marginal)
 *   s3 2.0 kW @0.10  rejected          d3 0.5 kW @0.06  paradoxically rejected
 *
 * accepted supply 1.5 + import 1.0 = accepted demand 2.5 + export 0: cleared 2.5 kW.
 */
export function auctionView(): MeritOrderView {
  return {
    iteration: 1,
    period: 2,
    label: '08:10',
    chosenBy: 'scenario',
    mechanism: 'auction',
    status: 'cleared',
    priceEurPerKwh: 0.075,
    priceSetBy: 'midpoint: s1 / d1',
    grid: { importPriceEurPerKwh: 0.1, exportPriceEurPerKwh: 0.05, maxImportKw: null, maxExportKw: null, importKw: 1, exportKw: 0 },
    blocks: [
      { id: 's2', agent: 'p-a', side: 'supply', kw: 1, priceEurPerKwh: 0.05, status: 'accepted', marginal: false },
      { id: 's1', agent: 'p-b', side: 'supply', kw: 0.5, priceEurPerKwh: 0.075, status: 'accepted', marginal: true },
      { id: 's3', agent: 'p-c', side: 'supply', kw: 2, priceEurPerKwh: 0.1, status: 'rejected', marginal: false },
      { id: 'd2', agent: 'p-d', side: 'demand', kw: 1.5, priceEurPerKwh: 0.12, status: 'accepted', marginal: false },
      { id: 'd1', agent: 'p-e', side: 'demand', kw: 1, priceEurPerKwh: 0.08, status: 'accepted', marginal: true },
      { id: 'd3', agent: 'p-f', side: 'demand', kw: 0.5, priceEurPerKwh: 0.06, status: 'paradoxically-rejected', marginal: false },
    ],
    communities: [],
    note: '',
  };
}

/** Two communities of the community market at 12:00, each with its aggregated curves and clearing point. */
export function communityView(): MeritOrderView {
  return {
    iteration: 1,
    period: 4,
    label: '08:20',
    chosenBy: 'highest price',
    mechanism: 'community',
    status: 'optimal',
    priceEurPerKwh: 0.07,
    priceSetBy: '',
    grid: { importPriceEurPerKwh: 0.1, exportPriceEurPerKwh: 0.05, maxImportKw: null, maxExportKw: null, importKw: 1, exportKw: 0.5 },
    blocks: [],
    communities: [
      {
        community: 'c1', members: 3, priceEurPerKwh: 0.1, demandKw: 3, supplyKw: 2,
        demand: [{ kw: 3, priceEurPerKwh: 0.04 }, { kw: 3, priceEurPerKwh: 0.11 }],
        supply: [{ kw: 0, priceEurPerKwh: 0.04 }, { kw: 1, priceEurPerKwh: 0.05 }, { kw: 2, priceEurPerKwh: 0.1 }, { kw: 2.2, priceEurPerKwh: 0.11 }],
      },
      {
        community: 'c2', members: 2, priceEurPerKwh: 0.05, demandKw: 1, supplyKw: 1.5,
        demand: [{ kw: 1, priceEurPerKwh: 0.04 }, { kw: 1, priceEurPerKwh: 0.11 }],
        supply: [{ kw: 1.5, priceEurPerKwh: 0.04 }, { kw: 1.5, priceEurPerKwh: 0.11 }],
      },
    ],
    note: '',
  };
}

export function smallReportData(): ReportData {
  const periods: ReportData['periods'][number][] = [];
  for (const iteration of [0, 1]) {
    for (let k = 0; k < 6; k++) {
      const startMinute = 480 + 5 * k;
      periods.push({
        iteration,
        label: `08:${String(5 * k).padStart(2, '0')}`,
        startMinute,
        prices: { 'community-b': 0.06 + 0.002 * k, 'community-a': 0.05 + 0.003 * k + 0.001 * iteration },
        tradedKw: 10 + k - iteration,
        importKw: 20 - k,
        exportKw: 2 + k / 2,
        consumptionKw: 40,
        productionKw: 22 + k * 1.5,
      });
    }
  }
  const steps: { minute: number; vPu: number[] }[] = [];
  for (let minute = 480; minute < 492; minute++) {
    steps.push({ minute, vPu: [1.0 + 0.001 * (minute - 480), minute === 485 ? 1.12 : 1.05, minute === 490 ? 0.88 : 0.95] });
  }
  const voltages = { buses: [{ name: 'n1', hops: 0 }, { name: 'n2', hops: 1 }, { name: 'n3', hops: 2 }], steps };
  return {
    title: 'Test <run> & "report"',
    subtitle: "S1: high supply price, k = 0.5 — it's a test",
    tables: [
      {
        id: 'table2-energy-balance',
        title: 'Table 2 <energy balance>',
        columns: ['scenario', 'consumption_kwh', 'production_kwh'],
        rows: [
          ['S1, high', 123.456789012, 45],
          ['S"2"', 0.1 + 0.2, -3],
        ],
      },
      { id: 'table3-voltage', title: 'Table 3', columns: ['bus', 'v_pu'], rows: [['<b>bold</b>', 1.0123]] },
    ],
    iterations: [
      { iteration: 0, welfareEur: 12.5, violations: 7, batteryUnits: 0 },
      { iteration: 1, welfareEur: 13.75, violations: 2, batteryUnits: 3 },
    ],
    periods,
    meritOrders: [auctionView(), communityView()],
    voltages,
    map: {
      buses: [
        { name: 'b1', x: 0, y: 0, violations: 0 },
        { name: 'b2', x: 10, y: 0, violations: 0 },
        { name: 'b3', x: 20, y: 2, violations: 1 },
        { name: 'b4', x: 30, y: 2, violations: 3 },
        { name: 'b5', x: 10, y: -8, violations: 0 },
      ],
      lines: [
        { from: 'b1', to: 'b2', violations: 0 },
        { from: 'b2', to: 'b3', violations: 0 },
        { from: 'b3', to: 'b4', violations: 1 },
        { from: 'b2', to: 'b5', violations: 0 },
        { from: 'b5', to: 'nowhere', violations: 0 },
      ],
    },
    limits: { vMinPu: 0.9, vMaxPu: 1.1, nominalVPu: 1.05 },
  };
}
