/**
 * Scenarios over the wire: the real ASL and handlers in the local sandbox, the SDK talking to the
 * emulator's EC2/RDS/SNS endpoints and to dynalite, as `npm start` does. These reach the AWS limits of
 * DESIGN §9 (lowered so a test reaches them quickly) and inject the faults the pipeline must survive.
 */

import { BACKUP_TAG } from '../../local/estates/fleet';
import { HANDLERS } from '../../local/handlers';
import type { AwsModel } from '../../local/model';
import { type SandboxOptions, startSandbox } from '../../local/sandbox';
import { resourceOutcome } from '../../shared/workflow/backup/outcome';

jest.setTimeout(60_000);

const REGION = 'eu-west-1';
const tagged = (name: string) => [{ Key: 'Name', Value: name }, BACKUP_TAG];

async function scenario(options: SandboxOptions, seed: (model: AwsModel) => void, input: object = {}) {
  const sandbox = await startSandbox({ fleet: { kind: 'none' }, ...options });
  try {
    const model = sandbox.model;
    if (!model) throw new Error('expected the built-in emulator');
    seed(model);
    const name = `scenario-${Date.now()}`;
    const execution = sandbox.sfn.startExecution(sandbox.stateMachineArn, name, JSON.stringify(input));
    const result = await execution.done;
    const records = await sandbox.store.listResources(name);
    return {
      sandbox,
      model,
      result,
      records,
      snapshots: model.snapshots(REGION),
      dbSnapshots: model.dbSnapshots(REGION),
      sns: [...model.sns],
    };
  } finally {
    await sandbox.close();
  }
}

function onePerVolume(snapshots: { VolumeId?: string }[]): boolean {
  const ids = snapshots.map((s) => s.VolumeId);
  return new Set(ids).size === ids.length;
}

describe('QuotaReached', () => {
  it('records SnapshotQuotaExceeded as QuotaExceededError without retrying, and notifies', async () => {
    // A quota already full is seen at Plan (throttling-quotas.test.ts QuotaSeenAtPlan); this one fills
    // between Plan, which found room, and the start: someone else's manual snapshot lands in between.
    let model: AwsModel | undefined;
    const plan = HANDLERS['plan-run'];
    const handlers = {
      ...HANDLERS,
      'plan-run': async (event: unknown, context: Parameters<typeof plan>[1]) => {
        const planned = await plan(event, context);
        model?.addExistingDbSnapshot(REGION, {
          DBSnapshotIdentifier: 'manual-2',
          DBInstanceIdentifier: 'orders',
          startMs: 0,
        });
        return planned;
      },
    };
    const out = await scenario({ limits: { manualDbSnapshotsPerRegion: 2 }, handlers }, (m) => {
      model = m;
      m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
      m.addExistingDbSnapshot(REGION, { DBSnapshotIdentifier: 'manual-1', DBInstanceIdentifier: 'orders', startMs: 0 });
    });
    expect(out.result.status).toBe('FAILED');
    expect(out.records).toEqual([
      expect.objectContaining({ status: 'FAILED', error: expect.objectContaining({ error: 'QuotaExceededError' }) }),
    ]);
    expect(out.model.calls.get('rds:CreateDBSnapshot')).toBe(1);
    expect(out.sns[0]?.Message).toContain('QuotaExceededError');
  });
});

describe('PendingSnapshotLimit', () => {
  it('backs off on PendingSnapshotLimitExceeded and completes every volume once the queue drains', async () => {
    const out = await scenario({ limits: { pendingSnapshotsPerRegion: 3 } }, (m) => {
      for (let i = 0; i < 6; i++) m.addVolume(REGION, { Size: 50, Tags: tagged(`v${i}`), snapshotSeconds: 600 });
    });
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records.map((r) => r.status)).toEqual(Array(6).fill('COMPLETED'));
    expect(out.result.stats.retries).toBeGreaterThan(0);
    expect(out.snapshots).toHaveLength(6);
    expect(onePerVolume(out.snapshots)).toBe(true);
  });
});

