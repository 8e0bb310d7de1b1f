#!/usr/bin/env python3
"""Branch currents, losses and NormAmps of every power-delivery element, from OpenDSS itself.

Drives the oracle's own runner class (../shared/tools/opendss/dssrun.py, DSS) through ctypes, as
its README describes, for differential tests of lemsim's branch flows (grid/powerflow/branch-flows.ts):

    python3 opendss_branches.py RUNNER_DIR FILE.dss [--tolerance T] [--minute M --mode yearly|daily]

prints JSON: {"converged", "losses": [W, var], "totalPower": [kW, kvar] (OpenDSS sign: into the sources), "elements": [{"name", "terminals", "conductors",
"currents": [re, im, ...] (A, terminal by terminal, conductor by conductor), "losses": [W, var],
"normamps"}]}. Full double precision (Export Currents prints six digits).
"""
import argparse, ctypes, json, os, sys

ap = argparse.ArgumentParser()
ap.add_argument('runner_dir')
ap.add_argument('file')
ap.add_argument('--tolerance', type=float, default=1e-10)
ap.add_argument('--minute', type=int)
ap.add_argument('--mode', default='daily')
a = ap.parse_args()
sys.path.insert(0, a.runner_dir)
import dssrun  # noqa: E402

d = dssrun.DSS(os.path.join(a.runner_dir, 'lib'))
L = d.L
L.CktElement_Get_Name.restype = ctypes.c_char_p
L.CktElement_Get_NormalAmps.restype = ctypes.c_double
d.cmd(f'compile "{os.path.abspath(a.file)}"')
d.cmd(f'set tolerance={a.tolerance}')
d.cmd('set maxiterations=1000')
if a.minute is not None:
    d.cmd(f'set mode={a.mode} stepsize=1m number=1 hour=0 sec={(a.minute - 1) * 60}')
else:
    d.cmd('set mode=snapshot')
d.cmd('solve')
out = {'converged': bool(L.Solution_Get_Converged()), 'losses': d._dbl(L.Circuit_Get_Losses), 'totalPower': d._dbl(L.Circuit_Get_TotalPower), 'elements': []}
k = L.Circuit_FirstPDElement()
while k > 0:
    out['elements'].append({
        'name': L.CktElement_Get_Name().decode().lower(),
        'terminals': L.CktElement_Get_NumTerminals(),
        'conductors': L.CktElement_Get_NumConductors(),
        'currents': d._dbl(L.CktElement_Get_Currents),
        'losses': d._dbl(L.CktElement_Get_Losses),
        'normamps': L.CktElement_Get_NormalAmps(),
    })
    k = L.Circuit_NextPDElement()
json.dump(out, sys.stdout)
