/**
 * An application's restore, planned (issue #19 item 12): the `application` input validated field by
 * field, its resources found by the tags recorded at backup time in the tier's latest-point partition,
 * each from its newest point restorable in the asked region, in waves (the operator's order, or the
 * databases first), with what cannot be restored named.
 */
import { InvalidInputError } from '../../../shared/errors';
import { toRef } from '../../../shared/resource';
import { DEFAULT_MODES, hasModes, type ModedType } from '../../../shared/services/modes';
import type { LatestPointRecord, RestorePoint } from '../../../shared/state/records';
import { applicationWaves } from '../../../shared/workflow/restore/application-selection';
import { inWaves, planRestores, validateRestoreInput } from '../../../shared/workflow/restore/restore-plan';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const HOME = 'eu-west-1';
const DR = 'us-west-2';
const ACCOUNT = '111122223333';
const ORDERS = [{ Key: 'app', Value: 'orders' }];

const arnOf = {
  db: `arn:aws:rds:${HOME}:${ACCOUNT}:db:orders`,
  cluster: `arn:aws:rds:${HOME}:${ACCOUNT}:cluster:ledger`,
  table: `arn:aws:dynamodb:${HOME}:${ACCOUNT}:table/carts`,
  instance: `arn:aws:ec2:${HOME}:${ACCOUNT}:instance/i-0000000000000000a`,
  volume: `arn:aws:ec2:${HOME}:${ACCOUNT}:volume/vol-0000000000000000b`,
  billing: `arn:aws:rds:${HOME}:${ACCOUNT}:db:billing`,
  uncopied: `arn:aws:ec2:${HOME}:${ACCOUNT}:volume/vol-0000000000000000c`,
};
type Key = keyof typeof arnOf;
const defaultModeOf = (type: string) => (hasModes(type) ? { mode: DEFAULT_MODES[type as ModedType] } : {});

/** A point of `key` taken at `takenAt`, copied to the DR region unless `copied` is false. */
const pointOf = (key: Key, runId: string, takenAt: string, copied = true): RestorePoint => ({
  arn: arnOf[key],
  // The type and id the ARN names, read by the catalog's grammar; a type with modes backed up its default way.
  type: toRef(arnOf[key]).type,
  ...defaultModeOf(toRef(arnOf[key]).type),
  region: HOME,
  resourceId: toRef(arnOf[key]).id,
  runId,
  tier: 'daily',
  backupIds: [`${key}-${runId}`],
  completedAt: new Date(Date.parse(takenAt) + 600_000).toISOString(),
  takenAt,
  copies: copied ? [{ region: DR, ids: [`${key}-${runId}-dr`], status: 'COMPLETED', reason: null }] : [],
  restoreSettings: {},
  resourceTags: key === 'billing' ? [{ Key: 'app', Value: 'billing' }] : ORDERS,
});

function sources(points: RestorePoint[]) {
  const recovery: Pick<LatestPointRecord, 'arn' | 'resourceTags'>[] = [
    ...new Map(points.map((p) => [p.arn, { arn: p.arn, resourceTags: p.resourceTags }])).values(),
  ];
  return {
    points: {
      async findById() {
        return undefined;
      },
      async list(arn: string) {
        return points.filter((p) => p.arn === arn).sort((a, b) => b.completedAt.localeCompare(a.completedAt));
      },
    },
    latestPoints: async (tier: string) => (tier === 'daily' ? recovery : []),
  };
}

const ESTATE = [
  pointOf('db', 'run-2', '2026-03-01T02:00:00.000Z'),
  pointOf('db', 'run-1', '2026-02-28T02:00:00.000Z'),
  pointOf('cluster', 'run-2', '2026-03-01T02:05:00.000Z'),
  pointOf('table', 'run-2', '2026-03-01T02:01:00.000Z'),
  pointOf('instance', 'run-2', '2026-03-01T02:02:00.000Z'),
  pointOf('volume', 'run-2', '2026-03-01T02:03:00.000Z'),
  pointOf('billing', 'run-2', '2026-03-01T02:00:00.000Z'),
  pointOf('uncopied', 'run-2', '2026-03-01T02:00:00.000Z', false),
];
const plan = (input: unknown, points = ESTATE) =>
  planRestores(input, {
    restoreId: 'gameday',
    ...sources(points),
    defaultTier: 'daily',
    now: NOW,
    facts: { hasDefaultVpc: async () => true },
  });