describe('StartWindowClosed', () => {
  it('fails the volumes AWS still refuses when their start window closes, naming it, and backs up the rest once', async () => {
    // Prepare: one pending-snapshot slot and three 5-hour snapshots with a 6-hour start window: the first
    // starts at once, the second after ~5 h, the third would wait ~10 h for the slot.
    const options = { limits: { pendingSnapshotsPerRegion: 1 }, config: { polling: { startWindowHours: 6 } } };
    const seed = (m: AwsModel) => {
      for (let i = 0; i < 3; i++) m.addVolume(REGION, { Size: 50, Tags: tagged(`v${i}`), snapshotSeconds: 5 * 3600 });
    };

    // Act
    const out = await scenario(options, seed);

    // Assess: one failure with the start-window reason, the others completed, and nothing made for it.
    expect(out.result.status).toBe('FAILED');
    const failed = out.records.filter((r) => r.status === 'FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error?.error).toBe('InvalidResourceStateError');
    expect(failed[0]?.error?.cause).toMatch(
      /^start window: .* could not be started within its 6 h start window .*the next run tries again: .*pending snapshots/,
    );
    expect(failed[0]?.backupIds ?? []).toEqual([]);
    expect(out.records.filter((r) => r.status === 'COMPLETED')).toHaveLength(2);
    expect(out.snapshots).toHaveLength(2);
    expect(onePerVolume(out.snapshots)).toBe(true);
    expect(out.sns.at(-1)?.Message).toContain('start window');
  });
});

describe('ThrottleStorm', () => {
  it('rides out heavy throttling (token buckets plus 30% of calls throttled) with no duplicate backups', async () => {
    const out = await scenario({ faults: { throttleRate: 0.3 }, tokenBuckets: true }, (m) => {
      for (let i = 0; i < 4; i++)
        m.addInstance(REGION, { Tags: tagged(`i${i}`), volumes: [{ Size: 20 }, { Size: 40 }] });
      m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
    });
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records.every((r) => r.status === 'COMPLETED')).toBe(true);
    // The SDK absorbs part of the storm (the attempts the Lambdas deploy with); the rest reaches the ASL's Retry.
    expect(out.result.stats.retries).toBeGreaterThan(0);
    expect(out.snapshots).toHaveLength(8);
    expect(onePerVolume(out.snapshots)).toBe(true);
    expect(out.dbSnapshots).toHaveLength(1);
  });
});

describe('CrashAfterCreate', () => {
  it('retries a handler that died right after its Create call and finds the backup instead of creating a second', async () => {
    const out = await scenario({ faults: { crashRate: 1 } }, (m) => {
      m.addInstance(REGION, { Tags: tagged('web'), volumes: [{ Size: 20 }, { Size: 40 }] });
      m.addVolume(REGION, { Size: 50, Tags: tagged('data') });
      m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
    });
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records.map((r) => r.status)).toEqual(Array(3).fill('COMPLETED'));
    // RDS finds its snapshot by identifier on the first retry; an EBS retry first waits until a tag
    // lookup can see the crashed attempt's create (LOOKUP_SETTLE_SECONDS), then finds it.
    const attempts = Object.fromEntries(out.records.map((r) => [r.type, r.attempts ?? 0]));
    expect(attempts['rds-instance']).toBe(2);
    expect(attempts['ec2-instance']).toBeGreaterThan(2);
    expect(attempts['ebs-volume']).toBeGreaterThan(2);
    expect(out.snapshots).toHaveLength(3);
    expect(onePerVolume(out.snapshots)).toBe(true);
    expect(out.dbSnapshots).toHaveLength(1);
    expect(out.model.calls.get('ec2:CreateSnapshots')).toBe(1);
    expect(out.model.calls.get('rds:CreateDBSnapshot')).toBe(1);
  });
});

describe('RdsInstanceBackingUp', () => {
  it('waits out an automated backup holding the instance (LimitExceededError, long retry) and then snapshots it once', async () => {
    const out = await scenario({}, (m) => {
      m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders'), snapshotSeconds: 300 });
      // RDS's own automated backup, started just now and running for 20 minutes: the instance reads backing-up.
      m.addExistingDbSnapshot(REGION, {
        DBSnapshotIdentifier: 'rds:orders-automated',
        DBInstanceIdentifier: 'orders',
        SnapshotType: 'automated',
        startMs: m.clock.now().getTime(),
        durationMs: 20 * 60_000,
      });
    });
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records).toEqual([expect.objectContaining({ status: 'COMPLETED', attempts: 1 })]);
    expect(out.model.calls.get('rds:CreateDBSnapshot')).toBeGreaterThan(1);
    expect(out.dbSnapshots.filter((s) => s.SnapshotType === 'manual')).toHaveLength(1);
  });
});

