// The list of pending operations (src/comm/pending.ts): kept in the order they began,
// removal from anywhere, and removing twice or after clear() does nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingList, type Pending } from '../../src/comm/pending.js';

function entry(label: string): Pending {
  return { label, since: 0, fail: () => {} };
}

const labels = (list: PendingList): string[] => [...list].map((item) => item.label);

describe('PendingList', () => {
  it('lists entries in the order they were added, after removals from the head, middle and tail', () => {
    const list = new PendingList();
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(entry) as [Pending, Pending, Pending, Pending, Pending];
    for (const item of [a, b, c, d, e]) list.add(item);
    assert.deepEqual(labels(list), ['a', 'b', 'c', 'd', 'e']);
    list.delete(c);
    assert.deepEqual(labels(list), ['a', 'b', 'd', 'e']);
    list.delete(a);
    assert.deepEqual(labels(list), ['b', 'd', 'e']);
    list.delete(e);
    assert.deepEqual(labels(list), ['b', 'd']);
    list.add(c);
    assert.deepEqual(labels(list), ['b', 'd', 'c']);
  });

  it('removing an entry twice, or one never added, leaves the others in place', () => {
    const list = new PendingList();
    const [a, b, stranger] = ['a', 'b', 'x'].map(entry) as [Pending, Pending, Pending];
    list.add(a);
    list.add(b);
    list.delete(a);
    list.delete(a);
    list.delete(stranger);
    assert.deepEqual(labels(list), ['b']);
    list.delete(b);
    assert.deepEqual(labels(list), []);
    list.add(a);
    assert.deepEqual(labels(list), ['a']);
  });

  it('clear() empties the list, and entries can be added again afterwards', () => {
    const list = new PendingList();
    const [a, b] = ['a', 'b'].map(entry) as [Pending, Pending];
    list.add(a);
    list.add(b);
    list.clear();
    assert.deepEqual(labels(list), []);
    list.delete(a);
    list.add(b);
    list.add(a);
    assert.deepEqual(labels(list), ['b', 'a']);
  });

  it('an entry removed while the list is being failed (a copy is iterated) does not break the rest', () => {
    const list = new PendingList();
    const failed: string[] = [];
    const items = ['a', 'b', 'c'].map((label) => {
      const item: Pending = {
        label,
        since: 0,
        fail: () => {
          failed.push(label);
          list.delete(item);
        },
      };
      return item;
    });
    for (const item of items) list.add(item);
    for (const item of [...list]) item.fail(new Error('x') as never);
    assert.deepEqual(failed, ['a', 'b', 'c']);
    assert.deepEqual(labels(list), []);
  });
});
