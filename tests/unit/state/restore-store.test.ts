/**
 * shared/state/restore-store.ts list on a real DynamoDB (dynalite): restores newest first, and within a
 * start-time range read through the index's sort key (what the run report and `status` read).
 */
import { RestoreStore } from '../../../shared/state/restore-store';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { restoreRecord } from '../services/rds/fixtures';

const db = useUnitDynalite();

describe('RestoreStore list', () => {
  it('lists restores newest first, all of them or those that started within a range (ends included)', async () => {
    // Prepare
    const store = new RestoreStore(db().doc, await db().createTable('restores'));
    for (const day of [1, 2, 3, 4, 5]) await store.create(restoreRecord(`d-${day}`, `2026-01-0${day}T02:00:00.000Z`));

    // Act
    const all = await store.list();
    const newest = await store.list(2);
    const between = await store.list(50, { from: '2026-01-02T02:00:00.000Z', to: '2026-01-04T02:00:00.000Z' });
    const since = await store.list(50, { from: '2026-01-04T00:00:00.000Z' });
    const upTo = await store.list(2, { to: '2026-01-03T12:00:00.000Z' });

    // Assess
    const ids = (restores: { restoreId: string }[]) => restores.map((r) => r.restoreId);
    expect(ids(all)).toEqual(['d-5', 'd-4', 'd-3', 'd-2', 'd-1']);
    expect(ids(newest)).toEqual(['d-5', 'd-4']);
    expect(ids(between)).toEqual(['d-4', 'd-3', 'd-2']);
    expect(ids(since)).toEqual(['d-5', 'd-4']);
    expect(ids(upTo)).toEqual(['d-3', 'd-2']);
  });
});
