/**
 * How the text tables cut what does not fit (issue #21 item 9): an id is cut in the middle, but two ids
 * are never merged into one cut string, and a type name is never cut; a legend is printed only when a
 * row needs it.
 */
import { backupsLegend, backupsTable } from '../../../cli/commands/backups';
import { resourceTable } from '../../../cli/commands/run-views';
import type { RestorePoint } from '../../../shared/state/records';
import { resourceRecord } from '../../support/unit-fixtures';
import { clusterRef } from '../services/rds/fixtures';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const RUN = 'daily-20260228T020000Z';
const LONG = 'bp-daily-daily-20260228T020000Z-orders-0123456789';
const point = (extra: Partial<RestorePoint> = {}): RestorePoint => ({
  arn: 'arn:aws:rds:eu-west-1:111122223333:db:orders',
  type: 'rds-instance',
  region: 'eu-west-1',
  resourceId: 'orders',
  runId: RUN,
  tier: 'daily',
  backupIds: [LONG],
  completedAt: '2026-02-28T02:41:00.000Z',
  expiresAt: '2026-03-07T02:00:00.000Z',
  copies: [],
  ...extra,
});

describe('backupsTable', () => {
  it('never merges two ids: each copy id whole on its own row, under its region', () => {
    const copies = [
      { region: 'us-west-2', ids: [`${LONG}-copy`], status: 'COMPLETED' as const, reason: null },
      { region: 'eu-central-1', ids: [`${LONG}-copy2`], status: 'COMPLETED' as const, reason: null },
    ];

    const rows = backupsTable([point({ copies })], NOW)
      .split('\n')
      .slice(1);

    expect(rows.map((r) => r.trim().split(/\s+/).slice(-2))).toEqual([
      ['eu-west-1', LONG],
      ['us-west-2', `${LONG}-copy`],
      ['eu-central-1', `${LONG}-copy2`],
    ]);
    expect(rows.join('\n')).not.toContain('…');
  });

  it('lists each member of a snapshot set whole, one per row', () => {
    const rows = backupsTable([point({ backupIds: [LONG, `${LONG}-2`, `${LONG}-3`] })], NOW)
      .split('\n')
      .slice(1);
    expect(rows.map((r) => r.trim().split(/\s+/).at(-1))).toEqual([LONG, `${LONG}-2`, `${LONG}-3`]);
  });
});

describe('backupsLegend', () => {
  it('explains only the statuses the table shows', () => {
    const expired = point({ expiresAt: '2026-02-01T00:00:00.000Z' });
    expect(backupsLegend([point()], NOW)).toEqual([]);
    expect(backupsLegend([point(), expired], NOW)).toEqual([expect.stringMatching(/^EXPIRED: /)]);
  });
});

describe('resourceTable', () => {
  it('never cuts a type name', () => {
    const table = resourceTable([
      resourceRecord(RUN, clusterRef('ledger'), { status: 'COMPLETED' }),
      resourceRecord(RUN, { ...clusterRef('sessions'), type: 'dynamodb-table' }, { status: 'COMPLETED' }),
    ]);
    expect(table).toMatch(/^ledger\s+aurora-cluster\s+eu-west-1\s+COMPLETED/m);
    expect(table).toMatch(/^sessions\s+dynamodb-table\s+eu-west-1\s+COMPLETED/m);
  });
});