describe('StoppedRdsInstance', () => {
  it('fails the stopped instance with InvalidResourceStateError and backs up the rest', async () => {
    const out = await scenario({}, (m) => {
      m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
      m.addDbInstance(REGION, { DBInstanceIdentifier: 'legacy', status: 'stopped', TagList: tagged('legacy') });
      m.addVolume(REGION, { Size: 50, Tags: tagged('data') });
    });
    expect(out.result.status).toBe('FAILED');
    expect(out.result.cause).toMatch(/^1 of 3 backups failed/);
    const legacy = out.records.find((r) => r.resourceId === 'legacy');
    expect(legacy).toMatchObject({
      status: 'FAILED',
      error: { error: 'InvalidResourceStateError', cause: expect.stringContaining('stopped') },
    });
    expect(out.records.filter((r) => r.status === 'COMPLETED')).toHaveLength(2);
  });
});

describe('ExportWithoutPitr', () => {
  it('fails a table asked to export without point-in-time recovery, with that reason, and backs up the rest', async () => {
    const out = await scenario({}, (m) => {
      m.addDynamoTable(REGION, {
        TableName: 'audit',
        Tags: [...tagged('audit'), { Key: 'backup-pipeline:mode', Value: 'export' }],
      });
      m.addDynamoTable(REGION, { TableName: 'sessions', Tags: tagged('sessions') });
    });
    expect(out.result.status).toBe('FAILED');
    const byId = Object.fromEntries(out.records.map((r) => [r.resourceId, r]));
    expect(byId.audit).toMatchObject({
      status: 'FAILED',
      error: { error: 'InvalidResourceStateError', cause: expect.stringContaining('has no point-in-time recovery') },
    });
    expect(byId.sessions).toMatchObject({ status: 'COMPLETED' });
    expect(out.model.dynamoExports(REGION)).toEqual([]);
    expect(out.model.dynamoBackups(REGION)).toEqual([expect.objectContaining({ TableName: 'sessions' })]);
    expect(out.sns[0]?.Message).toContain('point-in-time recovery');
  });
});

describe('ExportLimit', () => {
  it('waits out the concurrent-export limit (LimitExceededError, long retries) and exports every table once', async () => {
    const out = await scenario({ limits: { concurrentExportsPerRegion: 1 } }, (m) => {
      for (const name of ['clicks', 'views', 'carts'])
        m.addDynamoTable(REGION, {
          TableName: name,
          pitr: true,
          exportSeconds: 600,
          Tags: [...tagged(name), { Key: 'backup-pipeline:mode', Value: 'export' }],
        });
    });
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records.map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(out.result.stats.retries).toBeGreaterThan(0);
    expect(out.model.dynamoExports(REGION)).toHaveLength(3);
  });
});

