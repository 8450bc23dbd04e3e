/**
 * Start backup (shared/workflow/backup/backup-start.ts and functions/start-backup.ts) with every driver, the real
 * state store on dynalite and a small fake of EC2/RDS behind aws-sdk-client-mock that remembers
 * what was created. The point is DESIGN §7: running the task twice, even after a crash between
 * the create and the record, never creates a second backup.
 */
import {
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../functions/start-backup';
import { useClock } from '../../../shared/clock';
import {
  InvalidResourceStateError,
  LimitExceededError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
} from '../../../shared/errors';
import type { ResourceRef } from '../../../shared/resource';
import { driverFor } from '../../../shared/services';
import { rdsSnapshotIdentifier } from '../../../shared/services/rds/rds-instance';
import { StateStore } from '../../../shared/state/store';
import type { Tag } from '../../../shared/tags';
import { LOOKUP_SETTLE_SECONDS, startBackup } from '../../../shared/workflow/backup/backup-start';
import { useUnitDynalite } from '../../support/unit-dynalite';
import {
  caught,
  lambdaContext,
  namedError,
  POLLING,
  resourceRecord,
  runRecord,
  STACK,
  unitHandlerEnv,
} from '../../support/unit-fixtures';
import { ec2Error, instanceRef, volumeRef } from '../services/ec2/fixtures';
import { dbRef, rdsError } from '../services/rds/fixtures';

const db = useUnitDynalite();
const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
const NOW = new Date('2026-01-05T02:00:00.000Z');
/** What the handlers' clock reads (a test that retries later moves it, and puts it back). */
let clockNow = NOW;
const EXPIRES = '2026-01-12T02:00:00.000Z';
let restoreClock: () => void;

beforeAll(() => {
  Object.assign(process.env, unitHandlerEnv(db().tableName));
  restoreClock = useClock({ now: () => clockNow });
});
afterAll(() => restoreClock());

/** What the fake AWS has created: snapshots (EBS) and DB snapshots (RDS) with their tags. */
let created: { id: string; tags: Tag[] }[];

const hasTags = (tags: Tag[], filters: Filter[] | undefined) =>
  (filters ?? [])
    .filter((f) => f.Name?.startsWith('tag:'))
    .every((f) => f.Values?.includes(tags.find((t) => `tag:${t.Key}` === f.Name)?.Value ?? '\u0000'));

beforeEach(() => {
  ec2.reset();
  rds.reset();
  rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [{ DBInstanceIdentifier: dbRef().id, DBInstanceStatus: 'available', TagList: [] }],
  });
  created = [];
  const remember = (tags: Tag[] | undefined, id = `snap-${String(created.length + 1).padStart(17, '0')}`) => {
    created.push({ id, tags: tags ?? [] });
    return id;
  };
  ec2.on(CreateSnapshotsCommand).callsFake(async (input) => ({
    Snapshots: [{ SnapshotId: remember(input.TagSpecifications?.[0]?.Tags as Tag[]) }],
  }));
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: volumeRef().id, State: 'in-use' }] });
  ec2
    .on(CreateSnapshotCommand)
    .callsFake(async (input) => ({ SnapshotId: remember(input.TagSpecifications?.[0]?.Tags as Tag[]) }));
  ec2.on(DescribeSnapshotsCommand).callsFake(async (input) => ({
    Snapshots: created
      .filter((s) => hasTags(s.tags, input.Filters))
      .map((s) => ({ SnapshotId: s.id, State: 'pending' as const, Tags: s.tags })),
  }));
  rds.on(CreateDBSnapshotCommand).callsFake(async (input) => {
    const id = input.DBSnapshotIdentifier ?? '';
    if (created.some((s) => s.id === id)) throw rdsError('DBSnapshotAlreadyExists');
    remember(input.Tags as Tag[], id);
    return { DBSnapshot: { DBSnapshotIdentifier: id, Status: 'creating' } };
  });
  rds.on(DescribeDBSnapshotsCommand).callsFake(async (input) => {
    const found = created.find((s) => s.id === input.DBSnapshotIdentifier);
    if (!found) throw rdsError('DBSnapshotNotFound');
    return { DBSnapshots: [{ DBSnapshotIdentifier: found.id, Status: 'creating', TagList: found.tags }] };
  });
});

const creates = () =>
  ec2.commandCalls(CreateSnapshotsCommand).length +
  ec2.commandCalls(CreateSnapshotCommand).length +
  rds.commandCalls(CreateDBSnapshotCommand).length;

