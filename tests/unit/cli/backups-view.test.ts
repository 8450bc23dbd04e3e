/** The `backups` view (cli/commands/backups.ts): ids cut from the middle, status from expiry, one row per point. */
import { backupsTable, middleCut, pointStatus } from '../../../cli/commands/backups';
import type { RestorePoint } from '../../../shared/state/records';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const point = (extra: Partial<RestorePoint> = {}): RestorePoint => ({
  arn: 'arn:aws:rds:eu-west-1:111122223333:db:orders',
  type: 'rds-instance',
  region: 'eu-west-1',
  resourceId: 'orders',
  runId: 'daily-20260228T020000Z',
  tier: 'daily',
  backupIds: ['bp-daily-daily-20260228T020000Z-orders-0123456789'],
  completedAt: '2026-02-28T02:41:00.000Z',
  expiresAt: '2026-03-07T02:00:00.000Z',
  sizeGiB: 200,
  copies: [{ region: 'us-west-2', ids: ['bp-daily-copy-orders'], status: 'COMPLETED', reason: null }],
  ...extra,
});

describe('middleCut', () => {
  it('keeps both ends of a long id, so the kind and the distinct tail stay readable', () => {
    const cut = middleCut('bp-daily-daily-20260228T020000Z-orders-0123456789', 20);
    expect(cut).toHaveLength(20);
    expect(cut.startsWith('bp-daily-')).toBe(true);
    expect(cut.endsWith('123456789')).toBe(true);
  });

  it('leaves a short id alone', () => {
    expect(middleCut('snap-0abc', 20)).toBe('snap-0abc');
  });
});

describe('pointStatus', () => {
  it('is AVAILABLE before the expiry and EXPIRED from it on', () => {
    expect(pointStatus(point(), NOW)).toBe('AVAILABLE');
    expect(pointStatus(point({ expiresAt: '2026-02-01T00:00:00.000Z' }), NOW)).toBe('EXPIRED');
    expect(pointStatus(point({ expiresAt: undefined }), NOW)).toBe('AVAILABLE');
  });
});

describe('backupsTable', () => {
  it('shows id, time, tier, status, size, expiry, region, copies and run per point', () => {
    const table = backupsTable([point()], NOW);
    const [header, row] = table.split('\n');
    expect(header).toMatch(/^BACKUP\s+TIME_UTC\s+TIER\s+STATUS\s+SIZE\s+EXPIRES\s+REGION\s+COPIES\s+RUN$/);
    expect(row).toMatch(
      /^bp-daily-\S*…\S*0123456789\s+2026-02-28 02:41\s+daily\s+AVAILABLE\s+200 GiB\s+2026-03-07 02:00\s+eu-west-1\s+us-west-2:bp-daily-copy-orders\s+daily-20260228T020000Z$/,
    );
  });

  it('counts the other members of a snapshot set', () => {
    const row = backupsTable([point({ backupIds: ['snap-1', 'snap-2', 'snap-3'], copies: [] })], NOW).split('\n')[1];
    expect(row).toMatch(/^snap-1 \+2\s/);
  });
});