describe('DynamoDbBackupAndExport', () => {
  it('backs up one table and exports another into the bucket, then retention deletes only its own expired backup', async () => {
    const out = await scenario({}, (m) => {
      const now = m.clock.now().getTime();
      m.addDynamoTable(REGION, { TableName: 'sessions', Tags: tagged('sessions') });
      m.addDynamoTable(REGION, {
        TableName: 'clicks',
        pitr: true,
        exportSeconds: 1800,
        Tags: [...tagged('clicks'), { Key: 'backup-pipeline:mode', Value: 'export' }],
      });
      const expired = new Date(now - 86_400_000)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}Z$/, 'Z');
      // Ours and expired; a foreign one with a look-alike name of another stack; a hand-made one.
      m.addExistingDynamoBackup(REGION, {
        TableName: 'sessions',
        BackupName: `bp.BackupPipeline.daily.${expired}.000000000001`,
        startMs: now - 8 * 86_400_000,
      });
      m.addExistingDynamoBackup(REGION, {
        TableName: 'sessions',
        BackupName: `bp.OtherStack.daily.${expired}.000000000002`,
        startMs: now - 8 * 86_400_000,
      });
      m.addExistingDynamoBackup(REGION, { TableName: 'sessions', BackupName: 'before-migration', startMs: 0 });
    });
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records.map((r) => [r.resourceId, r.status])).toEqual([
      ['clicks', 'COMPLETED'],
      ['sessions', 'COMPLETED'],
    ]);
    const [exported] = out.model.dynamoExports(REGION);
    expect(exported).toMatchObject({
      ExportStatus: 'COMPLETED',
      S3Bucket: 'backup-pipeline-backups-local',
      S3Prefix: expect.stringMatching(/^dynamodb-exports\/daily\/clicks\//),
    });
    const names = out.model.dynamoBackups(REGION).map((b) => b.BackupName);
    expect(names).toHaveLength(3);
    // Ours and expired: deleted. (The run's own new backup is the newest of its table: kept.)
    expect(names.filter((n) => n.endsWith('.000000000001'))).toEqual([]);
    expect(names).toEqual(
      expect.arrayContaining([
        'before-migration',
        expect.stringMatching(/^bp\.OtherStack\./),
        // The run's own, named by the stack at its home region.
        expect.stringMatching(new RegExp(`^bp\\.BackupPipeline_${REGION}\\.daily\\.`)),
      ]),
    );
  });
});

describe('CopyToTwoRegions', () => {
  it('copies every copyable backup to both regions under their keys, tagged like the original plus the source region', async () => {
    const out = await scenario(
      {},
      (m) => {
        m.addKmsKey('us-west-2', { alias: 'alias/backup-dr' });
        m.addKmsKey('eu-central-1', { alias: 'alias/backup-dr' });
        m.addInstance(REGION, { Tags: tagged('web'), volumes: [{ Size: 20 }, { Size: 40 }] });
        m.addVolume(REGION, { Size: 50, Tags: tagged('data') });
        m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
        m.addDbCluster(REGION, { DBClusterIdentifier: 'ledger', TagList: tagged('ledger') });
        m.addDynamoTable(REGION, { TableName: 'sessions', Tags: tagged('sessions') });
      },
      {
        copyTo: [
          { region: 'us-west-2', kmsKeyId: 'alias/backup-dr' },
          { region: 'eu-central-1', kmsKeyId: 'alias/backup-dr' },
        ],
      },
    );

    // Every resource completed; every copyable one has a COMPLETED copy per region, the table a SKIPPED one.
    expect(out.result.status).toBe('SUCCEEDED');
    for (const record of out.records) {
      expect(record.status).toBe('COMPLETED');
      const expected = record.type === 'dynamodb-table' ? 'SKIPPED' : 'COMPLETED';
      expect((record.copies ?? []).map((c) => [c.region, c.status]).sort()).toEqual([
        ['eu-central-1', expected],
        ['us-west-2', expected],
      ]);
    }
    for (const region of ['us-west-2', 'eu-central-1']) {
      const key = out.model.kmsKeys(region)[0]?.Arn;
      const ebs = out.model.snapshots(region);
      expect(ebs).toHaveLength(3);
      for (const copy of ebs) {
        const original = out.snapshots.find((s) => s.SnapshotId === tagOf(copy.Tags, 'backup-pipeline:copy-of'));
        expect(original).toBeDefined();
        expect(copy).toMatchObject({ State: 'completed', Encrypted: true, KmsKeyId: key });
        for (const k of [
          'backup-pipeline:managed-by',
          'backup-pipeline:source',
          'backup-pipeline:tier',
          'backup-pipeline:expires-at',
        ])
          expect(tagOf(copy.Tags, k)).toBe(tagOf(original?.Tags, k));
        expect(tagOf(copy.Tags, 'backup-pipeline:source-region')).toBe(REGION);
      }
      expect(out.model.dbSnapshots(region)).toEqual([
        expect.objectContaining({ Status: 'available', DBInstanceIdentifier: 'orders' }),
      ]);
      expect(out.model.dbClusterSnapshots(region)).toEqual([
        expect.objectContaining({ Status: 'available', DBClusterIdentifier: 'ledger' }),
      ]);
      expect(tagOf(out.model.dbSnapshots(region)[0]?.TagList, 'backup-pipeline:source-region')).toBe(REGION);
    }
  });
});

