/**
 * The typed event bus (DESIGN: `bus.ts`): a synchronous, deterministic queue in front of an RxJS
 * Subject. `publish` enqueues; `step` dispatches the earliest event — by (time, priority of its type,
 * sequence) — to every subscriber, who may publish more. Nothing is asynchronous, nothing depends on
 * the wall clock, so the same inputs give the same event sequence. Stepping one event at a time is
 * what the debugger does; `drain` is what a run does.
 */
import { Observable, Subject, type Subscription, filter } from 'rxjs';
import { LemsimError } from '../errors.js';
import { type AnyDraft, type AnyEvent, EVENT_PRIORITY, type EventType, type LemEvent } from './events.js';

export class CausalityError extends LemsimError {}

/** Each event type's priority as a dense rank (0, 1, …: the FIFOs of a time slot, in priority order). */
const RANK: Readonly<Record<string, number>> = (() => {
  const levels = [...new Set(Object.values(EVENT_PRIORITY))].sort((a, b) => a - b);
  return Object.fromEntries(Object.entries(EVENT_PRIORITY).map(([type, p]) => [type, levels.indexOf(p)]));
})();

/**
 * Events of one simulated time, one FIFO per type priority: within a (time, priority) pair the
 * sequence numbers grow in publishing order, so first in, first out is exactly the (time, priority,
 * sequence) order, and a period's 10,000 bids queue and leave in O(1) each.
 */
class TimeSlot {
  /** FIFOs by priority (the events of `EVENT_PRIORITY`'s few levels), with their read positions */
  readonly fifo: (AnyEvent | undefined)[][] = [];
  readonly head: number[] = [];
  size = 0;
  constructor(readonly t: number) {}

  push(p: number, e: AnyEvent): void {
    while (this.fifo.length <= p) {
      this.fifo.push([]);
      this.head.push(0);
    }
    this.fifo[p].push(e);
    this.size++;
  }

  /** The lowest non-empty priority (the slot is not empty). */
  first(): number {
    let p = 0;
    while (this.head[p] >= this.fifo[p].length) p++;
    return p;
  }

  peek(): AnyEvent {
    const p = this.first();
    return this.fifo[p][this.head[p]]!;
  }

  shift(): AnyEvent {
    const p = this.first();
    const q = this.fifo[p];
    const e = q[this.head[p]]!;
    q[this.head[p]++] = undefined; // released as soon as it is dispatched
    if (this.head[p] === q.length) {
      q.length = 0;
      this.head[p] = 0;
    }
    this.size--;
    return e;
  }
}

export class EventBus {
  private readonly subject = new Subject<AnyEvent>();
  /** the times with queued events: a binary min-heap of slots (few distinct times are ever queued) */
  private readonly slots: TimeSlot[] = [];
  private readonly slotAt = new Map<number, TimeSlot>();
  private queued = 0;
  private seq = 0;
  private nowS = -Infinity;
  /** the reinforcement iteration stamped on published events */
  iteration = 0;
  /**
   * every dispatched event, in order. RxJS reports an error thrown by a plain subscriber later and
   * asynchronously (after the run looked successful); simulation code subscribes with `listen`.
   */
  readonly events$: Observable<AnyEvent> = this.subject.asObservable();
  private failure: { error: unknown } | undefined;

  /**
   * Subscribes `fn` to every dispatched event. An error thrown by `fn` is not left to RxJS (which
   * would swallow it and rethrow it asynchronously): it stops delivery to every listener and is
   * rethrown by `step` before it returns, so the run stops at the event that failed.
   */
  listen(fn: (e: AnyEvent) => void): Subscription {
    return this.subject.subscribe((e) => {
      if (this.failure) return;
      try {
        fn(e);
      } catch (error) {
        this.failure = { error };
      }
    });
  }

  /** Simulated time of the last dispatched event (s). */
  get now(): number {
    return this.nowS;
  }

  get pending(): number {
    return this.queued;
  }

  /** Enqueues an event; an event earlier than the one being dispatched is a causality error. */
  publish(d: AnyDraft): AnyEvent {
    if (!(d.time >= this.nowS)) throw new CausalityError(`event ${d.type} at t=${d.time} s published after t=${this.nowS} s`);
    // written out, not spread from the draft: a spread of drafts of a dozen shapes makes each event
    // ~300 bytes instead of ~60, and a period's 20,000 bids and dispatches live until they are
    // dispatched (bench sim-10k-agents: the garbage collector's biggest load). The keys and their
    // order are the draft's own (`EventDraft`: type, time, payload), then the bus's.
    const e = { type: d.type, time: d.time, payload: d.payload, iteration: this.iteration, seq: this.seq++ } as AnyEvent;
    let slot = this.slotAt.get(e.time);
    if (!slot) {
      slot = new TimeSlot(e.time);
      this.slotAt.set(e.time, slot);
      this.pushSlot(slot);
    }
    slot.push(RANK[e.type], e);
    this.queued++;
    return e;
  }

  /** Events of one type. */
  on<T extends EventType>(type: T): Observable<LemEvent<T>> {
    return this.events$.pipe(filter((e): e is AnyEvent & LemEvent<T> => e.type === type));
  }

  /** The next event to be dispatched, without dispatching it. */
  peek(): AnyEvent | undefined {
    return this.slots.length > 0 ? this.slots[0].peek() : undefined;
  }

  /** Dispatches the earliest queued event; returns it, or undefined when the queue is empty. */
  step(): AnyEvent | undefined {
    this.rethrow();
    if (this.slots.length === 0) return undefined;
    const slot = this.slots[0];
    const e = slot.shift();
    this.queued--;
    if (slot.size === 0) {
      this.slotAt.delete(slot.t);
      this.popSlot();
    }
    this.nowS = e.time;
    this.subject.next(e);
    this.rethrow();
    return e;
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Dispatches until the queue is empty; returns how many events were dispatched. */
  drain(): number {
    let n = 0;
    while (this.step()) n++;
    return n;
  }

  private pushSlot(slot: TimeSlot): void {
    const h = this.slots;
    let i = h.length;
    h.push(slot);
    while (i > 0) {
      const pi = (i - 1) >> 1;
      if (!(slot.t < h[pi].t)) break;
      h[i] = h[pi];
      i = pi;
    }
    h[i] = slot;
  }

  private popSlot(): void {
    const h = this.slots;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return;
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r].t < h[l].t ? r : l;
      if (!(h[c].t < last.t)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
  }
}
