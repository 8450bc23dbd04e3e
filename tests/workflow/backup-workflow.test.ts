/**
 * Workflow scenarios: statemachines/backup.asl.json executed by aws-local-stepfunctions with the real
 * handlers; AWS answered by the in-memory model, state in dynalite, time virtual.
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { MODE_TAG } from '../../shared/services/modes';
import { TAG } from '../../shared/tags';
import { openSandbox, openWireSandbox, REGION, type Sandbox } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

/**
 * Each scenario runs with the SDK clients answered in-process by the AWS model (aws-sdk-client-mock); the
 * ones whose subject is the wire run over it too, against the local sandbox's emulator endpoints: every
 * call's wire shape (HappyPath), the SDK's own retries of throttled calls, and 5xx answers lost after
 * AWS acted. The rest test the workflow's logic, which the transport does not change.
 */
const WIRE_SCENARIOS = new Set(['HappyPath', 'RetryOnThrottle', 'LostCreateAnswer', 'LostCopyAnswer']);

describe.each([
  ['sdk mocks', openSandbox],
  ['emulator over the wire', openWireSandbox],
] as const)('backup workflow (%s)', (transport, open) => {
  /** A scenario's block, registered on the wire only when the wire is what it tests. */
  const scenario = (name: string, body: () => void) => {
    if (transport === 'sdk mocks' || WIRE_SCENARIOS.has(name)) describe(name, body);
  };
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await open();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const tagged = (name: string) => [{ Key: 'Name', Value: name }, BACKUP_TAG];

  /** 3 instances (1-3 volumes), 2 standalone volumes, 2 RDS instances, and an untagged instance. */
  function seedHappyFleet(s: Sandbox) {
    const instances = [
      s.model.addInstance(REGION, { Tags: tagged('web-1'), volumes: [{ Size: 30 }] }),
      s.model.addInstance(REGION, { Tags: tagged('web-2'), volumes: [{ Size: 30 }, { Size: 100 }] }),
      s.model.addInstance(REGION, { Tags: tagged('app-1'), volumes: [{ Size: 50 }, { Size: 200 }, { Size: 500 }] }),
    ];
    const volumes = [
      s.model.addVolume(REGION, { Size: 200, Tags: tagged('data') }),
      s.model.addVolume(REGION, { Size: 1000, Tags: tagged('archive') }),
    ];
    const dbs = [
      s.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'orders',
        AllocatedStorage: 200,
        TagList: tagged('orders'),
      }),
      s.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'customers',
        AllocatedStorage: 100,
        TagList: tagged('customers'),
      }),
    ];
    const untagged = s.model.addInstance(REGION, {
      Tags: [{ Key: 'Name', Value: 'scratch' }],
      volumes: [{ Size: 10 }],
    });
    return { instances, volumes, dbs, untagged };
  }

  scenario('HappyPath', () => {
    it('backs up 3 instances, 2 volumes and 2 RDS instances, leaves untagged resources alone, and succeeds', async () => {
      // Prepare
      await sandbox.reset();
      const fleet = seedHappyFleet(sandbox);

      // Act
      const result = await sandbox.run({ tier: 'daily' }, 'happy-path');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const records = await sandbox.store.listResources('happy-path');
      expect(records).toHaveLength(7);
      expect(records.every((r) => r.status === 'COMPLETED')).toBe(true);
      const snapshots = sandbox.model.snapshots(REGION);
      expect(snapshots).toHaveLength(1 + 2 + 3 + 2); // one per instance volume, one per standalone volume
      expect(snapshots.every((s) => s.State === 'completed')).toBe(true);
      expect(snapshots.some((s) => s.VolumeId === fleet.untagged.volumeIds[0])).toBe(false);
      expect(
        sandbox.model
          .dbSnapshots(REGION)
          .map((s) => s.DBInstanceIdentifier)
          .sort(),
      ).toEqual(['customers', 'orders']);
      expect(sandbox.model.events).toEqual([
        expect.objectContaining({
          Source: 'backup-pipeline',
          DetailType: 'Backup Run Completed',
          Detail: expect.objectContaining({
            runId: 'happy-path',
            status: 'SUCCEEDED',
            counts: { total: 7, completed: 7, failed: 0, copyFailed: 0, skipped: 0 },
          }),
        }),
      ]);
      const run = await sandbox.store.getRun('happy-path');
      expect(run).toMatchObject({ status: 'SUCCEEDED', tier: 'daily', counts: { total: 7, completed: 7, failed: 0 } });
      // Each backup left a restore point: what `backups` lists and a restore reads.
      for (const record of records) {
        const [point] = await sandbox.points.list(record.arn);
        expect(point).toMatchObject({ runId: 'happy-path', tier: 'daily', backupIds: record.backupIds });
        expect(point?.expiresAt).toBe(run?.expiresAt);
      }
    });
  });

  scenario('CopyTagsToSnapshot', () => {
    it("puts a database's own tags on its snapshot when CopyTagsToSnapshot is on, read at Plan: no DescribeDBInstances after Plan", async () => {
      // Prepare: two RDS instances (tags copied / not), a tagged Aurora cluster copying its tags, and an
      // untagged one selected through its tagged member (its tags are not known at Plan).
      await sandbox.reset();
      const team = { Key: 'team', Value: 'shop' };
      sandbox.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'orders',
        CopyTagsToSnapshot: true,
        TagList: [...tagged('orders'), team],
      });
      sandbox.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'customers',
        TagList: [...tagged('customers'), team],
      });
      sandbox.model.addDbCluster(REGION, {
        DBClusterIdentifier: 'ledger',
        CopyTagsToSnapshot: true,
        TagList: [...tagged('ledger'), team],
      });
      sandbox.model.addDbCluster(REGION, {
        DBClusterIdentifier: 'shop',
        CopyTagsToSnapshot: true,
        TagList: [{ Key: 'Name', Value: 'shop' }, team],
        memberTags: tagged('shop-member'),
      });

      // Act
      const result = await sandbox.run({}, 'copy-tags-to-snapshot');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const tagsOf = (tags: { Key?: string; Value?: string }[] = []) =>
        Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? '']));
      const db = Object.fromEntries(
        sandbox.model.dbSnapshots(REGION).map((s) => [s.DBInstanceIdentifier, tagsOf(s.TagList)]),
      );
      const clusters = Object.fromEntries(
        sandbox.model.dbClusterSnapshots(REGION).map((s) => [s.DBClusterIdentifier, tagsOf(s.TagList)]),
      );
      expect(db.orders).toMatchObject({
        Name: 'orders',
        backup: 'true',
        team: 'shop',
        [TAG.runId]: 'copy-tags-to-snapshot',
      });
      // CopyTagsToSnapshot off: ours only.
      expect(Object.keys(db.customers ?? {}).sort()).toEqual(
        [TAG.expiresAt, TAG.managedBy, TAG.runId, TAG.source, TAG.tier].sort(),
      );
      expect(clusters.ledger).toMatchObject({ Name: 'ledger', team: 'shop', [TAG.runId]: 'copy-tags-to-snapshot' });
      expect(clusters.shop).toMatchObject({ Name: 'shop', team: 'shop', [TAG.runId]: 'copy-tags-to-snapshot' });
      // All at Plan, none after: DescribeDBInstances are Plan's discovery page and the batched lookups of
      // the writers' classes (restore settings) of the tagged clusters and of the one selected through its
      // member; DescribeDBClusters are Plan's pages (Aurora's, and DocumentDB's and Neptune's, each of its
      // engine) and its batched describe of that member's cluster.
      expect(sandbox.model.calls.get('rds:DescribeDBInstances')).toBe(3);
      expect(sandbox.model.calls.get('rds:DescribeDBClusters')).toBe(4);
    });
  });

  scenario('RetryOnThrottle', () => {
    it('retries throttled AWS calls with back-off and still creates exactly one backup per resource', async () => {
      // Prepare: 30% of every EC2/RDS/SNS call is answered RequestLimitExceeded / Throttling.
      await sandbox.reset({ model: { faults: { throttleRate: 0.3 } } });
      seedHappyFleet(sandbox);

      // Act
      const result = await sandbox.run({}, 'retry-on-throttle');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      expect(result.stats.retries).toBeGreaterThan(0);
      const records = await sandbox.store.listResources('retry-on-throttle');
      expect(records.map((r) => r.status)).toEqual(Array(7).fill('COMPLETED'));
      const perVolume = new Map<string, number>();
      for (const s of sandbox.model.snapshots(REGION))
        perVolume.set(s.VolumeId ?? '', (perVolume.get(s.VolumeId ?? '') ?? 0) + 1);
      expect([...perVolume.values()].every((n) => n === 1)).toBe(true);
      expect(sandbox.model.dbSnapshots(REGION)).toHaveLength(2);
    });
  });

  scenario('LostCreateAnswer', () => {
    it('creates exactly one backup per resource when creates succeed but their answer is lost (5xx), and tag lookups lag', async () => {
      // Prepare: half the creates are made and then answered 500; a new snapshot is invisible to tag
      // filters for a minute. Over the wire the SDK's own retry (the deployed AWS_MAX_ATTEMPTS) follows such a 500.
      await sandbox.reset({ model: { faults: { serverErrorAfterCreateRate: 0.5, tagFilterLagSeconds: 60 } } });
      seedHappyFleet(sandbox);
      // DynamoDB backup names are not unique either: a repeated CreateBackup would make a second.
      for (const name of ['sessions', 'carts', 'orders-ledger'])
        sandbox.model.addDynamoTable(REGION, { TableName: name, Tags: tagged(name) });

      // Act
      const result = await sandbox.run({}, 'lost-create-answer');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const records = await sandbox.store.listResources('lost-create-answer');
      expect(records.map((r) => r.status)).toEqual(Array(10).fill('COMPLETED'));
      const perTable = new Map<string, number>();
      for (const b of sandbox.model.dynamoBackups(REGION))
        perTable.set(b.TableName, (perTable.get(b.TableName) ?? 0) + 1);
      expect(Object.fromEntries(perTable)).toEqual({ sessions: 1, carts: 1, 'orders-ledger': 1 });
      const perVolume = new Map<string, number>();
      for (const s of sandbox.model.snapshots(REGION))
        perVolume.set(s.VolumeId ?? '', (perVolume.get(s.VolumeId ?? '') ?? 0) + 1);
      expect([...perVolume.values()]).toEqual(Array(perVolume.size).fill(1));
      expect(perVolume.size).toBe(8);
      expect(sandbox.model.dbSnapshots(REGION)).toHaveLength(2);
    });
  });

  scenario('LostCopyAnswer', () => {
    it('makes exactly one copy per backup per region when copies succeed but their answer is lost (5xx), and tag lookups lag', async () => {
      // Prepare: half the creates and copies are made and then answered 500; a new snapshot (a copy in its
      // destination too) is invisible to tag filters for a minute. CopySnapshot takes no client token.
      await sandbox.reset({ model: { faults: { serverErrorAfterCreateRate: 0.5, tagFilterLagSeconds: 60 } } });
      const regions = ['us-west-2', 'eu-central-1'];
      for (const region of regions) sandbox.model.addKmsKey(region, { alias: 'alias/backup-dr' });
      sandbox.model.addInstance(REGION, { Tags: tagged('web-1'), volumes: [{ Size: 30 }] });
      sandbox.model.addInstance(REGION, { Tags: tagged('app-1'), volumes: [{ Size: 50 }, { Size: 200 }] });
      sandbox.model.addInstance(REGION, {
        Tags: [...tagged('builder'), { Key: MODE_TAG, Value: 'ami' }],
        volumes: [{ Size: 20 }],
      });
      sandbox.model.addVolume(REGION, { Size: 200, Tags: tagged('data') });
      sandbox.model.addVolume(REGION, { Size: 100, Tags: tagged('logs') });
      sandbox.model.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
      sandbox.model.addDbCluster(REGION, { DBClusterIdentifier: 'ledger', TagList: tagged('ledger') });

      // Act
      const result = await sandbox.run(
        { copyTo: regions.map((region) => ({ region, kmsKeyId: 'alias/backup-dr' })) },
        'lost-copy-answer',
      );

      // Assess: every copy completed, and each original has exactly one copy in each region.
      expect(result.status).toBe('SUCCEEDED');
      const records = await sandbox.store.listResources('lost-copy-answer');
      expect(records.map((r) => r.status)).toEqual(Array(7).fill('COMPLETED'));
      expect(result.stats.retries).toBeGreaterThan(0);
      // The EBS copies (keyless) noted their call times; RDS, Aurora and the AMI's copies cannot repeat.
      expect(
        records
          .filter((r) => r.copyCalledAt)
          .map((r) => r.type)
          .sort(),
      ).toEqual(['ebs-volume', 'ebs-volume', 'ec2-instance', 'ec2-instance']);
      for (const record of records)
        expect((record.copies ?? []).map((c) => [c.region, c.status]).sort()).toEqual([
          ['eu-central-1', 'COMPLETED'],
          ['us-west-2', 'COMPLETED'],
        ]);
      const originals = sandbox.model.snapshots(REGION).filter((s) => s.Description?.startsWith('backup-pipeline'));
      expect(originals).toHaveLength(1 + 2 + 2);
      for (const region of regions) {
        const perOriginal = new Map<string, number>();
        for (const s of sandbox.model.snapshots(region)) {
          const of = s.Tags?.find((t) => t.Key === TAG.copyOf)?.Value;
          if (of) perOriginal.set(of, (perOriginal.get(of) ?? 0) + 1);
        }
        expect(Object.fromEntries(perOriginal)).toEqual(Object.fromEntries(originals.map((s) => [s.SnapshotId, 1])));
        expect(sandbox.model.images(region)).toHaveLength(1);
        expect(sandbox.model.dbSnapshots(region).map((s) => s.DBInstanceIdentifier)).toEqual(['orders']);
        expect(sandbox.model.dbClusterSnapshots(region).map((s) => s.DBClusterIdentifier)).toEqual(['ledger']);
      }
    });
  });

  scenario('TransientDbState', () => {
    it('backs up an RDS instance and an Aurora cluster that are modifying for an hour once they are available, not FAILED', async () => {
      // Prepare: both refuse snapshots for the first hour (a modification), then read `available`.
      await sandbox.reset();
      const hourFromNow = sandbox.scheduler.now().getTime() + 3_600_000;
      sandbox.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'billing',
        status: 'modifying',
        statusUntilMs: hourFromNow,
        TagList: tagged('billing'),
      });
      sandbox.model.addDbCluster(REGION, {
        DBClusterIdentifier: 'ledger',
        status: 'modifying',
        statusUntilMs: hourFromNow,
        TagList: tagged('ledger'),
      });

      // Act
      const result = await sandbox.run({}, 'transient-db-state');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const records = await sandbox.store.listResources('transient-db-state');
      const byId = Object.fromEntries(records.map((r) => [r.resourceId, r.status]));
      expect(byId).toMatchObject({ billing: 'COMPLETED', ledger: 'COMPLETED' });
      expect(sandbox.model.dbSnapshots(REGION)).toHaveLength(1);
      expect(sandbox.model.calls.get('rds:CreateDBSnapshot')).toBeGreaterThan(1);
    });
  });

  scenario('TransientDbStateForHours', () => {
    it('keeps retrying an RDS instance that is modifying for 12 hours and backs it up once available; one still modifying when its start window closes is FAILED with start window', async () => {
      // Prepare: a 16 h start window; one instance refuses snapshots for 12 h (more than the ~4 h twelve
      // long retries give), another for 60 h (past the window, and past the 48 h deadline).
      await sandbox.reset({
        config: { polling: { minWaitSeconds: 60, maxWaitSeconds: 21_600, startWindowHours: 16 } },
      });
      const start = sandbox.scheduler.now().getTime();
      sandbox.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'warehouse',
        status: 'modifying',
        statusUntilMs: start + 12 * 3_600_000,
        TagList: tagged('warehouse'),
      });
      sandbox.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'archive',
        status: 'modifying',
        statusUntilMs: start + 60 * 3_600_000,
        TagList: tagged('archive'),
      });

      // Act
      const result = await sandbox.run({}, 'transient-db-state-hours');

      // Assess
      const records = await sandbox.store.listResources('transient-db-state-hours');
      const byId = Object.fromEntries(records.map((r) => [r.resourceId, r]));
      expect(byId.warehouse?.status).toBe('COMPLETED');
      expect(byId.archive?.status).toBe('FAILED');
      expect(byId.archive?.error?.cause).toMatch(/^start window: .* within its 16 h start window/);
      expect(result.status).toBe('FAILED');
      expect(sandbox.model.dbSnapshots(REGION).map((s) => s.DBInstanceIdentifier)).toEqual(['warehouse']);
      // The archive's failure came when the window closed, not at the deadline.
      const failedAt = Date.parse(byId.archive?.finishedAt ?? '');
      expect((failedAt - start) / 3_600_000).toBeLessThan(18);
    });
  });

  scenario('SnapshotErrors', () => {
    it('records every snapshot that ends in error as FAILED, notifies, and fails the execution naming the counts', async () => {
      // Prepare
      await sandbox.reset({ model: { faults: { snapshotFailureRate: 1 } } });
      seedHappyFleet(sandbox);

      // Act
      const result = await sandbox.run({}, 'snapshot-errors');

      // Assess
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('BackupsFailed');
      expect(result.cause).toMatch(/^7 of 7 backups failed/);
      const records = await sandbox.store.listResources('snapshot-errors');
      expect(records.every((r) => r.status === 'FAILED' && r.error?.error === 'BackupFailed')).toBe(true);
      expect(records.every((r) => /error|failed/.test(r.error?.cause ?? ''))).toBe(true);
      const [message] = sandbox.model.sns;
      expect(message?.Subject).toBe('backup-pipeline daily: 0/7 ok, 7 failed');
      for (const r of records) expect(message?.Message).toContain(r.arn);
    });
  });

  scenario('OneFailsOthersSucceed', () => {
    it('fails only the stopped RDS instance, completes the rest, and names the failure in the notification', async () => {
      // Prepare
      await sandbox.reset();
      seedHappyFleet(sandbox);
      const stopped = sandbox.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'reporting',
        status: 'stopped',
        TagList: tagged('reporting'),
      });

      // Act
      const result = await sandbox.run({}, 'one-fails');

      // Assess
      expect(result.status).toBe('FAILED');
      expect(result.cause).toMatch(/^1 of 8 backups failed \(7 completed, 0 skipped\)/);
      const records = await sandbox.store.listResources('one-fails');
      const failed = records.filter((r) => r.status === 'FAILED');
      expect(failed.map((r) => r.resourceId)).toEqual([stopped.DBInstanceIdentifier]);
      expect(failed[0]?.error).toMatchObject({
        error: 'InvalidResourceStateError',
        cause: expect.stringContaining('stopped'),
      });
      expect(records.filter((r) => r.status === 'COMPLETED')).toHaveLength(7);
      const [message] = sandbox.model.sns;
      expect(message?.Subject).toBe('backup-pipeline daily: 7/8 ok, 1 failed');
      expect(message?.Message).toContain(`${failed[0]?.arn} [rds-instance] during start: InvalidResourceStateError`);
    });
  });

  scenario('Timeout', () => {
    it('fails a backup still running at its deadline with reason timeout, after polling at progress-aware intervals', async () => {
      // Prepare: deadline 2 h; one volume needs ~6 h.
      await sandbox.reset({ config: { polling: { minWaitSeconds: 60, maxWaitSeconds: 3600, deadlineHours: 2 } } });
      sandbox.model.addVolume(REGION, { Size: 100, Tags: tagged('slow'), snapshotSeconds: 6 * 3600 });
      sandbox.model.addVolume(REGION, { Size: 10, Tags: tagged('quick'), snapshotSeconds: 300 });

      // Act
      const result = await sandbox.run({}, 'timeout');

      // Assess
      expect(result.status).toBe('FAILED');
      const records = await sandbox.store.listResources('timeout');
      const slow = records.find((r) => r.status === 'FAILED');
      expect(slow?.error?.cause).toMatch(/^timeout: still \d+% complete after 2\.\d h/);
      expect(slow?.polls).toBeGreaterThan(1);
      expect(slow?.polls).toBeLessThan(20);
      expect(records.filter((r) => r.status === 'COMPLETED')).toHaveLength(1);
    });
  });

  scenario('InvalidInput', () => {
    it('fails at Plan with InvalidInputError naming every bad field, and writes or creates nothing', async () => {
      // Prepare
      await sandbox.reset();
      seedHappyFleet(sandbox);
      const input = {
        tier: 'hourly',
        targets: { resources: ['arn:aws:s3:::my-bucket', 'not-an-arn'] },
        retentionDays: -3,
        copyTo: [{ region: 'us-west-2' }, { region: 'us-west-2' }],
        colour: 'blue',
      };

      // Act
      const result = await sandbox.run(input, 'invalid-input');

      // Assess
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('InvalidInputError');
      for (const field of [
        'tier',
        'targets.resources.0',
        'targets.resources.1',
        'retentionDays',
        'copyTo.1.region',
        'colour',
      ]) {
        expect(result.cause).toContain(`${field}:`);
      }
      expect(await sandbox.store.getRun('invalid-input')).toBeUndefined();
      expect(await sandbox.store.listResources('invalid-input')).toEqual([]);
      expect(sandbox.model.snapshots(REGION)).toEqual([]);
      expect(result.stats.invocations).toEqual({ 'plan-run': 1 });
    });

    it.each([
      ['an array', [1, 2]],
      ['a string', 'daily'],
      ['null', null],
    ])('rejects execution input that is %s', async (_label, input) => {
      await sandbox.reset();
      const result = await sandbox.run(input);
      expect(result.error).toBe('InvalidInputError');
      expect(result.cause).toContain('(input): expected a JSON object');
    });
  });

  scenario('NothingToBackUp', () => {
    it('succeeds with zero backups and still tells the operator that nothing matched', async () => {
      // Prepare
      await sandbox.reset();
      sandbox.model.addInstance(REGION, { Tags: [{ Key: 'Name', Value: 'untagged' }], volumes: [{ Size: 8 }] });

      // Act
      const result = await sandbox.run({ tier: 'weekly' }, 'nothing');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      expect(await sandbox.store.getRun('nothing')).toMatchObject({ status: 'SUCCEEDED', counts: { total: 0 } });
      expect(sandbox.model.snapshots(REGION)).toEqual([]);
      expect(sandbox.model.sns.map((m) => m.Subject)).toEqual(['backup-pipeline weekly: nothing to back up']);
      expect(result.stats.invocations['start-backup']).toBeUndefined();
    });
  });

  scenario('SkippedResources', () => {
    it('skips a tagged volume attached to a selected instance, and backs up a tagged Aurora member once, as its cluster', async () => {
      // Prepare: the cluster itself is untagged; both of its members carry the backup tag.
      await sandbox.reset();
      const instance = sandbox.model.addInstance(REGION, {
        Tags: tagged('web'),
        volumes: [{ Size: 8, Tags: tagged('web-root') }],
      });
      sandbox.model.addDbCluster(REGION, { DBClusterIdentifier: 'shop', members: 2, memberTags: tagged('shop') });

      // Act
      const result = await sandbox.run({}, 'skipped');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const records = await sandbox.store.listResources('skipped');
      expect(records.find((r) => r.type === 'ebs-volume')).toMatchObject({
        status: 'SKIPPED',
        note: expect.stringContaining(`included in the backup of arn:aws:ec2:${REGION}:`),
      });
      const clusterArn = sandbox.model.dbClusterArn(REGION, 'shop');
      expect(records.filter((r) => r.type === 'rds-instance')).toEqual([
        expect.objectContaining({ status: 'SKIPPED', note: expect.stringContaining(`with its cluster ${clusterArn}`) }),
        expect.objectContaining({ status: 'SKIPPED', note: expect.stringContaining(`with its cluster ${clusterArn}`) }),
      ]);
      expect(records.find((r) => r.type === 'aurora-cluster')).toMatchObject({
        arn: clusterArn,
        status: 'COMPLETED',
        note: 'selected through member shop-instance-1, shop-instance-2',
      });
      expect(sandbox.model.dbClusterSnapshots(REGION)).toEqual([
        expect.objectContaining({ DBClusterIdentifier: 'shop', Status: 'available' }),
      ]);
      expect(sandbox.model.dbSnapshots(REGION)).toEqual([]);
      expect(records.find((r) => r.type === 'ec2-instance')).toMatchObject({
        status: 'COMPLETED',
        resourceId: instance.InstanceId,
      });
      expect(sandbox.model.snapshots(REGION)).toHaveLength(1);
    });
  });

  scenario('AmiHeldSnapshotKept', () => {
    it('keeps an AMI’s snapshots while the AMI is kept, even expired, then deregisters it and deletes them together; never touches a foreign AMI', async () => {
      // Prepare: an instance backed up as an AMI, and a foreign AMI registered over an expired snapshot
      // of ours and a snapshot of its own.
      await sandbox.reset();
      const DAY = 86_400_000;
      const builder = sandbox.model.addInstance(REGION, {
        Tags: [...tagged('builder'), { Key: MODE_TAG, Value: 'ami' }],
        volumes: [
          { Size: 20, snapshotSeconds: 600 },
          { Size: 50, snapshotSeconds: 900 },
        ],
      });
      const volume = sandbox.model.addVolume(REGION, { Size: 8 });
      const start = sandbox.scheduler.nowMs();
      const borrowed = sandbox.model.addExistingSnapshot(REGION, {
        VolumeId: volume.VolumeId,
        startMs: start - 20 * DAY,
        Description: `backup-pipeline daily old ${volume.VolumeId}`,
        Tags: [
          { Key: TAG.managedBy, Value: 'BackupPipeline' },
          { Key: TAG.runId, Value: 'old' },
          { Key: TAG.source, Value: `arn:aws:ec2:${REGION}:111122223333:volume/${volume.VolumeId}` },
          { Key: TAG.tier, Value: 'daily' },
          { Key: TAG.expiresAt, Value: new Date(start - 13 * DAY).toISOString() },
        ],
      }).SnapshotId;
      const theirs = sandbox.model.addExistingSnapshot(REGION, {
        VolumeId: volume.VolumeId,
        startMs: start - 20 * DAY,
        Tags: [{ Key: TAG.managedBy, Value: 'SomeoneElse' }],
      }).SnapshotId;
      const vendor = sandbox.model.addImage(REGION, {
        Name: 'vendor-golden',
        snapshotIds: [borrowed, theirs],
        Tags: [{ Key: TAG.managedBy, Value: 'SomeoneElse' }],
        creationMs: start - 20 * DAY,
      });
      const imageOf = (runId: string) =>
        sandbox.model.images(REGION).find((i) => i.Tags.some((t) => t.Key === TAG.runId && t.Value === runId));
      const snapshotsOf = (imageId: string | undefined) =>
        sandbox.model
          .images(REGION)
          .find((i) => i.ImageId === imageId)
          ?.BlockDeviceMappings.map((m) => m.Ebs.SnapshotId) ?? [];
      const decisionsOf = async (runId: string) =>
        Object.fromEntries(((await sandbox.store.getRun(runId))?.retentionDecisions ?? []).map((d) => [d.id, d]));

      // Act 1: the first AMI, kept 3 days.
      const first = await sandbox.run({ tier: 'daily', retentionDays: 3 }, 'ami-first');
      const ami1 = imageOf('ami-first');
      const ami1Snapshots = snapshotsOf(ami1?.ImageId);
      // An operator shortens its snapshots' expiry: they are now expired by their own tags.
      sandbox.model.createTags(REGION, {
        Resources: ami1Snapshots,
        Tags: [{ Key: TAG.expiresAt, Value: new Date(start).toISOString() }],
      });

      // Act 2: a day later, a second AMI (kept 7 days); the first is not expired yet.
      await sandbox.scheduler.sleep(DAY);
      const second = await sandbox.run({ tier: 'daily' }, 'ami-second');
      const afterSecond = sandbox.model.snapshots(REGION).map((s) => s.SnapshotId);
      const secondDecisions = await decisionsOf('ami-second');

      // Act 3: four days in, the first AMI has expired and is no longer the newest.
      await sandbox.scheduler.sleep(3 * DAY);
      const third = await sandbox.run({ tier: 'daily' }, 'ami-third');
      const thirdDecisions = await decisionsOf('ami-third');

      // Assess: each run backed the instance up as one AMI without a reboot, image and snapshots tagged.
      expect([first.status, second.status, third.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
      const [record] = await sandbox.store.listResources('ami-first');
      expect(record).toMatchObject({ status: 'COMPLETED', backupIds: [ami1?.ImageId] });
      expect(ami1).toMatchObject({ State: 'available', noReboot: true, rebooted: false });
      expect(ami1?.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: 'builder' }]));
      expect(ami1Snapshots).toHaveLength(builder.volumeIds.length);
      // Run 2: the first AMI's snapshots, expired by their tags, are kept because the AMI still uses them.
      expect(afterSecond).toEqual(expect.arrayContaining(ami1Snapshots));
      for (const id of ami1Snapshots) {
        expect(secondDecisions[id]).toMatchObject({
          action: 'keep',
          ruleId: 'held-by-ami',
          rule: `used by AMI ${ami1?.ImageId}`,
        });
      }
      expect(secondDecisions[ami1?.ImageId ?? '']).toMatchObject({
        kind: 'ec2-image',
        action: 'keep',
        ruleId: 'not-expired',
      });
      // Run 3: the first AMI is deregistered and its snapshots go with it; the newer AMIs stay.
      expect(thirdDecisions[ami1?.ImageId ?? '']).toMatchObject({
        kind: 'ec2-image',
        action: 'delete',
        ruleId: 'expired',
      });
      const images = sandbox.model.images(REGION).map((i) => i.ImageId);
      expect(images).not.toContain(ami1?.ImageId);
      expect(images).toEqual(
        expect.arrayContaining([vendor.ImageId, imageOf('ami-second')?.ImageId, imageOf('ami-third')?.ImageId]),
      );
      const left = sandbox.model.snapshots(REGION).map((s) => s.SnapshotId);
      // Deleted by the image store with their AMI, before the snapshot store listed anything: no own decision.
      for (const id of ami1Snapshots) expect([left.includes(id), thirdDecisions[id]]).toEqual([false, undefined]);
      expect((await sandbox.store.getRun('ami-third'))?.retention).toMatchObject({ deleted: 1, failedDeletes: 0 });
      expect(sandbox.model.calls.get('ec2:DeregisterImage')).toBe(1);
      // The foreign AMI and both its snapshots (one of them an expired one of ours) were never touched.
      expect(left).toEqual(expect.arrayContaining([borrowed, theirs]));
      for (const decisions of [secondDecisions, thirdDecisions]) {
        expect(decisions[borrowed]).toMatchObject({ action: 'keep', rule: `used by AMI ${vendor.ImageId}` });
        expect(decisions[vendor.ImageId]).toBeUndefined();
        expect(decisions[theirs]).toBeUndefined();
      }
    });
  });

  scenario('Retention', () => {
    it('deletes only expired backups this stack created, never foreign, untagged or AMI-held ones', async () => {
      // Prepare: history of snapshots around a volume.
      await sandbox.reset();
      const volume = sandbox.model.addVolume(REGION, { Size: 8, Tags: tagged('data') });
      const source = `arn:aws:ec2:${REGION}:111122223333:volume/${volume.VolumeId}`;
      const now = sandbox.scheduler.nowMs();
      const ours = (days: number, extra: { Key: string; Value: string }[] = []) => [
        { Key: 'backup-pipeline:managed-by', Value: 'BackupPipeline' },
        { Key: 'backup-pipeline:source', Value: source },
        { Key: 'backup-pipeline:tier', Value: 'daily' },
        { Key: 'backup-pipeline:run-id', Value: `old-${days}` },
        { Key: 'backup-pipeline:expires-at', Value: new Date(now - days * 86_400_000 + 7 * 86_400_000).toISOString() },
        ...extra,
      ];
      const old = (days: number, tags: { Key: string; Value: string }[]) =>
        sandbox.model.addExistingSnapshot(REGION, {
          VolumeId: volume.VolumeId,
          startMs: now - days * 86_400_000,
          Description: `backup-pipeline daily old-${days} ${volume.VolumeId}`,
          Tags: tags,
        }).SnapshotId;
      const expired = old(10, ours(10));
      const fresh = old(2, ours(2));
      const foreign = old(
        30,
        ours(30).map((t) => (t.Key === 'backup-pipeline:managed-by' ? { ...t, Value: 'SomeoneElse' } : t)),
      );
      const untagged = old(40, []);
      const amiHeld = old(20, ours(20));
      sandbox.model.addImage(REGION, { Name: 'golden', snapshotIds: [amiHeld], Tags: [] });

      // Act
      const result = await sandbox.run({}, 'retention');

      // Assess
      expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({
        status: 'SUCCEEDED',
        error: undefined,
        cause: undefined,
      });
      const remaining = sandbox.model.snapshots(REGION).map((s) => s.SnapshotId);
      expect(remaining).not.toContain(expired);
      expect(remaining).toEqual(expect.arrayContaining([fresh, foreign, untagged, amiHeld]));
      const run = await sandbox.store.getRun('retention');
      expect(run?.retention).toMatchObject({ dryRun: false, deleted: 1, failedDeletes: 0 });
      expect(run?.retentionDecisions?.find((d) => d.id === amiHeld)?.rule).toMatch(/^used by AMI/);
    });

    it('in a dry run creates nothing and deletes nothing, but records what it would delete', async () => {
      await sandbox.reset();
      const volume = sandbox.model.addVolume(REGION, { Size: 8, Tags: tagged('data') });
      const now = sandbox.scheduler.nowMs();
      const tags = (runId: string, ageDays: number) => [
        { Key: 'backup-pipeline:managed-by', Value: 'BackupPipeline' },
        { Key: 'backup-pipeline:source', Value: `arn:aws:ec2:${REGION}:111122223333:volume/${volume.VolumeId}` },
        { Key: 'backup-pipeline:run-id', Value: runId },
        { Key: 'backup-pipeline:expires-at', Value: new Date(now - ageDays * 86_400_000).toISOString() },
      ];
      const older = sandbox.model.addExistingSnapshot(REGION, {
        VolumeId: volume.VolumeId,
        startMs: now - 20 * 86_400_000,
        Description: `backup-pipeline daily a ${volume.VolumeId}`,
        Tags: tags('a', 13),
      }).SnapshotId;
      sandbox.model.addExistingSnapshot(REGION, {
        VolumeId: volume.VolumeId,
        startMs: now - 10 * 86_400_000,
        Description: `backup-pipeline daily b ${volume.VolumeId}`,
        Tags: tags('b', 3),
      });

      const result = await sandbox.run({ dryRun: true }, 'dry-run');

      expect(result.status).toBe('SUCCEEDED');
      expect(sandbox.model.snapshots(REGION)).toHaveLength(2);
      const records = await sandbox.store.listResources('dry-run');
      expect(records).toEqual([expect.objectContaining({ status: 'SKIPPED', note: 'dry run: would be backed up' })]);
      const run = await sandbox.store.getRun('dry-run');
      expect(run?.retention).toMatchObject({ dryRun: true, deleted: 1, deletedIds: [older] });
    });
  });
});