describe('CopyLimitBackoff', () => {
  it('meets the per-region concurrent-copy limit with LimitExceededError and long retries, then copies everything exactly once', async () => {
    const out = await scenario(
      { limits: { concurrentCopiesPerRegion: 2 } },
      (m) => {
        for (let i = 0; i < 5; i++) m.addVolume(REGION, { Size: 100, Tags: tagged(`v${i}`), snapshotSeconds: 120 });
      },
      { copyTo: [{ region: 'us-west-2' }] },
    );
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records.map((r) => [r.status, r.copies?.[0]?.status])).toEqual(
      Array(5).fill(['COMPLETED', 'COMPLETED']),
    );
    expect(out.result.stats.retries).toBeGreaterThan(0);
    expect(out.model.calls.get('ec2:CopySnapshot')).toBeGreaterThan(5);
    const copies = out.model.snapshots('us-west-2');
    expect(copies).toHaveLength(5);
    expect(new Set(copies.map((c) => tagOf(c.Tags, 'backup-pipeline:copy-of'))).size).toBe(5);
  });
});

describe('CopySlotsBusyForHours', () => {
  it("waits for the region's only copy slot for more than 9 hours (past twelve long retries, ~4 h) and copies everything once", async () => {
    // Prepare: one copy slot in the destination; three 3-hour snapshots whose copies take ~4.5 h each,
    // so the last copy waits about 9 hours for the slot.
    const options = { limits: { concurrentCopiesPerRegion: 1 } };
    const seed = (m: AwsModel) => {
      for (let i = 0; i < 3; i++) m.addVolume(REGION, { Size: 100, Tags: tagged(`v${i}`), snapshotSeconds: 3 * 3600 });
    };

    // Act
    const out = await scenario(options, seed, { copyTo: [{ region: 'us-west-2' }] });

    // Assess
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records.map((r) => [r.status, r.copies?.[0]?.status])).toEqual(
      Array(3).fill(['COMPLETED', 'COMPLETED']),
    );
    const copyStarts = out.records.map((r) => new Date(r.copies?.[0]?.startedAt ?? 0).getTime()).sort();
    expect(((copyStarts[2] ?? 0) - (copyStarts[0] ?? 0)) / 3_600_000).toBeGreaterThan(8);
    expect(out.model.snapshots('us-west-2')).toHaveLength(3);
  });

  it("fails the copy that cannot get a slot by the resource's deadline with reason timeout, and copies the others", async () => {
    // Prepare: a 10-hour deadline; the third copy's slot frees only after about 12 hours.
    const options = { limits: { concurrentCopiesPerRegion: 1 }, config: { polling: { deadlineHours: 10 } } };
    const seed = (m: AwsModel) => {
      for (let i = 0; i < 3; i++) m.addVolume(REGION, { Size: 100, Tags: tagged(`v${i}`), snapshotSeconds: 3 * 3600 });
    };

    // Act
    const out = await scenario(options, seed, { copyTo: [{ region: 'us-west-2' }] });

    // Assess
    expect(out.result.status).toBe('FAILED');
    const failed = out.records.filter((r) => r.status === 'FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error?.cause).toMatch(/^timeout: .* could not be copied to us-west-2 by its deadline/);
    expect(out.records.filter((r) => r.status === 'COMPLETED')).toHaveLength(2);
    expect(out.model.snapshots('us-west-2')).toHaveLength(2);
    // Its backup completed: it is a copy that failed, counted apart from failed backups, and still fails the run.
    expect(failed.map(resourceOutcome)).toEqual(['COMPLETED_COPY_FAILED']);
    expect(out.result.cause).toMatch(/^0 of 3 backups failed, 1 backed up but not copied \(2 completed, 0 skipped\)/);
    expect(out.sns.at(-1)?.Subject).toMatch(/: 2\/3 ok, 1 copy failed$/);
  });
});

