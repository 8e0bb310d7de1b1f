/**
 * The typed event bus (DESIGN: `bus.ts`): a synchronous, deterministic queue in front of an RxJS
 * Subject. `publish` enqueues; `step` dispatches the earliest event — by (time, priority of its type,
 * sequence) — to every subscriber, who may publish more. Nothing is asynchronous, nothing depends on
 * the wall clock, so the same inputs give the same event sequence. Stepping one event at a time is
 * what the debugger does; `drain` is what a run does.
 */
import { Observable, Subject, type Subscription, filter } from 'rxjs';
import { LemsimError } from './errors.js';
import { type AnyDraft, type AnyEvent, EVENT_PRIORITY, type EventType, type LemEvent } from './events.js';

export class CausalityError extends LemsimError {}

export class EventBus {
  private readonly subject = new Subject<AnyEvent>();
  private readonly heap: AnyEvent[] = [];
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
    return this.heap.length;
  }

  /** Enqueues an event; an event earlier than the one being dispatched is a causality error. */
  publish(d: AnyDraft): AnyEvent {
    if (!(d.time >= this.nowS)) throw new CausalityError(`event ${d.type} at t=${d.time} s published after t=${this.nowS} s`);
    const e = { ...d, iteration: this.iteration, seq: this.seq++ } as AnyEvent;
    this.push(e);
    return e;
  }

  /** Events of one type. */
  on<T extends EventType>(type: T): Observable<LemEvent<T>> {
    return this.events$.pipe(filter((e): e is AnyEvent & LemEvent<T> => e.type === type));
  }

  /** The next event to be dispatched, without dispatching it. */
  peek(): AnyEvent | undefined {
    return this.heap[0];
  }

  /** Dispatches the earliest queued event; returns it, or undefined when the queue is empty. */
  step(): AnyEvent | undefined {
    this.rethrow();
    const e = this.pop();
    if (!e) return undefined;
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

  private less(a: AnyEvent, b: AnyEvent): boolean {
    if (a.time !== b.time) return a.time < b.time;
    const pa = EVENT_PRIORITY[a.type];
    const pb = EVENT_PRIORITY[b.type];
    if (pa !== pb) return pa < pb;
    return a.seq < b.seq;
  }

  private push(e: AnyEvent): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): AnyEvent | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
