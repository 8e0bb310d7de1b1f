/**
 * The bus dispatches in (time, type priority, sequence) order (DESIGN rule 7), whatever the order of
 * publishing, including events published by a subscriber while it handles one (at the same time
 * with a lower or higher priority, or later): checked against a plain sort of what was published
 * (fast-check). Also: an event earlier than the last dispatched is a causality error, `peek` shows
 * what `step` dispatches next, and `pending` counts what is queued.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CausalityError, EventBus } from '../../src/kernel/bus.js';
import { type AnyDraft, type AnyEvent, EVENT_PRIORITY, type EventType } from '../../src/kernel/events.js';

const TYPES = Object.keys(EVENT_PRIORITY) as EventType[];
const draft = (type: EventType, time: number, tag: number): AnyDraft => ({ type, time, payload: { tag } }) as unknown as AnyDraft;
const key = (e: AnyEvent): [number, number, number] => [e.time, EVENT_PRIORITY[e.type], e.seq];
const sorted = (es: readonly AnyEvent[]): AnyEvent[] =>
  [...es].sort((a, b) => {
    const [ta, pa, sa] = key(a);
    const [tb, pb, sb] = key(b);
    return ta - tb || pa - pb || sa - sb;
  });

describe('EventBus', () => {
  it('dispatches in (time, priority, sequence) order, with events published during dispatch', () => {
    const ev = fc.record({ type: fc.constantFrom(...TYPES), dt: fc.constantFrom(0, 0, 0, 1, 5, 300), children: fc.array(fc.record({ type: fc.constantFrom(...TYPES), dt: fc.constantFrom(0, 0, 1, 60) }), { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 60 }), (plan) => {
        const bus = new EventBus();
        const published: AnyEvent[] = [];
        const dispatched: AnyEvent[] = [];
        let tag = 0;
        const children = new Map<number, { type: EventType; dt: number }[]>();
        bus.listen((e) => {
          dispatched.push(e);
          for (const c of children.get((e.payload as unknown as { tag: number }).tag) ?? []) published.push(bus.publish(draft(c.type, e.time + c.dt, tag++)));
        });
        for (const p of plan) {
          children.set(tag, p.children);
          published.push(bus.publish(draft(p.type, p.dt, tag++)));
        }
        // each step dispatches the least queued event by (time, priority, sequence): a reference
        // queue (the events published and not yet dispatched) says which
        const queued = new Map(published.map((e) => [e.seq, e]));
        while (bus.pending > 0) {
          expect(bus.pending).toBe(queued.size);
          const want = sorted([...queued.values()])[0];
          expect(bus.peek()).toBe(want);
          const before = published.length;
          expect(bus.step()).toBe(want);
          queued.delete(want.seq);
          for (const e of published.slice(before)) queued.set(e.seq, e);
        }
        expect(queued.size).toBe(0);
        expect(bus.step()).toBeUndefined();
        expect(dispatched.length).toBe(published.length);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an event earlier than the one dispatched, counts and peeks', () => {
    const bus = new EventBus();
    expect(bus.pending).toBe(0);
    expect(bus.peek()).toBeUndefined();
    bus.publish(draft('period-closed', 10, 0));
    bus.publish(draft('period-opened', 10, 1));
    bus.publish(draft('iteration-started', 0, 2));
    expect(bus.pending).toBe(3);
    expect(bus.peek()!.type).toBe('iteration-started');
    expect(bus.drain()).toBe(3);
    expect(() => bus.publish(draft('period-opened', 5, 3))).toThrow(CausalityError);
    // the same time with a lower priority than the last dispatched is allowed: it is next
    bus.publish(draft('period-opened', 10, 4));
    expect(bus.step()!.type).toBe('period-opened');
  });
});