/** Makes the create call of `ref`'s type fail as AWS would. */
function failCreate(ref: ResourceRef, error: Error) {
  if (ref.type === 'ec2-instance') ec2.on(CreateSnapshotsCommand).rejects(error);
  if (ref.type === 'ebs-volume') ec2.on(CreateSnapshotCommand).rejects(error);
  if (ref.type === 'rds-instance') {
    rds.on(CreateDBSnapshotCommand).rejects(error);
    // A refusal for its state makes the driver read the state: here one that needs an operator.
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceIdentifier: ref.id, DBInstanceStatus: 'stopped' }],
    });
  }
}

const errorFor = (ref: ResourceRef, code: string) => (ref.type === 'rds-instance' ? rdsError(code) : ec2Error(code));

let n = 0;
async function plannedRun(ref: ResourceRef, status: 'PENDING' | 'COMPLETED' | 'FAILED' = 'PENDING') {
  const runId = `run-${++n}`;
  const store = db().store();
  await store.createRun(runRecord(runId));
  await store.addResource(resourceRecord(runId, ref, { status }));
  return runId;
}

const start = (runId: string, ref: ResourceRef, store: StateStore = db().store(), now = NOW) =>
  startBackup({
    runId,
    tier: 'daily',
    expiresAt: EXPIRES,
    resource: ref,
    stackName: STACK,
    polling: POLLING,
    driver: driverFor(ref.type),
    store,
    now,
  });

/** When a retry may look for what an attempt with a lost answer created (the lookup is eventually consistent). */
const SETTLED = new Date(NOW.getTime() + LOOKUP_SETTLE_SECONDS * 1000);

/** A state store that dies right after the driver created the backup, before recording it. */
class CrashAfterCreate extends StateStore {
  override async saveBackup(): Promise<void> {
    throw namedError('Lambda.Unknown', 'Lambda died after the create');
  }
}

const REFS: [string, ResourceRef][] = [
  ['an EC2 instance', instanceRef()],
  ['an EBS volume', volumeRef()],
  ['an RDS instance', dbRef()],
];

