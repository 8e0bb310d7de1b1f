/**
 * Line constants from conductor geometry (OpenDSS WireData / CNData / TSData / LineGeometry):
 * conductor types with OpenDSS's defaults, Carson/Deri series impedance, potential-coefficient and
 * cable capacitance, Kron reduction. See line-constants.ts for the model and conductors.ts for the
 * data rules.
 */
export * from './complex-matrix.js';
export * from './conductors.js';
export * from './errors.js';
export * from './line-constants.js';
