/**
 * Conductor and spacing data of the Costa Rica circuit (`../shared/feeders/costa-rica-mar/
 * Bibliotecas/`), typed here by hand from the library files so the line-constants tests do not
 * depend on the DSS parser. Each value keeps the units written in the file and is converted with
 * OpenDSS's LineUnits factors (kft = 304.8 m, ft = 0.3048 m, in = 0.0254 m). Where a WireData gives
 * only one of Rac/Rdc, the other follows OpenDSS's 1.02 rule through `resolveWireData`.
 */
import {
  type CnCable,
  type LineGeometry,
  type PlacedConductor,
  type WireData,
  resolveCnCable,
  resolveWireData,
} from '../../../grid/line-constants/index.js';

const KFT = 304.8;
const FT = 0.3048;
const IN = 0.0254;

/** WireDataAAC.dss: `new Wiredata.AAC_477_19STR GMR=0.0250 DIAM=0.792 Rac=0.0445 Normamps=639 Runits=kft Radunits=in GMRunits=ft` */
export const AAC_477_19STR: WireData = resolveWireData({ racOhmPerM: 0.0445 / KFT, gmrM: 0.025 * FT, radiusM: (0.792 / 2) * IN, normAmps: 639 });
/** WireDataAAC.dss: `new Wiredata.AAC_3/0_7STR GMR=0.0140 DIAM=0.464 Rac=0.1260 Normamps=331 Runits=kft Radunits=in GMRunits=ft` */
export const AAC_3_0_7STR: WireData = resolveWireData({ racOhmPerM: 0.126 / KFT, gmrM: 0.014 * FT, radiusM: (0.464 / 2) * IN, normAmps: 331 });
/** WireDataAAC.dss: `new Wiredata.AAC_4/0_7STR GMR=0.0158 DIAM=0.522 Rac=0.0999 Normamps=383 Runits=kft Radunits=in GMRunits=ft` */
export const AAC_4_0_7STR: WireData = resolveWireData({ racOhmPerM: 0.0999 / KFT, gmrM: 0.0158 * FT, radiusM: (0.522 / 2) * IN, normAmps: 383 });
/** WireDataCU.dss: `New WireData.CU_4/0_19STR Rdc=0.05199 Runits=kft GMR=0.01668 GMRunits=ft DIAM=0.5280 Radunits=in Normamps=480` */
export const CU_4_0_19STR: WireData = resolveWireData({ rdcOhmPerM: 0.05199 / KFT, gmrM: 0.01668 * FT, radiusM: (0.528 / 2) * IN, normAmps: 480 });
/** WireDataCU.dss: `New WireData.CU_500_37STR Rdc=0.02200 Runits=kft GMR=0.02605 GMRunits=ft DIAM=0.8140 Radunits=in Normamps=810` */
export const CU_500_37STR: WireData = resolveWireData({ rdcOhmPerM: 0.022 / KFT, gmrM: 0.02605 * FT, radiusM: (0.814 / 2) * IN, normAmps: 810 });

/**
 * CNData_CU_EPR.dss: `New CNData.Cu_500_37STR_35kV_100N_EPR Normamps=476 Runits=kft Rdc=0.02116
 * Rstrand=0.628 GMRUnits=in GMRac=0.313 GmrStrand=0.0501 Radunits=in DIAM=0.8130 DiaIns=1.54
 * InsLayer=0.345 DiaStrand=0.1285 DiaCable=2.16 EpsR=3 k=31`
 */
export const CU_500_37STR_35KV_100N_EPR: CnCable = resolveCnCable({
  core: { rdcOhmPerM: 0.02116 / KFT, gmrM: 0.313 * IN, radiusM: (0.813 / 2) * IN, normAmps: 476 },
  strandCount: 31,
  strandDiameterM: 0.1285 * IN,
  strandGmrM: 0.0501 * IN,
  strandROhmPerM: 0.628 / KFT,
  epsR: 3,
  insLayerM: 0.345 * IN,
  diaInsM: 1.54 * IN,
  diaCableM: 2.16 * IN,
});

function place(xs: readonly number[], hs: readonly number[], wires: readonly (WireData | CnCable)[]): PlacedConductor[] {
  return wires.map((conductor, i) => ({ xM: xs[i], hM: hs[i], conductor }));
}

// Config_Lineas.dss, LineSpacing objects (units=m):
//   new LineSpacing.1F_3WIRE nconds=3 nphases=2 units=m x=[0.20 0.20 0.20] h=[6.7 6.90 7.1]
//   new LineSpacing.1F_MTM nconds=2 nphases=1 units=m x=[0 0.20] h=[11.7 7.1]
//   new LineSpacing.3F_MTH nconds=4 nphases=3 units=m x=[1.45 0.50 -0.45 0.20] h=[11.1 11.1 11.1 7.1]
const X_1F_3WIRE = [0.2, 0.2, 0.2];
const H_1F_3WIRE = [6.7, 6.9, 7.1];
const X_1F_MTM = [0, 0.2];
const H_1F_MTM = [11.7, 7.1];
const X_3F_MTH = [1.45, 0.5, -0.45, 0.2];
const H_3F_MTH = [11.1, 11.1, 11.1, 7.1];

