/** The static-mode control queue (OpenDSS ControlQueue.pas): order, nearest group, deletion. */
import { describe, expect, it } from 'vitest';
import { type ControlActor, ControlQueue } from '../../../grid/controls/control-queue.js';

function actor(name: string, log: string[], changes = true): ControlActor {
  return { doPendingAction: (code) => (log.push(`${name}:${code}`), changes) };
}

describe('ControlQueue', () => {
  it('executes only the actions due first, newest of equal times first, and keeps the rest', () => {
    const q = new ControlQueue();
    const log: string[] = [];
    q.push(30, 1, actor('late', log));
    q.push(15, 2, actor('a', log));
    q.push(15, 3, actor('b', log, false));
    const first = q.doNearest();
    // OpenDSS inserts an action before the first one due at the same time or later
    expect(log).toEqual(['b:3', 'a:2']);
    expect(first.executed).toBe(2);
    expect(first.changed).toHaveLength(1);
    expect(q.size).toBe(1);
    q.doNearest();
    expect(log).toEqual(['b:3', 'a:2', 'late:1']);
    expect(q.isEmpty).toBe(true);
    expect(q.doNearest()).toEqual({ executed: 0, changed: [] });
  });

  it('deletes an action by its handle (a control back in its band)', () => {
    const q = new ControlQueue();
    const log: string[] = [];
    const h = q.push(15, 0, actor('x', log));
    q.push(20, 0, actor('y', log));
    expect(h).toBeGreaterThan(0);
    q.delete(h);
    q.delete(h); // twice is harmless
    q.doNearest();
    expect(log).toEqual(['y:0']);
  });
});