describe.each(REFS)('startBackup for %s', (_label, ref) => {
  it('creates the backup once, records it and returns the loop state with the first wait', async () => {
    // Prepare
    const runId = await plannedRun(ref);

    // Act
    const { state, reused } = await start(runId, ref);

    // Assess
    const ids = ref.type === 'rds-instance' ? [rdsSnapshotIdentifier(runId, ref.id)] : [created[0]?.id];
    expect(reused).toBe(false);
    expect(state).toEqual({
      status: 'CREATING',
      backupIds: ids,
      startedAt: NOW.toISOString(),
      deadline: '2026-01-06T02:00:00.000Z',
      progress: 0,
      polls: 0,
      waitSeconds: 60,
      reason: null,
    });
    expect(creates()).toBe(1);
    expect(await db().store().getResource(runId, ref.arn)).toMatchObject({
      status: 'CREATING',
      attempts: 1,
      backupIds: ids,
      startedAt: NOW.toISOString(),
      deadline: '2026-01-06T02:00:00.000Z',
    });
  });

  it('tags the backup with the run, tier, source, expiry and stack', async () => {
    const runId = await plannedRun(ref);
    await start(runId, ref);
    expect(created[0]?.tags).toEqual(
      expect.arrayContaining([
        { Key: 'backup-pipeline:managed-by', Value: STACK },
        { Key: 'backup-pipeline:run-id', Value: runId },
        { Key: 'backup-pipeline:tier', Value: 'daily' },
        { Key: 'backup-pipeline:source', Value: ref.arn },
        { Key: 'backup-pipeline:expires-at', Value: EXPIRES },
      ]),
    );
  });

  it('run twice for the same run and resource, creates exactly one backup and returns the same state', async () => {
    // Prepare
    const runId = await plannedRun(ref);

    // Act
    const first = await start(runId, ref);
    const second = await start(runId, ref);

    // Assess
    expect(creates()).toBe(1);
    expect(second.reused).toBe(true);
    expect(second.state).toEqual(first.state);
  });

  it('after a crash between the create and the record, the retry finds the backup and creates none', async () => {
    // Prepare: the first attempt creates the backup, then dies before saving it.
    const runId = await plannedRun(ref);
    const crash = await caught(start(runId, ref, new CrashAfterCreate(db().doc, db().tableName)));
    expect(crash.message).toBe('Lambda died after the create');
    expect(creates()).toBe(1);

    // Act: a retry at once, and one once a lookup can see the create.
    const early = await start(runId, ref).then(
      (result) => result,
      (error: unknown) => error,
    );
    const retry = await start(runId, ref, db().store(), SETTLED);

    // Assess: keyless creates (EBS) wait for the lookup to settle; RDS's identifier finds it at once.
    if (ref.type === 'rds-instance') expect(early).toMatchObject({ reused: true });
    else {
      expect(early).toBeInstanceOf(LimitExceededError);
      expect((early as Error).message).toContain('outcome is unknown');
    }
    expect(creates()).toBe(1);
    expect(retry.reused).toBe(true);
    expect(retry.state.backupIds).toEqual([created[0]?.id]);
    expect(await db().store().getResource(runId, ref.arn)).toMatchObject({
      backupIds: [created[0]?.id],
    });
  });

  it('when AWS throttles the create, throws ThrottledError and the retry creates without a lookup', async () => {
    // Prepare
    const runId = await plannedRun(ref);
    failCreate(ref, errorFor(ref, ref.type === 'rds-instance' ? 'Throttling' : 'RequestLimitExceeded'));

    // Act
    const throttled = await caught(start(runId, ref));
    const afterRefusal = await db().store().getResource(runId, ref.arn);
    ec2.reset();
    rds.reset();
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: ref.id, TagList: [] }] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: volumeRef().id, State: 'in-use' }] });
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-retry' }] });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-retry' });
    rds.on(CreateDBSnapshotCommand).resolves({});
    const retry = await start(runId, ref);

    // Assess
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect(afterRefusal).toMatchObject({ status: 'CREATING', attempts: 0 });
    expect(retry.reused).toBe(false);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBSnapshotsCommand, 0);
  });

  it.each([
    ['PendingSnapshotLimitExceeded', LimitExceededError],
    ['SnapshotQuotaExceeded', QuotaExceededError],
    [ref.type === 'rds-instance' ? 'InvalidDBInstanceState' : 'IncorrectState', InvalidResourceStateError],
    [
      ref.type === 'rds-instance'
        ? 'DBInstanceNotFound'
        : ref.type === 'ec2-instance'
          ? 'InvalidInstanceID.NotFound'
          : 'InvalidVolume.NotFound',
      ResourceNotFoundError,
    ],
  ])('when AWS answers %s, throws %p and leaves the record for Record failure', async (code, expected) => {
    // Prepare
    const runId = await plannedRun(ref);
    failCreate(ref, errorFor(ref, code));

    // Act
    const error = await caught(start(runId, ref));

    // Assess
    expect(error).toBeInstanceOf(expected);
    expect(error.name).toBe(expected.name);
    const record = await db().store().getResource(runId, ref.arn);
    expect(record).toMatchObject({ status: 'CREATING' });
    expect(record).not.toHaveProperty('backupIds');
  });

  it('refuses to start a resource whose record is already final, without calling AWS', async () => {
    const runId = await plannedRun(ref, 'COMPLETED');
    await expect(start(runId, ref)).rejects.toThrow(
      new InvalidResourceStateError(`${ref.arn} cannot be started in run ${runId}: its record is COMPLETED`),
    );
    expect(creates()).toBe(0);
  });
});

describe('startBackup retries of an EC2 instance', () => {
  const ref = instanceRef();

  it('after a crash between the create and the record, a retry once the lookup settles makes one lookup and counts two attempts', async () => {
    // Prepare: the first attempt creates the snapshot, then dies before saving it.
    const runId = await plannedRun(ref);
    await caught(start(runId, ref, new CrashAfterCreate(db().doc, db().tableName)));

    // Act
    const retry = await start(runId, ref, db().store(), SETTLED);

    // Assess
    expect(retry).toMatchObject({ reused: true, state: { backupIds: [created[0]?.id], status: 'CREATING' } });
    expect(creates()).toBe(1);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 1);
    expect(await db().store().getResource(runId, ref.arn)).toMatchObject({ attempts: 2, backupIds: [created[0]?.id] });
  });

  it('after AWS refused the create (pending-snapshot limit), the retry counts as a first attempt and skips the lookup', async () => {
    // Prepare
    const runId = await plannedRun(ref);
    ec2
      .on(CreateSnapshotsCommand)
      .rejectsOnce(ec2Error('PendingSnapshotLimitExceeded'))
      .resolves({ Snapshots: [{ SnapshotId: 'snap-2' }] });
    await expect(start(runId, ref)).rejects.toThrow(LimitExceededError);

    // Act
    const retry = await start(runId, ref);

    // Assess
    expect(retry.state.backupIds).toEqual(['snap-2']);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
  });

  it('refuses to start a resource whose record Record failure already made FAILED, without calling AWS', async () => {
    // Prepare
    const runId = await plannedRun(ref);
    await db().store().fail(runId, ref.arn, NOW.toISOString(), { error: 'X', cause: 'y' });

    // Act
    const error = await caught(start(runId, ref));

    // Assess
    expect(error).toBeInstanceOf(InvalidResourceStateError);
    expect(creates()).toBe(0);
  });
});

