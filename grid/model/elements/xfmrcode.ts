/**
 * XfmrCode (OpenDSS XfmrCode.pas): a transformer's electrical data under a name, without buses.
 * It takes the Transformer properties that describe windings and impedances; `Transformer …
 * XfmrCode=name` copies them into the transformer at that moment (later properties override), with
 * the transformer's own buses kept (`applyXfmrCode` in transformer.ts).
 */
import type { DssClass } from '../../dss/object-class.js';
import { type TransformerState, transformerClass } from './transformer.js';

/** Transformer properties that are about connections or the object itself, not the code's data. */
const NOT_IN_CODE = new Set(['bus', 'buses', 'sub', 'subname', 'bank', 'xfmrcode', 'leadlag', 'enabled', 'wdgcurrents', 'core']);

export const xfmrCodeClass: DssClass<TransformerState> = {
  name: 'xfmrcode',
  create: (name, ctx) => transformerClass.create(name, ctx),
  properties: transformerClass.properties.filter((p) => !NOT_IN_CODE.has(p.name.toLowerCase())),
  finish: transformerClass.finish,
};