const fields = (input: unknown) => {
  try {
    validateRestoreInput(input);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems.map((p) => p.field).sort();
    throw error;
  }
  return [];
};

describe('validateRestoreInput, an application', () => {
  it('takes tags, a tier and an order of known types, each type in one wave at most', () => {
    expect(
      fields({
        application: { tags: { app: 'orders' }, tier: 'daily', order: [['rds-instance'], ['ec2-instance']] },
      }),
    ).toEqual([]);
  });

  it('names every bad field: no tag, an unknown type, a type in two waves, an empty wave, an unknown key', () => {
    expect(fields({ application: { tags: {} } })).toEqual(['application.tags']);
    expect(
      fields({
        application: {
          tags: { app: 'orders' },
          order: [['rds-instance', 'lambda-function'], ['rds-instance'], []],
          extra: 1,
        },
      }),
    ).toEqual(['application', 'application.order.0.1', 'application.order.2']);
    expect(
      fields({ application: { tags: { app: 'orders' }, order: [['rds-instance'], ['ec2-instance', 'rds-instance']] } }),
    ).toEqual(['application.order.1.1']);
  });

  it('is one of backupId, resource and select, and names its restores after their sources', () => {
    expect(fields({ application: { tags: { app: 'orders' } }, backupId: 'snap-1' })).toEqual(['application']);
    expect(fields({ application: { tags: { app: 'orders' } }, name: 'mine' })).toEqual(['name']);
  });
});

describe('applicationWaves', () => {
  it("defaults to the catalogs' restoreWave: databases, tables, caches and buckets first, then instances and volumes", () => {
    expect(applicationWaves(undefined)).toEqual([
      [
        'rds-instance',
        'aurora-cluster',
        'docdb-cluster',
        'neptune-cluster',
        'dynamodb-table',
        'redshift-cluster',
        'elasticache-replication-group',
        's3-bucket',
      ],
      ['ec2-instance', 'ebs-volume'],
    ]);
  });

  it('takes the operator order and puts the types it does not name in a last wave', () => {
    expect(applicationWaves([['aurora-cluster'], ['rds-instance', 'ec2-instance']])).toEqual([
      ['aurora-cluster'],
      ['rds-instance', 'ec2-instance'],
      [
        'ebs-volume',
        'docdb-cluster',
        'neptune-cluster',
        'dynamodb-table',
        'redshift-cluster',
        'elasticache-replication-group',
        's3-bucket',
      ],
    ]);
  });
});

