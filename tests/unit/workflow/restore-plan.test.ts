/**
 * The restore workflow's first step (shared/workflow/restore/restore-plan.ts): bad input named field by field,
 * the point found by a backup's or a copy's id or a resource's latest, the region and ids chosen (a DR
 * copy restores in its region), a type without a restore driver refused, and a default name AWS accepts.
 */
import { InvalidInputError } from '../../../shared/errors';
import type { RestorePoint } from '../../../shared/state/records';
import { defaultRestoreName, planRestores, validateRestoreInput } from '../../../shared/workflow/restore/restore-plan';

const NOW = new Date('2026-03-01T10:20:30.000Z');
const ARN = 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0';
const point = (runId: string, completedAt: string, extra: Partial<RestorePoint> = {}): RestorePoint => ({
  arn: ARN,
  type: 'ebs-volume',
  region: 'eu-west-1',
  resourceId: 'vol-0123456789abcdef0',
  runId,
  tier: 'daily',
  backupIds: [`snap-${runId}`],
  completedAt,
  copies: [{ region: 'us-west-2', ids: [`snap-dr-${runId}`], status: 'COMPLETED', reason: null }],
  restoreSettings: { availabilityZone: 'eu-west-1b' },
  ...extra,
});
const TABLE_BACKUP = 'arn:aws:dynamodb:eu-west-1:111122223333:table/sessions/backup/01700000000000-abcdef12';
const POINTS = [
  point('run-2', '2026-02-28T02:00:00.000Z'),
  point('run-1', '2026-02-27T02:00:00.000Z'),
  point('run-3', '2026-02-28T02:00:00.000Z', {
    arn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/sessions',
    type: 'dynamodb-table',
    mode: 'backup',
    resourceId: 'sessions',
    backupIds: [TABLE_BACKUP],
    copies: [],
    restoreSettings: {},
  }),
];
const points = {
  async findById(id: string) {
    return POINTS.find((p) => p.backupIds.includes(id) || p.copies.some((c) => c.ids.includes(id)));
  },
  async list(arn: string) {
    return POINTS.filter((p) => p.arn === arn);
  },
};
/** Every region has its default VPC here (the refusal without one: tests/workflow/restore-dr-region.test.ts). */
const withDefaultVpcs = { hasDefaultVpc: async () => true };
const request = {
  restoreId: 'restore-1',
  points,
  latestPoints: async () => [],
  defaultTier: 'daily',
  now: NOW,
  facts: withDefaultVpcs,
};
/** A single restore's plan (the one restore of the execution). */
const plan = async (input: unknown) => {
  const planned = await planRestores(input, request);
  expect(planned.restores).toHaveLength(1);
  return planned.restores[0] as NonNullable<(typeof planned.restores)[0]>;
};
const problems = async (input: unknown) => {
  try {
    await plan(input);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems.map((p) => p.field);
    throw error;
  }
  return [];
};

describe('validateRestoreInput', () => {
  it('names every bad field at once', () => {
    expect(() => validateRestoreInput({ backupId: '', region: 7, extra: true })).toThrow(InvalidInputError);
    try {
      validateRestoreInput({ backupId: '', region: 7, extra: true });
    } catch (error) {
      expect((error as InvalidInputError).problems.map((p) => p.field).sort()).toEqual(['backupId', 'extra', 'region']);
    }
  });

  it('asks for a backup id or a resource with latest, not both', () => {
    expect(() => validateRestoreInput({})).toThrow(/name a backup id/);
    expect(() => validateRestoreInput({ backupId: 'snap-1', resource: ARN, latest: true })).toThrow(/not several/);
    expect(() => validateRestoreInput({ resource: ARN })).toThrow(/latest: true/);
  });
});