describe('startBackup', () => {
  it('refuses a resource the run never planned', async () => {
    await expect(start('run-unknown', dbRef())).rejects.toThrow(/its record is missing/);
    expect(creates()).toBe(0);
  });

  it('on a retry after the deadline was recorded, returns the recorded deadline and a later wait', async () => {
    // Prepare: the first attempt ran an hour earlier.
    const ref = volumeRef();
    const runId = await plannedRun(ref);
    await startBackup({
      runId,
      tier: 'daily',
      expiresAt: EXPIRES,
      resource: ref,
      stackName: STACK,
      polling: POLLING,
      driver: driverFor(ref.type),
      store: db().store(),
      now: new Date(NOW.getTime() - 3600_000),
    });

    // Act
    const retry = await start(runId, ref);

    // Assess
    expect(retry.state).toMatchObject({
      startedAt: '2026-01-05T01:00:00.000Z',
      deadline: '2026-01-06T01:00:00.000Z',
      waitSeconds: 3600,
    });
    expect(creates()).toBe(1);
  });
});

describe('start-backup handler', () => {
  const event = (runId: string, ref: ResourceRef) => ({ runId, tier: 'daily', expiresAt: EXPIRES, resource: ref });

  it.each(REFS)('starts the backup of %s and returns the loop state', async (_label, ref) => {
    const runId = await plannedRun(ref);
    await expect(handler(event(runId, ref), lambdaContext)).resolves.toMatchObject({
      status: 'CREATING',
      backupIds: [expect.any(String)],
      waitSeconds: 60,
      polls: 0,
    });
    expect(creates()).toBe(1);
  });

  it.each(REFS)(
    'invoked again after the first invocation started the backup of %s but lost the response, creates nothing more',
    async (_label, ref) => {
      // Prepare: the create reaches AWS, then the connection drops before the answer.
      const runId = await plannedRun(ref);
      const lostResponse = namedError('TimeoutError', 'socket hang up');
      if (ref.type === 'ec2-instance') {
        ec2.on(CreateSnapshotsCommand).callsFakeOnce(async (input) => {
          created.push({ id: 'snap-lost', tags: input.TagSpecifications?.[0]?.Tags as Tag[] });
          throw lostResponse;
        });
      } else if (ref.type === 'ebs-volume') {
        ec2.on(CreateSnapshotCommand).callsFakeOnce(async (input) => {
          created.push({ id: 'snap-lost', tags: input.TagSpecifications?.[0]?.Tags as Tag[] });
          throw lostResponse;
        });
      } else {
        rds.on(CreateDBSnapshotCommand).callsFakeOnce(async (input) => {
          created.push({ id: input.DBSnapshotIdentifier ?? '', tags: input.Tags as Tag[] });
          throw lostResponse;
        });
      }
      const lost = await caught(handler(event(runId, ref), lambdaContext));
      expect(lost).toBeInstanceOf(ThrottledError);
      expect(lost.message).toContain('socket hang up');

      // Act: the workflow's retry once a lookup can see the create (an earlier one waits: see above).
      clockNow = SETTLED;
      const retry = await handler(event(runId, ref), lambdaContext).finally(() => {
        clockNow = NOW;
      });

      // Assess
      expect(retry.backupIds).toEqual([created[0]?.id]);
      expect(creates()).toBe(1);
    },
  );

  it('throws the named error the ASL retries or records, under its own name', async () => {
    // Prepare
    const ref = dbRef();
    const throttledRun = await plannedRun(ref);
    const quotaRun = await plannedRun(ref);
    const stoppedRun = await plannedRun(ref);

    // Act
    failCreate(ref, rdsError('Throttling'));
    const throttled = await caught(handler(event(throttledRun, ref), lambdaContext));
    failCreate(ref, rdsError('SnapshotQuotaExceeded'));
    const quota = await caught(handler(event(quotaRun, ref), lambdaContext));
    failCreate(ref, rdsError('InvalidDBInstanceState', 'Instance orders is not in available state (stopped)'));
    const stopped = await caught(handler(event(stoppedRun, ref), lambdaContext));

    // Assess
    expect([throttled.name, quota.name, stopped.name]).toEqual([
      'ThrottledError',
      'QuotaExceededError',
      'InvalidResourceStateError',
    ]);
    expect(stopped.message).toContain('stopped');
  });

  it('rejects an event that does not match its schema, naming the fields', async () => {
    await expect(handler({ runId: 'r', tier: 'daily' }, lambdaContext)).rejects.toThrow(
      /^start-backup: invalid event: expiresAt: .*; resource: /,
    );
  });

  it('refuses to run with an incomplete environment', async () => {
    // Prepare
    const runId = await plannedRun(dbRef());
    const polling = process.env.POLLING;
    delete process.env.POLLING;

    // Act
    const error = await caught(handler(event(runId, dbRef()), lambdaContext));

    // Assess
    process.env.POLLING = polling;
    expect(error.message).toMatch(/^Invalid function environment: POLLING/);
    expect(creates()).toBe(0);
  });
});