describe('planRestores, an application', () => {
  it('restores every resource carrying the tags, from its newest point, databases in the first wave', async () => {
    // Act
    const planned = await plan({ application: { tags: { app: 'orders' } } });

    // Assess
    const byArn = Object.fromEntries(planned.restores.map((r) => [r.arn, r]));
    expect(Object.keys(byArn).sort()).toEqual(
      [arnOf.db, arnOf.cluster, arnOf.table, arnOf.instance, arnOf.volume, arnOf.uncopied].sort(),
    );
    expect(planned.restores.map((r) => r.wave)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(planned.restores.map((r) => r.restoreId)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `gameday-${n}`));
    expect(byArn[arnOf.db]).toMatchObject({
      runId: 'run-2',
      region: HOME,
      drill: false,
      dataAt: '2026-03-01T02:00:00.000Z',
    });
    expect(planned.skipped).toEqual([]);
    expect(planned.drill).toBe(false);
  });

  it('restores in the DR region from the copies there, naming what has no copy there', async () => {
    // Act
    const planned = await plan({ application: { tags: { app: 'orders' } }, region: DR });

    // Assess
    expect(planned.restores.every((r) => r.region === DR && r.backupIds[0]?.endsWith('-dr'))).toBe(true);
    expect(planned.restores).toHaveLength(5);
    expect(planned.skipped).toEqual([{ arn: arnOf.uncopied, reason: `never copied to ${DR} (no copyTo names it)` }]);
  });

  it('names why a resource has nothing in the region: its copy not made, failed, or retention', async () => {
    // Prepare: the table's copy was skipped (AWS copies no on-demand backup), the volume's failed.
    const notCopied = (key: Key, reason: string): RestorePoint => ({
      ...pointOf(key, 'run-2', '2026-03-01T02:00:00.000Z', false),
      notCopied: [{ region: DR, reason }],
    });
    const points = [
      ...ESTATE.filter((p) => p.arn !== arnOf.table && p.arn !== arnOf.uncopied),
      notCopied('table', 'not copied: on-demand backups are copied only through AWS Backup'),
      notCopied('uncopied', 'copy failed: CopySnapshot: error'),
    ];

    // Act
    const planned = await plan({ application: { tags: { app: 'orders' } }, region: DR }, points);

    // Assess
    expect(planned.skipped).toEqual([
      { arn: arnOf.table, reason: `not copied to ${DR}: on-demand backups are copied only through AWS Backup` },
      { arn: arnOf.uncopied, reason: `copy to ${DR} failed: CopySnapshot: error` },
    ]);
  });

  it("takes the newest point restorable in the region, not the resource's newest", async () => {
    // Prepare: the newest backup of the database was not copied; the day before's was.
    const points = [
      pointOf('db', 'run-3', '2026-03-01T06:00:00.000Z', false),
      pointOf('db', 'run-2', '2026-03-01T02:00:00.000Z'),
    ];

    // Act
    const planned = await plan({ application: { tags: { app: 'orders' } }, region: DR }, points);

    // Assess
    expect(planned.restores.map((r) => [r.runId, r.region])).toEqual([['run-2', DR]]);
  });

  it('follows the operator order, and refuses tags that no resource of the tier carries', async () => {
    const planned = await plan({
      application: { tags: { app: 'orders' }, order: [['ec2-instance'], ['rds-instance', 'aurora-cluster']] },
    });
    expect(planned.restores.map((r) => [r.type, r.wave])).toEqual([
      ['ec2-instance', 1],
      ['aurora-cluster', 2],
      ['rds-instance', 2],
      ['dynamodb-table', 3],
      ['ebs-volume', 3],
      ['ebs-volume', 3],
    ]);
    await expect(plan({ application: { tags: { app: 'orders' }, tier: 'monthly' } })).rejects.toThrow(
      /application.tags: no resource the monthly tier protects carries app=orders/,
    );
    await expect(plan({ application: { tags: { app: 'order' } } })).rejects.toThrow(InvalidInputError);
  });
});

describe('planRestores, a drill of an application', () => {
  it('restores it as a drill (deleted afterwards), into the drill placement, in the same waves', async () => {
    const placement = { subnetId: 'subnet-0d7111a5e0b1d7e11', securityGroupIds: ['sg-0d7111a5e0b1d7e12'] };
    const planned = await plan({
      application: { tags: { app: 'orders' } },
      drill: true,
      placements: { [HOME]: placement },
    });
    expect(planned.drill).toBe(true);
    expect(planned.restores.every((r) => r.drill)).toBe(true);
    expect(planned.restores.map((r) => r.placement)).toEqual(planned.restores.map(() => placement));
    expect(planned.restores.map((r) => r.wave)).toEqual([1, 1, 1, 2, 2, 2]);
  });
});

describe('inWaves', () => {
  it("carries an application's restores once, in their waves, and a single restore or a drill as one wave", async () => {
    // Prepare
    const application = await plan({ application: { tags: { app: 'orders' } } });

    // Act
    const waves = inWaves(application);

    // Assess
    expect(waves.waves.map((w) => w.restores.map((r) => r.restoreId))).toEqual([
      ['gameday-1', 'gameday-2', 'gameday-3'],
      ['gameday-4', 'gameday-5', 'gameday-6'],
    ]);
    expect(Object.keys(waves).sort()).toEqual(['drill', 'skipped', 'waves']);
    expect(inWaves({ restores: [], drill: true, skipped: [] }).waves).toEqual([{ restores: [] }]);
  });
});
