/** The block auction of seed 004 (EUPHEMIA-style): orders, offer construction, clearing, pricing. */
export * from './orders.js';
export * from './offers.js';
export * from './clearing.js';
export * from './dispatch.js';
export { type PricingRule, pricingRules } from './pricing.js';