describe('startBackup size for the run report', () => {
  it('records the size the driver reports with the backup, for the storage-cost estimate', async () => {
    // Prepare
    const ref = volumeRef();
    const runId = await plannedRun(ref);
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-sized', VolumeSize: 250 });

    // Act
    await start(runId, ref);

    // Assess
    expect(await db().store().getResource(runId, ref.arn)).toMatchObject({ backupIds: ['snap-sized'], sizeGiB: 250 });
  });
});

describe('startBackup with the tags Plan stored on the item', () => {
  const team = [
    { Key: 'team', Value: 'shop' },
    { Key: 'cost-centre', Value: '42' },
  ];

  it("puts the source's tags from its item on the snapshot and makes no DescribeDBInstances", async () => {
    // Prepare: Plan found the instance copies its tags (CopyTagsToSnapshot) and stored them.
    const ref = dbRef();
    const runId = `run-${++n}`;
    await db().store().createRun(runRecord(runId));
    await db()
      .store()
      .addResource(resourceRecord(runId, ref, { sourceTags: team }));

    // Act
    await start(runId, ref);

    // Assess
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 0);
    expect(created[0]?.tags).toEqual([
      ...team,
      { Key: 'backup-pipeline:managed-by', Value: STACK },
      { Key: 'backup-pipeline:run-id', Value: runId },
      { Key: 'backup-pipeline:tier', Value: 'daily' },
      { Key: 'backup-pipeline:source', Value: ref.arn },
      { Key: 'backup-pipeline:expires-at', Value: EXPIRES },
    ]);
  });

  it('falls back to describing the instance when its item carries no tags (written before Plan stored them)', async () => {
    // Prepare
    const ref = dbRef();
    const runId = await plannedRun(ref);
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        { DBInstanceIdentifier: ref.id, DBInstanceStatus: 'available', CopyTagsToSnapshot: true, TagList: team },
      ],
    });

    // Act
    await start(runId, ref);

    // Assess
    expect(rds).toHaveReceivedCommandWith(DescribeDBInstancesCommand, { DBInstanceIdentifier: ref.id });
    expect(created[0]?.tags.slice(0, 2)).toEqual(team);
  });

  it('refuses an item whose stored tags are malformed, naming it, before calling AWS', async () => {
    // Prepare: more tags than AWS allows on a resource.
    const ref = dbRef();
    const runId = `run-${++n}`;
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await db().store().createRun(runRecord(runId));
    await db()
      .store()
      .addResource(resourceRecord(runId, ref, { sourceTags: tooMany }));

    // Act
    const error = await caught(start(runId, ref));

    // Assess
    expect(error).toMatchObject({ name: 'MalformedItemError', fields: ['sourceTags'] });
    expect(error.message).toBe(
      `state item RUN#${runId} RES#${ref.arn} is malformed: sourceTags: Too big: expected array to have <=50 items`,
    );
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 0);
    expect(creates()).toBe(0);
  });
});
