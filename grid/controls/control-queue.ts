/**
 * The control queue of OpenDSS's static and time-driven control modes (ControlQueue.pas): controls push actions due at
 * `time + delay`; the list is kept sorted by due time, a new action going before the first one due at
 * the same time or later; `doNearest` executes every action due at the earliest time and leaves the
 * rest queued (a control that stays armed keeps its place); a control that returns into its band
 * deletes its action by handle. Time is in seconds (hour·3600 + s).
 */

/** What a queued action calls back: the owning control and its action code. */
export interface QueuedAction {
  readonly owner: ControlActor;
  readonly code: number;
}

/** A control that can own queued actions. */
export interface ControlActor {
  /** Executes the action `code` pushed earlier; returns true when it changed the circuit. */
  doPendingAction(code: number): boolean;
}

interface Entry {
  readonly timeS: number;
  readonly handle: number;
  readonly action: QueuedAction;
}

export class ControlQueue {
  private entries: Entry[] = [];
  private nextHandle = 0;

  /** Adds an action due at `timeS`; returns its handle (a serial number, never 0). */
  push(timeS: number, code: number, owner: ControlActor): number {
    const handle = ++this.nextHandle;
    const entry: Entry = { timeS, handle, action: { owner, code } };
    // OpenDSS inserts before the first action due at the same time or later
    let at = this.entries.findIndex((e) => timeS <= e.timeS);
    if (at < 0) at = this.entries.length;
    this.entries.splice(at, 0, entry);
    return handle;
  }

  /** Deletes the action with this handle, if it is still queued. */
  delete(handle: number): void {
    const at = this.entries.findIndex((e) => e.handle === handle);
    if (at >= 0) this.entries.splice(at, 1);
  }

  /** Due time of the first action (s), undefined when the queue is empty. */
  get nextTimeS(): number | undefined {
    return this.entries[0]?.timeS;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Forgets every queued action (a new solution mode). */
  clear(): void {
    this.entries = [];
  }

  /**
   * Executes, in queue order, every action due at `timeS` or before, those pushed while executing
   * included (OpenDSS DoActions, the time-driven control mode: Pop takes the first action with a
   * time ≤ t until none is left). Returns how many actions ran and the controls that changed the circuit.
   */
  doDue(timeS: number): { executed: number; changed: ControlActor[] } {
    return this.run(timeS);
  }

  /**
   * Executes, in queue order, every action due at the time of the first one (OpenDSS
   * DoNearestActions: time itself does not advance in static mode). Returns how many actions ran and
   * the controls whose action changed the circuit.
   */
  doNearest(): { executed: number; changed: ControlActor[] } {
    if (this.entries.length === 0) return { executed: 0, changed: [] };
    return this.run(this.entries[0].timeS);
  }

  /** Pops and executes the first action due at `t` or before until none is left. */
  private run(t: number): { executed: number; changed: ControlActor[] } {
    const changed: ControlActor[] = [];
    let executed = 0;
    for (;;) {
      const at = this.entries.findIndex((e) => e.timeS <= t);
      if (at < 0) break;
      const [e] = this.entries.splice(at, 1);
      executed++;
      if (e.action.owner.doPendingAction(e.action.code) && !changed.includes(e.action.owner)) changed.push(e.action.owner);
    }
    return { executed, changed };
  }
}
