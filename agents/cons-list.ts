/**
 * An immutable singly linked list: O(1) prepend with structural sharing, plain serializable data
 * (nested `{ head, tail }` objects, `null` at the end). Agents that collect one item per event from
 * every other agent (the market operator's bids) use it so a period costs O(agents), where copying an
 * array per event would cost O(agents²), without giving up immutable state (DESIGN rule 5).
 */
export type ConsList<T> = { readonly head: T; readonly tail: ConsList<T> } | null;

/** The list with `item` in front. */
export function cons<T>(item: T, list: ConsList<T>): ConsList<T> {
  return { head: item, tail: list };
}

/** The items in insertion order (oldest first), i.e. the reverse of the list. */
export function inInsertionOrder<T>(list: ConsList<T>): T[] {
  const out: T[] = [];
  for (let l = list; l !== null; l = l.tail) out.push(l.head);
  return out.reverse();
}
