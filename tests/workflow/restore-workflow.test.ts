/**
 * Restore scenarios: statemachines/restore.asl.json executed by aws-local-stepfunctions with the real
 * handlers and drivers, AWS answered by the in-memory model, state in dynalite, time virtual. Each
 * scenario first backs an estate up with the backup workflow, then restores from the points it left.
 */
import { BACKUP_TAG, DR_KEY_ALIAS, DR_REGION, seedDrKey } from '../../local/estates/fleet';
import { AwsApiError } from '../../local/model';
import { drillInput, drillsSchema } from '../../shared/config';
import { dynamoDocClient } from '../../shared/lambda/clients';
import { MODE_TAG } from '../../shared/services/modes';
import { RESTORE_TAG } from '../../shared/services/restore';
import { RestoreStore } from '../../shared/state/restore-store';
import { resourceOutcome } from '../../shared/workflow/backup/outcome';
import { captureSingleMetrics } from '../support/metrics-capture';
import { ACCOUNT, openSandbox, REGION, type Sandbox, TABLE } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const tagged = (name: string, extra: { Key: string; Value: string }[] = []) => [
  { Key: 'Name', Value: name },
  BACKUP_TAG,
  ...extra,
];
const restores = () => new RestoreStore(dynamoDocClient(), TABLE);
const tagsOf = (tags: { Key?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/** One resource of every type and mode, backed up by one daily run. */
async function backedUpEstate(runId: string, input: Record<string, unknown> = {}) {
  const m = sandbox.model;
  const volume = m.addVolume(REGION, { Size: 100, VolumeType: 'gp3', Tags: tagged('data') });
  const instance = m.addInstance(REGION, { Tags: tagged('web'), volumes: [{ Size: 20 }, { Size: 50 }] });
  const imaged = m.addInstance(REGION, {
    Tags: tagged('app', [{ Key: MODE_TAG, Value: 'ami' }]),
    volumes: [{ Size: 30 }],
  });
  m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', AllocatedStorage: 100, TagList: tagged('orders') });
  m.addDbCluster(REGION, { DBClusterIdentifier: 'ledger', TagList: tagged('ledger') });
  m.addDynamoTable(REGION, { TableName: 'sessions', Tags: tagged('sessions') });
  m.addDynamoTable(REGION, {
    TableName: 'carts',
    pitr: true,
    Tags: tagged('carts', [{ Key: MODE_TAG, Value: 'export' }]),
  });
  const result = await sandbox.run({ tier: 'daily', ...input }, runId);
  expect(result.status).toBe('SUCCEEDED');
  const records = await sandbox.store.listResources(runId);
  const arnOf = (id: string) => records.find((r) => r.resourceId === id)?.arn ?? `missing ${id}`;
  return {
    volume: arnOf(volume.VolumeId),
    instance: arnOf(instance.InstanceId),
    imaged: arnOf(imaged.InstanceId),
    db: arnOf('orders'),
    cluster: arnOf('ledger'),
    table: arnOf('sessions'),
    exported: arnOf('carts'),
  };
}

const VALIDATOR = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:drill-validator`;
/** A sandbox whose drill configuration names the validation function `answer` plays. */
async function withValidator(answer: (event: { restored: { ids: string[] }; source: { arn: string } }) => unknown) {
  await sandbox.reset({ config: { drills: { validationFunctionArn: VALIDATOR } } });
  sandbox.model.addFunction(REGION, 'drill-validator', answer as (event: unknown) => unknown);
}
/** What the model still holds of what restores made (restored-by tagged volumes, databases, tables). */
function restoredLeft(): string[] {
  const m = sandbox.model;
  const restoredBy = (tags: { Key?: string }[] | undefined) =>
    (tags ?? []).some((t) => t.Key === RESTORE_TAG.restoredBy);
  return [
    ...(m.describeVolumes(REGION, {}).Volumes ?? []).filter((v) => restoredBy(v.Tags)).map((v) => v.VolumeId ?? ''),
    ...(m.describeDBInstances(REGION, {}).DBInstances ?? [])
      .filter((d) => restoredBy(d.TagList))
      .map((d) => d.DBInstanceIdentifier ?? ''),
    ...(m.describeDBClusters(REGION, {}).DBClusters ?? [])
      .filter((c) => restoredBy(c.TagList))
      .map((c) => c.DBClusterIdentifier ?? ''),
    ...(m.listTables(REGION, {}).TableNames ?? []).filter((t) => t.includes('-restored-')),
  ];
}

describe('restore workflow', () => {
  describe('ScheduledDrill', () => {
    it("restores, validates, times and deletes one resource of every type and mode, from the drill schedule's input", async () => {
      // Prepare
      await withValidator((event) => ({ passed: event.restored.ids.length > 0, message: 'answered' }));
      const arns = await backedUpEstate('scheduled-drill-estate');
      const input = drillInput(drillsSchema.parse({ validationFunctionArn: VALIDATOR }), 'daily');

      // Act
      const result = await sandbox.restore(input, 'drill-weekly');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const records = await Promise.all(Object.keys(arns).map((_, i) => restores().get(`drill-weekly-${i + 1}`)));
      expect(records.map((r) => r?.arn).sort()).toEqual(Object.values(arns).sort());
      for (const record of records) {
        expect(record).toMatchObject({
          drill: true,
          status: 'AVAILABLE',
          validation: { status: 'PASSED', message: 'answered', functionArn: VALIDATOR },
          cleanup: { status: 'DELETED' },
        });
        expect(record?.recoverySeconds).toBeGreaterThan(0);
      }
      expect(sandbox.model.invocations).toHaveLength(records.length);
      expect(restoredLeft()).toEqual([]);
      expect(sandbox.model.sns.map((m) => m.Subject)).toContain(
        `[BackupPipeline] Restore drill passed: ${records.length} of ${records.length} restored`,
      );
    });
  });

  describe('NothingToDrill', () => {
    it('passes a scheduled drill that finds no backed-up resource (a fresh deploy) and says so', async () => {
      // Prepare: nothing backed up in the drill's tier yet (the other scenarios back up daily)
      await sandbox.reset();

      // Act
      const result = await sandbox.restore(drillInput(drillsSchema.parse({ tier: 'monthly' }), 'daily'), 'drill-empty');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      expect(await restores().get('drill-empty-1')).toBeUndefined();
      expect(sandbox.model.sns.map((m) => m.Subject)).toEqual(['[BackupPipeline] Restore drill: nothing to drill']);
    });
  });

  describe('DynamoDbStartDiesAfterCreate', () => {
    it('deletes the table a DynamoDB drill made though its start died right after the create and nothing tagged it', async () => {
      // Prepare: every record of what the start made fails once the restored table exists (a start that
      // dies between RestoreTableFromBackup and its own record); the record written before the call stays.
      await sandbox.reset();
      const arns = await backedUpEstate('dies-estate');
      const madeATable = () =>
        (sandbox.model.listTables(REGION, {}).TableNames ?? []).some((t) => t.includes('-restored-'));
      const update = RestoreStore.prototype.update;
      const dies = jest.spyOn(RestoreStore.prototype, 'update').mockImplementation(async function (
        this: RestoreStore,
        restoreId,
        fields,
      ) {
        if (fields.restoredIds && madeATable())
          throw Object.assign(new Error('simulated: start died after the create'), {
            name: 'InvalidResourceStateError',
          });
        return update.call(this, restoreId, fields);
      });

      // Act
      let result: Awaited<ReturnType<Sandbox['restore']>>;
      try {
        result = await sandbox.restore({ resource: arns.table, latest: true, drill: true }, 'drill-dies');
      } finally {
        dies.mockRestore();
      }

      // Assess: the start failed, and the clean-up still deleted the untagged table the record names.
      expect(result.status).toBe('FAILED');
      expect(await restores().get('drill-dies')).toMatchObject({ status: 'FAILED', cleanup: { status: 'DELETED' } });
      expect(restoredLeft()).toEqual([]);
    });
  });

  describe('ValidationFails', () => {
    it("fails the drill with the validation's reason and still deletes everything it restored", async () => {
      // Prepare
      await withValidator((event) => {
        if (event.source.arn.includes(':db:')) throw new Error('orders table is empty');
        return { passed: false, message: 'checksum mismatch' };
      });
      const arns = await backedUpEstate('validation-fails-estate');

      // Act
      const result = await sandbox.restore(
        { drill: true, select: { perType: 0, resources: [arns.volume, arns.db] } },
        'drill-invalid',
      );

      // Assess
      expect(result.status).toBe('FAILED');
      const byArn = Object.fromEntries(
        (await Promise.all([restores().get('drill-invalid-1'), restores().get('drill-invalid-2')])).map((r) => [
          r?.arn,
          r,
        ]),
      );
      expect(byArn[arns.volume]).toMatchObject({
        status: 'AVAILABLE',
        validation: { status: 'FAILED', message: 'checksum mismatch' },
        cleanup: { status: 'DELETED' },
      });
      expect(byArn[arns.db]).toMatchObject({
        status: 'AVAILABLE',
        validation: { status: 'FAILED', message: 'validation function failed: orders table is empty' },
        cleanup: { status: 'DELETED' },
      });
      expect(restoredLeft()).toEqual([]);
      const [message] = sandbox.model.sns.filter((m) => m.Subject?.includes('Restore drill'));
      expect(message?.Subject).toBe('[BackupPipeline] Restore drill FAILED: 2 of 2 failed');
      expect(message?.Message).toContain('Validation FAILED: checksum mismatch');
    });

    it('fails a drill whose named resource has no backup, and says so, restoring the others', async () => {
      // Prepare
      await withValidator(() => ({ passed: true }));
      const arns = await backedUpEstate('drill-missing-estate');
      const never = `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0neverbackedup`;

      // Act
      const result = await sandbox.restore(
        { drill: true, select: { perType: 0, resources: [never, arns.volume] } },
        'drill-missing',
      );

      // Assess
      expect(result.status).toBe('FAILED');
      expect(await restores().get('drill-missing-1')).toMatchObject({
        arn: arns.volume,
        cleanup: { status: 'DELETED' },
      });
      const [message] = sandbox.model.sns.filter((m) => m.Subject?.includes('Restore drill'));
      expect(message?.Message).toContain(`${never}: no backup of it has completed`);
    });
  });
  describe('RestoreEveryType', () => {
    it("restores each type's latest backup under a new name, tagged with where it came from, and records the recovery time", async () => {
      // Prepare
      await sandbox.reset();
      const arns = await backedUpEstate('restore-every-type');

      // Act
      const results: Record<string, string> = {};
      for (const [what, arn] of Object.entries(arns)) {
        // A DynamoDB restore's name carries "-restored-" (its IAM is scoped by it): every type's does here.
        const name = `${what}-restored-copy`;
        const result = await sandbox.restore({ resource: arn, latest: true, name }, `restore-${what}`);
        const record = result.status === 'SUCCEEDED' ? undefined : await restores().get(`restore-${what}`);
        results[what] = record ? `${result.status}: ${record.error?.error}: ${record.error?.cause}` : result.status;
      }

      // Assess
      expect(results).toEqual(Object.fromEntries(Object.keys(arns).map((k) => [k, 'SUCCEEDED'])));
      for (const what of Object.keys(arns)) {
        const record = await restores().get(`restore-${what}`);
        expect(record).toMatchObject({ status: 'AVAILABLE', name: `${what}-restored-copy`, drill: false });
        expect(record?.recoverySeconds).toBeGreaterThan(0);
        expect(record?.restoredIds?.length).toBeGreaterThan(0);
      }
      const volumes = sandbox.model.describeVolumes(REGION, {
        Filters: [{ Name: `tag:${RESTORE_TAG.restoreId}`, Values: ['restore-volume'] }],
      }).Volumes;
      expect(volumes).toHaveLength(1);
      const tags = tagsOf(volumes?.[0]?.Tags);
      expect(tags).toMatchObject({ Name: 'volume-restored-copy', [RESTORE_TAG.restoredFrom]: arns.volume });
      expect(tags[BACKUP_TAG.Key]).toBeUndefined();
    });
  });

  describe('RestoreClusterSelectedThroughMember', () => {
    it('restores an Aurora cluster that was backed up because its member instance carries the tag', async () => {
      // Prepare: only the member is tagged, as the demo's payments cluster is.
      await sandbox.reset();
      sandbox.model.addDbCluster(REGION, { DBClusterIdentifier: 'payments', memberTags: tagged('payments-1') });
      const run = await sandbox.run({ tier: 'daily' }, 'through-member');
      expect(run.status).toBe('SUCCEEDED');
      const cluster = (await sandbox.store.listResources('through-member')).find((r) => r.resourceId === 'payments');

      // Act
      const result = await sandbox.restore({ resource: cluster?.arn, latest: true, drill: true }, 'drill-payments');

      // Assess
      const record = await restores().get('drill-payments');
      expect(record?.error).toBeUndefined();
      expect(result.status).toBe('SUCCEEDED');
      expect(record).toMatchObject({ status: 'AVAILABLE', cleanup: { status: 'DELETED' } });
    });
  });

  describe('RestoreBackupWhoseCopyFailed', () => {
    it('keeps the restore point of a backup that completed when its copy failed, and restores it', async () => {
      // Prepare: the volume's copy to the DR region is refused.
      await sandbox.reset();
      seedDrKey(sandbox.model);
      const volume = sandbox.model.addVolume(REGION, { Size: 20, Tags: tagged('data') });
      const refuse = jest.spyOn(sandbox.model, 'copySnapshot').mockImplementation(() => {
        throw new AwsApiError('InvalidParameterValue', 'simulated: this copy is refused');
      });
      const run = await sandbox
        .run({ tier: 'daily', copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }] }, 'copy-refused')
        .finally(() => refuse.mockRestore());
      const [record] = await sandbox.store.listResources('copy-refused');
      expect([run.status, record && resourceOutcome(record)]).toEqual(['FAILED', 'COMPLETED_COPY_FAILED']);

      // Act (the sandbox's table outlives a reset: other scenarios' points of the same seeded volume id are there)
      const point = (await sandbox.points.list(record?.arn ?? '')).find((p) => p.runId === 'copy-refused');
      const result = await sandbox.restore({ backupId: record?.backupIds?.[0] }, 'restore-copy-refused');

      // Assess: the point is the backup in its own region, without the copy that never was.
      expect(point).toMatchObject({ backupIds: record?.backupIds, copies: [], resourceId: volume.VolumeId });
      expect(result.status).toBe('SUCCEEDED');
    });
  });

  describe('NameInUse', () => {
    it('refuses a restore into a name another resource holds, touching nothing', async () => {
      // Prepare
      await sandbox.reset();
      const arns = await backedUpEstate('name-in-use');

      // Act: "orders" is the source itself.
      const result = await sandbox.restore({ resource: arns.db, latest: true, name: 'orders' }, 'restore-taken');

      // Assess
      expect(result.status).toBe('FAILED');
      expect(await restores().get('restore-taken')).toMatchObject({
        status: 'FAILED',
        error: { error: 'NameInUseError' },
      });
      const dbs = (sandbox.model.describeDBInstances(REGION, {}).DBInstances ?? []).filter(
        (d) => !d.DBClusterIdentifier,
      );
      expect(dbs.map((d) => d.DBInstanceIdentifier)).toEqual(['orders']);
    });
  });

  describe('DrillCleansUp', () => {
    it('restores, measures, and deletes everything a drill restored', async () => {
      // Prepare
      await sandbox.reset();
      const arns = await backedUpEstate('drill-estate');

      // Act
      const result = await sandbox.restore({ resource: arns.db, latest: true, drill: true }, 'drill-db');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const record = await restores().get('drill-db');
      expect(record).toMatchObject({ status: 'AVAILABLE', drill: true, cleanup: { status: 'DELETED' } });
      const dbs = (sandbox.model.describeDBInstances(REGION, {}).DBInstances ?? []).filter(
        (d) => !d.DBClusterIdentifier,
      );
      expect(dbs.map((d) => d.DBInstanceIdentifier)).toEqual(['orders']);
    });
  });

  describe('DrillCleanupFails', () => {
    it('fails the drill, lists what it left and notifies, although the restore itself worked', async () => {
      // Prepare
      await sandbox.reset();
      const arns = await backedUpEstate('drill-cleanup-fails');
      const denied = Object.assign(new Error('not authorized to perform ec2:DeleteVolume'), { name: 'AccessDenied' });

      const metricsSeen = captureSingleMetrics();

      // Act
      const result = await sandbox
        .restore({ resource: arns.volume, latest: true, drill: true }, 'drill-leaves', {
          crash: (fn) => (fn === 'clean-up-restore' ? denied : undefined),
        })
        .finally(() => metricsSeen.restore());

      // Assess
      expect(result.status).toBe('FAILED');
      const record = await restores().get('drill-leaves');
      expect(record?.status).toBe('AVAILABLE');
      expect(record?.cleanup).toMatchObject({ status: 'FAILED', leftovers: record?.restoredIds });
      expect(restoredLeft()).toEqual(record?.restoredIds);
      // What DrillCleanupFailedAlarm watches (service dimension only).
      expect(metricsSeen.published).toContainEqual({ name: 'DrillCleanupsFailed', tier: '' });
      const published = sandbox.model.sns.map((m) => m.Subject);
      expect(published).toContain(`[BackupPipeline] Restore drill clean-up FAILED: ${record?.name}`);
    });
  });

  describe('AmiDrillLeavesNoVolume', () => {
    it("deletes the AMI's data volume that AWS preserves when the restored instance terminates", async () => {
      // Prepare: root and a data volume; the data volume, attached after launch, is preserved on termination.
      await sandbox.reset();
      sandbox.model.addInstance(REGION, {
        Tags: tagged('app', [{ Key: MODE_TAG, Value: 'ami' }]),
        volumes: [{ Size: 30 }, { Size: 200 }],
      });
      const run = await sandbox.run({ tier: 'daily' }, 'ami-drill-estate');
      const [resource] = await sandbox.store.listResources('ami-drill-estate');

      // Act
      const result = await sandbox.restore({ resource: resource?.arn, latest: true, drill: true }, 'drill-ami');

      // Assess
      expect([run.status, result.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(await restores().get('drill-ami')).toMatchObject({ status: 'AVAILABLE', cleanup: { status: 'DELETED' } });
      expect(restoredLeft()).toEqual([]);
    });
  });

  /** A drill of one resource backed up alone, with what the runner's options inject. */
  async function drillOf(
    add: () => { resourceId: string },
    id: string,
    extra: Parameters<Sandbox['restore']>[2] = {},
  ): Promise<{ result: Awaited<ReturnType<Sandbox['restore']>>; record: Awaited<ReturnType<RestoreStore['get']>> }> {
    await sandbox.reset();
    const { resourceId } = add();
    const run = await sandbox.run({ tier: 'daily' }, `${id}-estate`);
    expect(run.status).toBe('SUCCEEDED');
    const resource = (await sandbox.store.listResources(`${id}-estate`)).find((r) => r.resourceId === resourceId);
    // By this run's backup: the table outlives a reset, and other scenarios backed up the same seeded ids.
    const result = await sandbox.restore({ backupId: resource?.backupIds?.[0], drill: true }, id, extra);
    return { result, record: await restores().get(id) };
  }
  const startDenied = {
    crash: (fn: string) =>
      fn === 'start-restore'
        ? Object.assign(new Error('not authorized to perform ec2:CreateTags'), { name: 'AccessDenied' })
        : undefined,
  };

  describe('CleanUpWaitsForCreatingVolume', () => {
    it('waits for the volumes a failed start left creating, then deletes them', async () => {
      // Act: the start made the volumes, then failed for good (not retried): clean-up runs while they are creating.
      const { result, record } = await drillOf(
        () => ({
          resourceId: sandbox.model.addInstance(REGION, {
            Tags: tagged('web'),
            volumes: [{ Size: 500 }, { Size: 900 }],
          }).InstanceId,
        }),
        'drill-creating-volumes',
        startDenied,
      );

      // Assess
      expect(result.status).toBe('FAILED');
      expect(record).toMatchObject({ error: { error: 'AccessDenied' }, cleanup: { status: 'DELETED' } });
      expect(record?.restoredIds).toHaveLength(2);
      expect(restoredLeft()).toEqual([]);
    });
  });

  describe('CleanUpWaitsForCreatingDatabase', () => {
    it('waits for a DB instance a failed start left creating (RDS refuses to delete it), then deletes it', async () => {
      // Act
      const { result, record } = await drillOf(
        () => {
          sandbox.model.addDbInstance(REGION, {
            DBInstanceIdentifier: 'orders',
            AllocatedStorage: 100,
            TagList: tagged('orders'),
          });
          return { resourceId: 'orders' };
        },
        'drill-creating-db',
        startDenied,
      );

      // Assess
      expect(result.status).toBe('FAILED');
      expect(record).toMatchObject({ error: { error: 'AccessDenied' }, cleanup: { status: 'DELETED' } });
      expect(restoredLeft()).toEqual([]);
    });
  });

  describe('StartCrashAfterThirdVolume', () => {
    it('deletes the volumes of a start that crashed after each of its three CreateVolume calls', async () => {
      // Prepare: each attempt of the start dies right after its CreateVolume answered (Lambda.Unknown,
      // retried twice): three volumes made, the start failed for good, no answer ever recorded.
      let creates = 0;
      const { result, record } = await drillOf(() => {
        const model = sandbox.model;
        const create = model.createVolume.bind(model);
        jest.spyOn(model, 'createVolume').mockImplementation((region, input) => {
          creates += 1;
          create(region, input);
          throw Object.assign(new Error('simulated crash right after CreateVolume'), { name: 'Lambda.Unknown' });
        });
        return {
          resourceId: model.addInstance(REGION, {
            Tags: tagged('db-host'),
            volumes: [{ Size: 20 }, { Size: 30 }, { Size: 40 }],
          }).InstanceId,
        };
      }, 'drill-crashed-start');
      jest.restoreAllMocks();

      // Assess
      expect(creates).toBe(3);
      expect(result.status).toBe('FAILED');
      expect(record).toMatchObject({ error: { error: 'Lambda.Unknown' }, cleanup: { status: 'DELETED' } });
      expect(restoredLeft()).toEqual([]);
      // What each create would make was recorded before the call.
      expect(record?.creates).toHaveLength(3);
    });
  });

  describe('RdsStartDiesAfterCreate', () => {
    it('deletes the DB instance a drill made though its start died right after the create, before any answer was recorded', async () => {
      // Prepare: RDS makes the instance, then the start fails for good (an error no Retry takes): the
      // create's answer never reaches the record.
      const { result, record } = await drillOf(() => {
        const model = sandbox.model;
        const restore = model.restoreDBInstanceFromDBSnapshot.bind(model);
        jest.spyOn(model, 'restoreDBInstanceFromDBSnapshot').mockImplementation((region, input) => {
          restore(region, input);
          throw Object.assign(new Error('simulated: the start dies right after its create'), { name: 'AccessDenied' });
        });
        model.addDbInstance(REGION, { DBInstanceIdentifier: 'billing', TagList: tagged('billing') });
        return { resourceId: 'billing' };
      }, 'drill-rds-died');
      jest.restoreAllMocks();

      // Assess: the record named the instance before the create, so clean-up waited for it and deleted it
      expect(result.status).toBe('FAILED');
      expect(record).toMatchObject({ restoredIds: [record?.name], cleanup: { status: 'DELETED' } });
      expect(restoredLeft()).toEqual([]);
    });
  });

  describe('CleanUpDeadline', () => {
    it('records the clean-up FAILED with what is left, notifies and alarms, when AWS never lets the volume go', async () => {
      // Prepare: DeleteVolume is accepted, but the volume stays (a volume stuck in AWS).
      const metricsSeen = captureSingleMetrics();

      // Act
      const { result, record } = await drillOf(() => {
        jest.spyOn(sandbox.model, 'deleteVolume').mockImplementation(() => ({}));
        return { resourceId: sandbox.model.addVolume(REGION, { Size: 50, Tags: tagged('stuck') }).VolumeId };
      }, 'drill-stuck').finally(() => {
        metricsSeen.restore();
        jest.restoreAllMocks();
      });

      // Assess
      expect(result.status).toBe('FAILED');
      expect(record?.status).toBe('AVAILABLE');
      expect(record?.cleanup).toMatchObject({ status: 'FAILED', leftovers: record?.restoredIds });
      expect(record?.cleanup?.cause).toMatch(/6 h/);
      const waited = Date.parse(record?.cleanup?.at ?? '') - Date.parse(record?.cleanupStartedAt ?? '');
      expect(waited).toBeGreaterThanOrEqual(6 * 3600_000);
      expect(restoredLeft()).toEqual(record?.restoredIds);
      expect(metricsSeen.published).toContainEqual({ name: 'DrillCleanupsFailed', tier: '' });
      expect(sandbox.model.sns.map((m) => m.Subject)).toContain(
        `[BackupPipeline] Restore drill clean-up FAILED: ${record?.name}`,
      );
    }, 180_000);

    it("lists what AWS still holds, an AMI drill's preserved data volume included, not only the record's ids", async () => {
      // Prepare: the instance terminates, but its preserved data volume never goes.
      const { result, record } = await drillOf(() => {
        jest.spyOn(sandbox.model, 'deleteVolume').mockImplementation(() => ({}));
        const imaged = sandbox.model.addInstance(REGION, {
          Tags: tagged('app', [{ Key: MODE_TAG, Value: 'ami' }]),
          volumes: [{ Size: 30 }, { Size: 200 }],
        });
        return { resourceId: imaged.InstanceId };
      }, 'drill-ami-stuck').finally(() => jest.restoreAllMocks());

      // Assess: the leftover is the data volume (the instance is terminated), found by the restore-id tag.
      expect(result.status).toBe('FAILED');
      expect(record?.cleanup?.status).toBe('FAILED');
      expect(record?.cleanup?.leftovers).toEqual(restoredLeft());
      expect(restoredLeft()).toHaveLength(1);
      expect(record?.restoredIds).not.toContain(restoredLeft()[0]);
    }, 180_000);
  });

  describe('RestoreDrCopy', () => {
    it('restores the copy in the DR region when asked for that region', async () => {
      // Prepare
      await sandbox.reset();
      seedDrKey(sandbox.model);
      const arns = await backedUpEstate('dr-estate', { copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }] });

      // Act
      const result = await sandbox.restore({ resource: arns.volume, latest: true, region: DR_REGION }, 'restore-dr');

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const record = await restores().get('restore-dr');
      expect(record).toMatchObject({ region: DR_REGION, sourceRegion: REGION, status: 'AVAILABLE' });
      const inDr = sandbox.model.describeVolumes(DR_REGION, {
        Filters: [{ Name: `tag:${RESTORE_TAG.restoreId}`, Values: ['restore-dr'] }],
      }).Volumes;
      expect(inDr).toHaveLength(1);
    });
  });

  describe('RestoreDrCopyUnderCustomerKey', () => {
    it("restores every type's DR-region copy, each under the copyTo key, the key used as the restore functions' grants allow", async () => {
      // Prepare: every copy in the DR region is under the customer managed copyTo key.
      await sandbox.reset();
      const key = seedDrKey(sandbox.model);
      const arns = await backedUpEstate('dr-key-estate', { copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }] });
      const copied = {
        volume: arns.volume,
        instance: arns.instance,
        imaged: arns.imaged,
        db: arns.db,
        cluster: arns.cluster,
      };

      // Act
      const outcomes: Record<string, string> = {};
      for (const [what, arn] of Object.entries(copied)) {
        const result = await sandbox.restore({ resource: arn, latest: true, region: DR_REGION }, `dr-key-${what}`);
        const record = await restores().get(`dr-key-${what}`);
        outcomes[what] =
          result.status === 'SUCCEEDED'
            ? result.status
            : `${result.status}: ${record?.error?.error}: ${record?.error?.cause}`;
      }

      // Assess: each restored, in the DR region, under the DR key.
      expect(outcomes).toEqual(Object.fromEntries(Object.keys(copied).map((k) => [k, 'SUCCEEDED'])));
      const restoredIds = async (what: string) => (await restores().get(`dr-key-${what}`))?.restoredIds ?? [];
      const volumes = sandbox.model.describeVolumes(DR_REGION, {
        VolumeIds: [...(await restoredIds('volume')), ...(await restoredIds('instance'))],
      }).Volumes;
      expect(volumes?.length).toBe(3);
      for (const volume of volumes ?? []) expect(volume).toMatchObject({ Encrypted: true, KmsKeyId: key.Arn });
      const [instanceId] = await restoredIds('imaged');
      const launched = sandbox.model.describeInstances(DR_REGION, { InstanceIds: [instanceId ?? ''] });
      const launchedVolumes = launched.Reservations?.[0]?.Instances?.[0]?.BlockDeviceMappings ?? [];
      expect(launchedVolumes.length).toBeGreaterThan(0);
      for (const mapping of launchedVolumes) {
        const [volume] =
          sandbox.model.describeVolumes(DR_REGION, { VolumeIds: [mapping.Ebs?.VolumeId ?? ''] }).Volumes ?? [];
        expect(volume?.KmsKeyId).toBe(key.Arn);
      }
      const [dbId] = await restoredIds('db');
      expect(
        sandbox.model.describeDBInstances(DR_REGION, { DBInstanceIdentifier: dbId }).DBInstances?.[0],
      ).toMatchObject({ StorageEncrypted: true, KmsKeyId: key.Arn });
      const [clusterId] = await restoredIds('cluster');
      expect(
        sandbox.model.describeDBClusters(DR_REGION, { DBClusterIdentifier: clusterId }).DBClusters?.[0]?.KmsKeyId,
      ).toBe(key.Arn);
      // The key was used for each restoring function, through the service that restored, and allowed.
      const used = new Set(
        sandbox.keyUses.filter((u) => u.fn !== 'start-copies').map((u) => `${u.fn} ${u.keys['kms:ViaService']}`),
      );
      expect(used).toEqual(
        new Set([
          `start-restore ec2.${DR_REGION}.amazonaws.com`,
          `start-restore rds.${DR_REGION}.amazonaws.com`,
          `check-restore rds.${DR_REGION}.amazonaws.com`,
        ]),
      );
      expect(sandbox.keyUses.filter((u) => !u.allowed)).toEqual([]);
    });

    it('fails each restore the way AWS does when the copy key is disabled: a volume in error, an instance terminated, RDS refusing', async () => {
      // Prepare
      await sandbox.reset();
      seedDrKey(sandbox.model);
      const arns = await backedUpEstate('dr-disabled-key-estate', {
        copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }],
      });
      sandbox.model.disableKmsKey(DR_REGION, DR_KEY_ALIAS);

      // Act
      const failed: Record<string, string> = {};
      for (const [what, arn] of Object.entries({ volume: arns.volume, imaged: arns.imaged, db: arns.db })) {
        const result = await sandbox.restore({ resource: arn, latest: true, region: DR_REGION }, `dr-off-${what}`);
        const record = await restores().get(`dr-off-${what}`);
        failed[what] = `${result.status} ${record?.status}: ${record?.error?.error}: ${record?.error?.cause}`;
      }

      // Assess: each FAILED with a reason that says what AWS said.
      expect(failed.volume).toMatch(/^FAILED FAILED: .*restored volume vol-\w+ is error/);
      expect(failed.imaged).toMatch(/^FAILED FAILED: .*restored instance i-\w+ is terminated: Client\.InternalError/);
      expect(failed.db).toMatch(/^FAILED FAILED: .*KMSKeyNotAccessibleFault.*is disabled/);
    });
  });

  describe('RestoreUnencryptedAndCustomerKeyDatabases', () => {
    it('keeps an unencrypted instance unencrypted through its snapshot and restore, and restores one under its own customer key', async () => {
      // Prepare: one instance with unencrypted storage, one encrypted under a customer managed key of its region.
      await sandbox.reset();
      seedDrKey(sandbox.model);
      const billingKey = sandbox.model.addKmsKey(REGION, { alias: 'billing-data' });
      sandbox.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'plain',
        StorageEncrypted: false,
        TagList: tagged('plain'),
      });
      sandbox.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'billing',
        KmsKeyId: billingKey.Arn,
        TagList: tagged('billing'),
      });
      const run = await sandbox.run(
        { tier: 'daily', copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }] },
        'plain-and-keyed',
      );
      expect(run.status).toBe('SUCCEEDED');
      const arnOf = (id: string) => sandbox.model.dbInstanceArn(REGION, id);

      // Act
      const plain = await sandbox.restore({ resource: arnOf('plain'), latest: true }, 'restore-plain');
      const keyed = await sandbox.restore({ resource: arnOf('billing'), latest: true }, 'restore-keyed');

      // Assess: the snapshots are encrypted as their instances were; the DR copies under the copyTo key.
      const snapshotOf = (region: string, id: string) =>
        sandbox.model.dbSnapshots(region).find((s) => s.DBInstanceIdentifier === id);
      expect(snapshotOf(REGION, 'plain')).toMatchObject({ Encrypted: false });
      expect(snapshotOf(REGION, 'plain')?.KmsKeyId).toBeUndefined();
      expect(snapshotOf(REGION, 'billing')).toMatchObject({ Encrypted: true, KmsKeyId: billingKey.Arn });
      const drKey = sandbox.model.describeKey(DR_REGION, { KeyId: DR_KEY_ALIAS }).KeyMetadata.Arn;
      expect(snapshotOf(DR_REGION, 'plain')).toMatchObject({ Encrypted: true, KmsKeyId: drKey });
      expect([plain.status, keyed.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      const restored = async (id: string) => {
        const [dbId] = (await restores().get(id))?.restoredIds ?? [];
        return sandbox.model.describeDBInstances(REGION, { DBInstanceIdentifier: dbId }).DBInstances?.[0];
      };
      const plainRestored = await restored('restore-plain');
      expect(plainRestored?.StorageEncrypted).toBe(false);
      expect(plainRestored?.KmsKeyId).toBeUndefined();
      expect(await restored('restore-keyed')).toMatchObject({ StorageEncrypted: true, KmsKeyId: billingKey.Arn });
      expect(
        sandbox.keyUses.filter((u) => u.fn === 'start-restore' && u.keyArn === billingKey.Arn).length,
      ).toBeGreaterThan(0);
    });

    it('copies an unencrypted Aurora cluster to the DR region unencrypted (RDS cannot encrypt it on copy) and restores it so', async () => {
      // Prepare
      await sandbox.reset();
      seedDrKey(sandbox.model);
      sandbox.model.addDbCluster(REGION, {
        DBClusterIdentifier: 'plain-ledger',
        StorageEncrypted: false,
        TagList: tagged('plain-ledger'),
      });

      // Act
      const run = await sandbox.run(
        { tier: 'daily', copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }] },
        'plain-cluster',
      );
      const [item] = await sandbox.store.listResources('plain-cluster');
      const restored = await sandbox.restore(
        { resource: sandbox.model.dbClusterArn(REGION, 'plain-ledger'), latest: true, region: DR_REGION },
        'restore-plain-cluster',
      );

      // Assess
      expect([run.status, item?.status, item?.error]).toEqual(['SUCCEEDED', 'COMPLETED', undefined]);
      const copy = sandbox.model.dbClusterSnapshots(DR_REGION).find((s) => s.DBClusterIdentifier === 'plain-ledger');
      expect(copy).toMatchObject({ Status: 'available', StorageEncrypted: false });
      expect(copy?.KmsKeyId).toBeUndefined();
      expect(restored.status).toBe('SUCCEEDED');
      const [clusterId] = (await restores().get('restore-plain-cluster'))?.restoredIds ?? [];
      expect(
        sandbox.model.describeDBClusters(DR_REGION, { DBClusterIdentifier: clusterId }).DBClusters?.[0]
          ?.StorageEncrypted,
      ).toBe(false);
    });
  });

  describe('InvalidInput', () => {
    it('fails at Plan naming every bad field, and restores nothing', async () => {
      await sandbox.reset();
      const result = await sandbox.restore({ latest: 'yes', colour: 'blue' }, 'restore-bad-input');
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('InvalidInputError');
      expect(result.cause).toMatch(/latest/);
      expect(result.cause).toMatch(/colour/);
      expect(await restores().get('restore-bad-input')).toBeUndefined();
    });
  });

  describe('NonAsciiName', () => {
    it('restores under a name with accents (an EC2 Name tag) and notifies with a subject SNS takes', async () => {
      // Prepare
      await sandbox.reset();
      // Its own volume id: the table outlives resets, and a seeded id's newest point may be another scenario's.
      const volume = sandbox.model.addVolume(REGION, {
        VolumeId: 'vol-0a0000000000000a1',
        Size: 20,
        Tags: tagged('data'),
      });
      expect((await sandbox.run({ tier: 'daily' }, 'non-ascii-backup')).status).toBe('SUCCEEDED');
      const [record] = await sandbox.store.listResources('non-ascii-backup');

      // Act
      const result = await sandbox.restore(
        { resource: record?.arn, latest: true, name: 'données de prod' },
        'restore-non-ascii',
      );

      // Assess
      expect({ status: result.status, error: result.error, cause: result.cause }).toMatchObject({
        status: 'SUCCEEDED',
      });
      const restored = (sandbox.model.describeVolumes(REGION, {}).Volumes ?? []).filter(
        (v) => v.VolumeId !== volume.VolumeId,
      );
      expect(restored.map((v) => tagsOf(v.Tags).Name)).toEqual(['données de prod']);
      expect(sandbox.model.sns.at(-1)?.Subject).toBe('[BackupPipeline] Restore succeeded: donnees de prod');
    });
  });

  describe('DrillOfBackupWhoseCopyFailed', () => {
    it('drills a type whose only backup is COPY FAILED, in its own region', async () => {
      // Prepare: the tier's only volume is backed up, and its copy to the DR region refused.
      await sandbox.reset();
      seedDrKey(sandbox.model);
      sandbox.model.addVolume(REGION, { VolumeId: 'vol-0a0000000000000a2', Size: 20, Tags: tagged('ledger-data') });
      const refuse = jest.spyOn(sandbox.model, 'copySnapshot').mockImplementation(() => {
        throw new AwsApiError('InvalidParameterValue', 'simulated: this copy is refused');
      });
      await sandbox
        .run({ tier: 'weekly', copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }] }, 'weekly-copy-refused')
        .finally(() => refuse.mockRestore());
      const [record] = await sandbox.store.listResources('weekly-copy-refused');
      expect(record && resourceOutcome(record)).toBe('COMPLETED_COPY_FAILED');

      // Act
      const result = await sandbox.restore(
        { drill: true, select: { tier: 'weekly', types: ['ebs-volume'], perType: 1 } },
        'drill-copy-failed',
      );

      // Assess: drilled in the source's region, from the backup that exists there.
      expect({ status: result.status, error: result.error, cause: result.cause }).toMatchObject({
        status: 'SUCCEEDED',
      });
      expect(await restores().get('drill-copy-failed-1')).toMatchObject({
        arn: record?.arn,
        region: REGION,
        backupIds: record?.backupIds,
        status: 'AVAILABLE',
        cleanup: { status: 'DELETED' },
      });
    });
  });

  describe('ConcurrentSameName', () => {
    it('claims a name at Plan: of two restores started at once with one name, the second is refused, nothing made', async () => {
      // Prepare: EBS Name tags are not unique, so only the claim keeps two restores apart.
      await sandbox.reset();
      sandbox.model.addVolume(REGION, { VolumeId: 'vol-0a0000000000000a3', Size: 20, Tags: tagged('shared-name') });
      expect((await sandbox.run({ tier: 'daily' }, 'same-name-backup')).status).toBe('SUCCEEDED');
      const [record] = await sandbox.store.listResources('same-name-backup');
      const input = { resource: record?.arn, latest: true, name: 'restored-shared' };

      // Act
      const [first, second] = await Promise.all([
        sandbox.restore(input, 'restore-same-name-a'),
        sandbox.restore(input, 'restore-same-name-b'),
      ]);
      const afterwards = await sandbox.restore(input, 'restore-same-name-c');

      // Assess: one volume of that name; the loser refused at Plan, naming the field, the holder and a free name.
      expect([first, second].map((r) => `${r.status} ${r.error ?? ''} ${r.cause ?? ''}`).sort()).toEqual([
        expect.stringMatching(/^FAILED InvalidInputError/),
        expect.stringMatching(/^SUCCEEDED/),
      ]);
      const refused = first.status === 'FAILED' ? first : second;
      expect(refused.error).toBe('InvalidInputError');
      expect(refused.cause).toMatch(/name.*restore-same-name-[ab].*restored-shared-2/s);
      const named = (sandbox.model.describeVolumes(REGION, {}).Volumes ?? []).filter(
        (v) => tagsOf(v.Tags).Name === 'restored-shared',
      );
      expect(named).toHaveLength(1);
      // Once the holder is recorded its claim is released: the volume itself now holds the name (NameInUseError).
      expect(afterwards.status).toBe('FAILED');
      expect(await restores().get('restore-same-name-c')).toMatchObject({ error: { error: 'NameInUseError' } });
    });
  });

  describe('RestoreAnswerLost', () => {
    it("adopts the instance a restore made when RDS's answer was lost, through Start's Retry", async () => {
      // Prepare: the workflow tests' SDK does not retry, so the 500 reaches the ASL, whose Retry runs Start again.
      await sandbox.reset({ model: { faults: { lostAnswers: { 'rds:RestoreDBInstanceFromDBSnapshot': 1 } } } });
      sandbox.model.addDbInstance(REGION, { DBInstanceIdentifier: 'lostdb', TagList: tagged('lostdb') });
      expect((await sandbox.run({ tier: 'daily' }, 'lost-answer-backup')).status).toBe('SUCCEEDED');
      const [record] = await sandbox.store.listResources('lost-answer-backup');

      // Act
      const result = await sandbox.restore(
        { backupId: record?.backupIds?.[0], name: 'lostdb-restored' },
        'restore-lost-answer',
      );

      // Assess
      expect(sandbox.model.faults.lostAnswers?.['rds:RestoreDBInstanceFromDBSnapshot']).toBe(0);
      expect({ status: result.status, error: result.error, cause: result.cause }).toMatchObject({
        status: 'SUCCEEDED',
      });
      const restored = (sandbox.model.describeDBInstances(REGION, {}).DBInstances ?? []).filter(
        (d) => d.DBInstanceIdentifier === 'lostdb-restored',
      );
      expect(restored).toHaveLength(1);
    });
  });
});
