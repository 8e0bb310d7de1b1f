/**
 * The grid library's public surface (re-exported by lemsim's index.ts as `grid`): read an OpenDSS
 * feeder, compile it, solve unbalanced three-phase power flows (snapshot or time series) and meter
 * the result. Pure: no agents, no RxJS, no I/O beyond the files a feeder script names.
 * Sign convention: load consumption positive kW, generation negative.
 */
export { type Feeder, loadFeeder, runTimeSeries, shapeModeOf, type StepResult, voltageBases } from './feeder.js';
export { type DssCircuit, interpret, loadDssCircuit, parseBusCoords } from './dss/interpreter.js';
export { type DssFileSystem, nodeFileSystem } from './dss/parser.js';
export { buildNetwork, type Bus, type Branch, type Load, type Network, type Source, type Terminal } from './model/network.js';
export { compile, type CompileOptions, type SolverModel } from './powerflow/compile.js';
export { type LoadPowers, newLoadPowers, PowerFlowState, setLoadPowersAt, type ShapeMode, type SolveOptions, type SolveStatus } from './powerflow/solve.js';
export { addBranchFlows, type BranchFlows, type BranchStats, branchFlows, branchTerminalCurrents, checkBranchLosses, emptyBranchStats, newBranchFlows } from './powerflow/branch-flows.js';
export { checkPowerBalance, GridMeter, type PowerBalance, type PowerFlowResult, powerBalance, snapshot, sourcePower } from './powerflow/result.js';
export { DssError, type DssLocation, GridError } from './errors.js';