describe('planRestores, one restore', () => {
  it("restores a backup in its source's region with the settings recorded when it was made", async () => {
    // Act
    const planned = await plan({ backupId: 'snap-run-1' });

    // Assess
    expect(planned).toMatchObject({
      restoreId: 'restore-1',
      arn: ARN,
      type: 'ebs-volume',
      runId: 'run-1',
      sourceRegion: 'eu-west-1',
      region: 'eu-west-1',
      backupIds: ['snap-run-1'],
      drill: false,
      settings: { availabilityZone: 'eu-west-1b' },
    });
  });

  it("takes a resource's newest point with latest", async () => {
    expect((await plan({ resource: ARN, latest: true })).runId).toBe('run-2');
  });

  it('restores a DR copy in its region, by its own id or by the region', async () => {
    expect(await plan({ backupId: 'snap-dr-run-2' })).toMatchObject({
      region: 'us-west-2',
      backupIds: ['snap-dr-run-2'],
    });
    expect(await plan({ backupId: 'snap-run-2', region: 'us-west-2' })).toMatchObject({
      region: 'us-west-2',
      backupIds: ['snap-dr-run-2'],
    });
  });

  it("restores an RDS backup id in its source's region, though its DR copy has the same id", async () => {
    // Prepare: an RDS copy keeps its original's identifier, so the id names both places.
    const rdsArn = 'arn:aws:rds:eu-west-1:111122223333:db:orders';
    const rdsPoint = point('run-9', '2026-02-28T03:00:00.000Z', {
      arn: rdsArn,
      type: 'rds-instance',
      resourceId: 'orders',
      backupIds: ['bp-daily-run-9-orders'],
      copies: [{ region: 'us-west-2', ids: ['bp-daily-run-9-orders'], status: 'COMPLETED', reason: null }],
      restoreSettings: { dbInstanceClass: 'db.r6g.large' },
    });
    POINTS.push(rdsPoint);
    try {
      // Act
      const byId = await plan({ backupId: 'bp-daily-run-9-orders' });
      const toDr = await plan({ backupId: 'bp-daily-run-9-orders', region: 'us-west-2' });
      const copyOnly = await planRestores(
        { backupId: 'bp-daily-run-9-orders' },
        {
          ...request,
          points: {
            ...points,
            findById: async () => ({ ...rdsPoint, deleted: ['eu-west-1/bp-daily-run-9-orders'] }),
          },
        },
      );

      // Assess: where `backups` lists it (the source's region), unless told; a copy only once the source is gone.
      expect(byId).toMatchObject({ sourceRegion: 'eu-west-1', region: 'eu-west-1' });
      expect(toDr).toMatchObject({ region: 'us-west-2', backupIds: ['bp-daily-run-9-orders'] });
      expect(copyOnly.restores[0]).toMatchObject({ region: 'us-west-2' });
    } finally {
      POINTS.pop();
    }
  });

  it('refuses a region without a completed copy, saying where it can be restored', async () => {
    await expect(plan({ backupId: 'snap-run-2', region: 'ap-south-1' })).rejects.toThrow(
      'this backup has no completed copy in ap-south-1; it can be restored in: eu-west-1, us-west-2',
    );
  });

  it('refuses an id the pipeline never recorded, and a resource never backed up', async () => {
    expect(await problems({ backupId: 'snap-foreign' })).toEqual(['backupId']);
    expect(await problems({ resource: 'arn:aws:rds:eu-west-1:111122223333:db:other', latest: true })).toEqual([
      'resource',
    ]);
  });

  it('refuses, before anything is made, a name its driver cannot restore under (a DynamoDB table without "-restored-")', async () => {
    expect(await problems({ backupId: TABLE_BACKUP, name: 'sessions-copy' })).toEqual(['name']);
    await expect(plan({ backupId: TABLE_BACKUP, name: 'sessions-restored-copy' })).resolves.toMatchObject({
      name: 'sessions-restored-copy',
    });
    await expect(plan({ backupId: TABLE_BACKUP })).resolves.toMatchObject({
      name: 'sessions-restored-20260301t102030',
    });
  });

  it('keeps an operator name and a drill placement', async () => {
    const planned = await plan({
      backupId: 'snap-run-1',
      name: 'data-check',
      drill: true,
      placement: { availabilityZone: 'eu-west-1c' },
    });
    expect(planned).toMatchObject({ name: 'data-check', drill: true, placement: { availabilityZone: 'eu-west-1c' } });
  });
});

describe('planRestores, the name each type can take', () => {
  const typed = (type: RestorePoint['type'], arn: string, extra: Partial<RestorePoint> = {}) =>
    point('run-9', '2026-02-28T02:00:00.000Z', { type, arn, backupIds: [`backup-${type}`], copies: [], ...extra });
  const TYPED = [
    typed('rds-instance', 'arn:aws:rds:eu-west-1:111122223333:db:orders'),
    typed('aurora-cluster', 'arn:aws:rds:eu-west-1:111122223333:cluster:ledger'),
    typed('dynamodb-table', 'arn:aws:dynamodb:eu-west-1:111122223333:table/sessions', { mode: 'backup' }),
    typed('ebs-volume', ARN),
  ];
  const planTyped = (type: string, name: string) =>
    planRestores(
      { backupId: `backup-${type}`, name },
      { ...request, points: { ...points, findById: async (id) => TYPED.find((p) => p.backupIds.includes(id)) } },
    );
  const refusal = async (type: string, name: string) => {
    const error = await planTyped(type, name).then(
      () => undefined,
      (e: unknown) => e,
    );
    return error instanceof InvalidInputError ? error.problems : error;
  };

  it.each([
    ['rds-instance', 'orders_copy', /letters, digits and hyphens/],
    ['rds-instance', '1orders', /start with a letter/],
    ['rds-instance', 'orders--copy', /two hyphens in a row/],
    ['rds-instance', 'orders-', /end with a hyphen/],
    ['rds-instance', `o${'x'.repeat(63)}`, /at most 63/],
    ['aurora-cluster', 'ledger_copy', /letters, digits and hyphens/],
    ['dynamodb-table', 'ab', /3 to 255/],
    ['dynamodb-table', 'sessions copy', /letters, digits, _ . and -/],
  ])('refuses at Plan a name %s cannot take (%s), naming the field', async (type, name, message) => {
    // Act
    const problems = await refusal(type, name);

    // Assess
    expect(problems).toEqual([{ field: 'name', message: expect.stringMatching(message) }]);
  });

  it.each([
    ['rds-instance', 'orders-copy-2'],
    ['aurora-cluster', 'ledger-copy'],
    ['dynamodb-table', 'sessions_copy-restored-v2.1'],
    ['ebs-volume', 'données de test (copie) é'],
  ])('accepts a name %s can take: %s', async (type, name) => {
    const planned = await planTyped(type, name);
    expect(planned.restores[0]?.name).toBe(name);
  });

  it('accepts an EC2 Name tag up to 256 characters, not more', async () => {
    await expect(planTyped('ebs-volume', 'v'.repeat(256))).resolves.toBeDefined();
    expect(await refusal('ebs-volume', 'v'.repeat(257))).toEqual([
      { field: 'name', message: expect.stringMatching(/at most 256/) },
    ]);
  });
});

describe('defaultRestoreName', () => {
  it('is the source with a time stamp, a valid RDS identifier at most 63 characters long', () => {
    expect(defaultRestoreName('orders', NOW)).toBe('orders-restored-20260301t102030');
    const long = defaultRestoreName(`9${'x'.repeat(80)}`, NOW);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-zA-Z][a-zA-Z0-9-]*$/);
    expect(long).not.toMatch(/--/);
  });
});
