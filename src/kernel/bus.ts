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

/** A queued event with its ordering key unpacked (numbers compare faster than type-name lookups). */
interface Queued {
  readonly t: number;
  readonly p: number;
  readonly s: number;
  readonly e: AnyEvent;
}

export class EventBus {
  private readonly subject = new Subject<AnyEvent>();
  private readonly heap: Queued[] = [];
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
    this.push({ t: e.time, p: EVENT_PRIORITY[e.type], s: e.seq, e });
    return e;
  }

  /** Events of one type. */
  on<T extends EventType>(type: T): Observable<LemEvent<T>> {
    return this.events$.pipe(filter((e): e is AnyEvent & LemEvent<T> => e.type === type));
  }

  /** The next event to be dispatched, without dispatching it. */
  peek(): AnyEvent | undefined {
    return this.heap[0]?.e;
  }

  /** Dispatches the earliest queued event; returns it, or undefined when the queue is empty. */
  step(): AnyEvent | undefined {
    this.rethrow();
    const q = this.pop();
    if (!q) return undefined;
    this.nowS = q.t;
    this.subject.next(q.e);
    this.rethrow();
    return q.e;
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

  private push(q: Queued): void {
    const h = this.heap;
    let i = h.length;
    h.push(q);
    // sift up: move parents down until q's place is found (ordered by time, type priority, sequence)
    while (i > 0) {
      const pi = (i - 1) >> 1;
      const par = h[pi];
      if (!(q.t < par.t || (q.t === par.t && (q.p < par.p || (q.p === par.p && q.s < par.s))))) break;
      h[i] = par;
      i = pi;
    }
    h[i] = q;
  }

  private pop(): Queued | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r], h[l]) ? r : l;
        if (!before(h[c], last)) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function before(a: Queued, b: Queued): boolean {
  return a.t < b.t || (a.t === b.t && (a.p < b.p || (a.p === b.p && a.s < b.s)));
}