describe('CopyTargetsChecked', () => {
  it.each([
    [{ region: 'xx-north-9' }, 'copyTo.0.region', 'not a region enabled in this account'],
    [{ region: 'us-west-2', kmsKeyId: 'alias/missing' }, 'copyTo.0.kmsKeyId', 'does not exist in us-west-2'],
    [{ region: 'us-west-2' }, 'copyTo.0.kmsKeyId', 'is encrypted'],
    // The run's own region is no error: its sources' copies there are SKIPPED (MultiRegionRun).
  ])('fails Plan for %p naming %s, creating nothing', async (target, field, message) => {
    const out = await scenario(
      {},
      (m) => {
        m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders'), StorageEncrypted: true });
        m.addVolume(REGION, { Size: 8, Tags: tagged('v') });
      },
      { copyTo: [target] },
    );
    expect(out.result.status).toBe('FAILED');
    expect(out.result.error).toBe('InvalidInputError');
    expect(out.result.cause).toContain(`${field}: `);
    expect(out.result.cause).toContain(message);
    expect(out.records).toEqual([]);
    expect(out.snapshots).toEqual([]);
    expect(out.dbSnapshots).toEqual([]);
  });
});

function tagOf(tags: readonly { Key?: string; Value?: string }[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

describe('MixedFleetAllTypes', () => {
  it('backs up every type in one run (snapshots, AMI, volume, RDS, Aurora via its member, DynamoDB backup and export) and copies every type but DynamoDB', async () => {
    const out = await scenario(
      {},
      (m) => {
        m.addKmsKey('us-west-2', { alias: 'alias/backup-dr' });
        m.addInstance(REGION, { Tags: tagged('web'), volumes: [{ Size: 20 }, { Size: 40 }] });
        m.addInstance(REGION, {
          Tags: [...tagged('build'), { Key: 'backup-pipeline:mode', Value: 'ami' }],
          volumes: [{ Size: 30 }],
        });
        m.addVolume(REGION, { Size: 50, Tags: tagged('data') });
        m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
        m.addDbCluster(REGION, { DBClusterIdentifier: 'payments', memberTags: tagged('payments') });
        m.addDynamoTable(REGION, { TableName: 'sessions', Tags: tagged('sessions') });
        m.addDynamoTable(REGION, {
          TableName: 'clicks',
          pitr: true,
          Tags: [...tagged('clicks'), { Key: 'backup-pipeline:mode', Value: 'export' }],
        });
      },
      { copyTo: [{ region: 'us-west-2', kmsKeyId: 'alias/backup-dr' }] },
    );

    expect(out.result.status).toBe('SUCCEEDED');
    const backedUp = out.records.filter((r) => r.status !== 'SKIPPED');
    expect(backedUp.map((r) => r.type).sort()).toEqual([
      'aurora-cluster',
      'dynamodb-table',
      'dynamodb-table',
      'ebs-volume',
      'ec2-instance',
      'ec2-instance',
      'rds-instance',
    ]);
    expect(backedUp.every((r) => r.status === 'COMPLETED')).toBe(true);
    const copyStatus = (r: (typeof backedUp)[number]) => r.copies?.[0]?.status;
    for (const r of backedUp) {
      expect([r.resourceId, copyStatus(r)]).toEqual([
        r.resourceId,
        r.type === 'dynamodb-table' ? 'SKIPPED' : 'COMPLETED',
      ]);
    }
    // The members of the cluster are SKIPPED, the cluster backed up once.
    expect(out.records.filter((r) => r.status === 'SKIPPED').map((r) => r.type)).toEqual([
      'rds-instance',
      'rds-instance',
    ]);
    expect(out.model.images(REGION)).toHaveLength(1);
    // The AMI is copied with its snapshot: one image and one more snapshot in the DR region.
    expect(out.model.images('us-west-2')).toEqual([expect.objectContaining({ State: 'available' })]);
    expect(out.model.dynamoExports(REGION)).toHaveLength(1);
    expect(out.model.dynamoBackups(REGION)).toHaveLength(1);
    expect(out.model.dbClusterSnapshots('us-west-2')).toHaveLength(1);
    expect(out.model.dbSnapshots('us-west-2')).toHaveLength(1);
    expect(out.model.snapshots('us-west-2')).toHaveLength(4);
  });
});
