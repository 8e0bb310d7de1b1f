/**
 * Circuits shared by control tests: an open-delta pair of line-to-line regulators (IEEE 37's
 * pattern) feeding an ungrounded delta part, whose common mode only line capacitance holds.
 */

/** An open-delta pair of line-to-line regulators (IEEE 37's pattern), one with PTphase on its only phase. */
export const OPEN_DELTA = (extra = '') => `
Clear
New Circuit.od basekv=4.8 pu=1.0 phases=3 bus1=src MVAsc3=200000 MVAsc1=210000
New Transformer.rega phases=1 windings=2 buses=(src.1.2 rg.1.2) conns='delta delta' kvs="4.8 4.8" kvas="2000 2000" XHL=1
New RegControl.rega transformer=rega winding=2 vreg=122 band=2 ptratio=40 ctprim=350 R=1.5 X=3 ${extra}
New Transformer.regc like=rega buses=(src.3.2 rg.3.2)
New RegControl.regc like=rega transformer=regc R=2.8 X=1.8
New Linecode.lc nphases=3 units=km r1=0.4 x1=0.8 r0=0.9 x0=2.1
New Line.l1 phases=3 bus1=rg bus2=b1 linecode=lc length=3
New Load.ab bus1=b1.1.2 phases=1 conn=delta kv=4.8 kw=700 kvar=350
New Load.bc bus1=b1.2.3 phases=1 conn=delta kv=4.8 kw=300 kvar=100
New Load.ca bus1=b1.3.1 phases=1 conn=delta kv=4.8 kw=500 kvar=300 model=2
Set voltagebases=[4.8]
Calcvoltagebases
`;
