import { describe, expect, it } from 'vitest';
import { groupInOrder } from '../../src/store/event-row-inserts.js';

describe('groupInOrder', () => {
  const group = (items: { id: string; k: string }[]) =>
    groupInOrder(items, [(i) => i.k], (i) => i.id).map((g) => ({ k: g.first.k, ids: g.ids }));

  it('puts runs and interleaved items of one key in one group, in the order of each group’s first item', () => {
    expect(
      group([
        { id: '1', k: 'a' },
        { id: '2', k: 'a' },
        { id: '3', k: 'b' },
        { id: '4', k: 'a' },
        { id: '5', k: 'b' },
        { id: '6', k: 'b' },
        { id: '7', k: 'c' },
      ]),
    ).toEqual([
      { k: 'a', ids: ['1', '2', '4'] },
      { k: 'b', ids: ['3', '5', '6'] },
      { k: 'c', ids: ['7'] },
    ]);
  });

  it('gives no groups for no items', () => {
    expect(group([])).toEqual([]);
  });
});
