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
  it('shows time, tier, status, size, expiry, then region and the whole backup id, a copy on its own row', () => {
    const table = backupsTable([point()], NOW);
    const [header, row, copy] = table.split('\n');
    expect(header).toMatch(/^TIME_UTC\s+TIER\s+STATUS\s+SIZE\s+EXPIRES\s+REGION\s+BACKUP$/);
    expect(row).toMatch(
      /^2026-02-28 02:41\s+daily\s+AVAILABLE\s+200 GiB\s+2026-03-07\s+eu-west-1\s+bp-daily-daily-20260228T020000Z-orders-0123456789$/,
    );
    expect(copy).toMatch(/^\s+us-west-2 bp-daily-copy-orders$/);
    // The copy's region and id line up under the point's.
    expect(copy?.indexOf('us-west-2')).toBe(row?.indexOf('eu-west-1'));
  });

  it('never cuts an id, however long, and lists each member of a snapshot set on its own row', () => {
    const arn = `arn:aws:dynamodb:eu-west-1:111122223333:table/orders/backup/${'0'.repeat(14)}-abcdef12`;
    const long = backupsTable([point({ backupIds: [arn], copies: [] })], NOW);
    const set = backupsTable([point({ backupIds: ['snap-1', 'snap-2', 'snap-3'], copies: [] })], NOW).split('\n');
    expect(long.split('\n')[1]?.endsWith(` ${arn}`)).toBe(true);
    expect(long).not.toContain('…');
    expect(set.slice(1).map((r) => r.split(/\s+/).at(-1))).toEqual(['snap-1', 'snap-2', 'snap-3']);
  });

  it('adds the run with wide', () => {
    const [header, row] = backupsTable([point()], NOW, true).split('\n');
    expect(header).toMatch(/\sEXPIRES\s+RUN\s+REGION\s+BACKUP$/);
    expect(row).toMatch(/\s2026-03-07\s+daily-20260228T020000Z\s+eu-west-1\s/);
  });

  it('fits 120 columns with the usual ids', () => {
    const rows = backupsTable(
      [point({ backupIds: ['snap-0123456789abcdef0'], copies: [] }), point({ tier: 'monthly' })],
      NOW,
    ).split('\n');
    for (const r of rows) expect(r.length).toBeLessThanOrEqual(120);
  });

  it('shows a point whose source backups retention deleted as COPY ONLY, from its copy', () => {
    const row = backupsTable(
      [point({ deleted: ['eu-west-1/bp-daily-daily-20260228T020000Z-orders-0123456789'] })],
      NOW,
    ).split('\n')[1];
    expect(row).toMatch(/\sCOPY ONLY\s.*\sus-west-2 bp-daily-copy-orders$/);
  });
});
