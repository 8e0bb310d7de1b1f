/**
 * Engines that agents use but do not own (DESIGN: services): the MILP backend and HiGHS, loaded once
 * per run, and each agent's live engines (the grid operator's power-flow state and meter), made on
 * first use and kept for the iteration. They live here, outside agent state, so that an agent's
 * state stays plain data that can be cloned, compared and restored (the debugger steps back that
 * way); an engine only carries what can be rebuilt (warm starts, factorisations).
 */
import type { HighsModule } from '../../markets/solvers/highs.js';
import type { MilpSolver } from '../../markets/solvers/milp.js';

export class Services {
  private readonly engines = new Map<string, unknown>();

  constructor(
    /** the auction's MILP backend (`market.solver`), when the mechanism needs one */
    readonly milp: MilpSolver | undefined,
    /** HiGHS for the day-ahead community market */
    readonly highs: HighsModule | undefined,
  ) {}

  /** The engine agent `agentId` uses, made by `make` on first use. */
  engine<T>(agentId: string, make: () => T): T {
    let e = this.engines.get(agentId) as T | undefined;
    if (e === undefined) {
      e = make();
      this.engines.set(agentId, e);
    }
    return e;
  }

  /** The same services with no agent engines (a new iteration's world). */
  fresh(): Services {
    return new Services(this.milp, this.highs);
  }
}