/** Geometries of Config_Lineas.dss used by lines of the circuit, keyed by lower-case name. */
export const COSTA_RICA_GEOMETRIES: Readonly<Record<string, LineGeometry>> = {
  // New Linegeometry.3FMV477AAC3/0AAC_H nconds=4 nphases=3 spacing=3F_MTH wires=[AAC_477_19STR AAC_477_19STR AAC_477_19STR AAC_3/0_7STR] Reduce=Y
  '3fmv477aac3/0aac_h': {
    name: '3FMV477AAC3/0AAC_H',
    nconds: 4,
    nphases: 3,
    reduce: true,
    conductors: place(X_3F_MTH, H_3F_MTH, [AAC_477_19STR, AAC_477_19STR, AAC_477_19STR, AAC_3_0_7STR]),
  },
  // New Linegeometry.1FMV3/0AAC3/0AAC_M nconds=2 nphases=1 spacing=1F_MTM wires=[AAC_3/0_7STR AAC_3/0_7STR] Reduce=Y
  '1fmv3/0aac3/0aac_m': {
    name: '1FMV3/0AAC3/0AAC_M',
    nconds: 2,
    nphases: 1,
    reduce: true,
    conductors: place(X_1F_MTM, H_1F_MTM, [AAC_3_0_7STR, AAC_3_0_7STR]),
  },
  // New Linegeometry.1FMV4/0AAC4/0AAC_M nconds=2 nphases=1 spacing=1F_MTM wires=[AAC_4/0_7STR AAC_4/0_7STR] Reduce=Y
  '1fmv4/0aac4/0aac_m': {
    name: '1FMV4/0AAC4/0AAC_M',
    nconds: 2,
    nphases: 1,
    reduce: true,
    conductors: place(X_1F_MTM, H_1F_MTM, [AAC_4_0_7STR, AAC_4_0_7STR]),
  },
  // New Linegeometry.1FLV4/0AAC4/0AAC nconds=3 nphases=2 spacing=1F_3WIRE wires=[AAC_4/0_7STR AAC_4/0_7STR AAC_4/0_7STR] Reduce=Y
  '1flv4/0aac4/0aac': {
    name: '1FLV4/0AAC4/0AAC',
    nconds: 3,
    nphases: 2,
    reduce: true,
    conductors: place(X_1F_3WIRE, H_1F_3WIRE, [AAC_4_0_7STR, AAC_4_0_7STR, AAC_4_0_7STR]),
  },
  // New Linegeometry.1FLV4/0CU4/0CU nconds=3 nphases=2 spacing=1F_3WIRE wires=[CU_4/0_19STR CU_4/0_19STR CU_4/0_19STR] Reduce=Y
  '1flv4/0cu4/0cu': {
    name: '1FLV4/0CU4/0CU',
    nconds: 3,
    nphases: 2,
    reduce: true,
    conductors: place(X_1F_3WIRE, H_1F_3WIRE, [CU_4_0_19STR, CU_4_0_19STR, CU_4_0_19STR]),
  },
  // New Linegeometry.1FLV500CU4/0CU nconds=3 nphases=2 spacing=1F_3WIRE wires=[CU_500_37STR CU_500_37STR CU_4/0_19STR] Reduce=Y
  '1flv500cu4/0cu': {
    name: '1FLV500CU4/0CU',
    nconds: 3,
    nphases: 2,
    reduce: true,
    conductors: place(X_1F_3WIRE, H_1F_3WIRE, [CU_500_37STR, CU_500_37STR, CU_4_0_19STR]),
  },
  // New Linegeometry.3FMV500CU_35EPR nconds=3 nphases=3 units=m
  // ~ cond=1 cncable=Cu_500_37STR_35kV_100N_EPR x=-0.3 h=-1
  // ~ cond=2 cncable=Cu_500_37STR_35kV_100N_EPR x=0    h=-1
  // ~ cond=3 cncable=Cu_500_37STR_35kV_100N_EPR x=0.3  h=-1
  '3fmv500cu_35epr': {
    name: '3FMV500CU_35EPR',
    nconds: 3,
    nphases: 3,
    reduce: false,
    conductors: place([-0.3, 0, 0.3], [-1, -1, -1], [CU_500_37STR_35KV_100N_EPR, CU_500_37STR_35KV_100N_EPR, CU_500_37STR_35KV_100N_EPR]),
  },
};
