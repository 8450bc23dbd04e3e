/**
 * The copy branch's domain (shared/copies.ts) with the real state store on dynalite and a driver that
 * answers from a small table of regions (the drivers' own copy calls are tested in copy-drivers.test.ts):
 * one copy per region, never again for a region already done, SKIPPED for types that do not copy,
 * COMPLETED only when every region is, FAILED naming the region, and the deadline.
 */
import type { BackupState } from '../../shared/backup-state';
import { type CopyStepRequest, checkCopies, startCopies } from '../../shared/copies';
import type { CheckResult, ResourceDriver } from '../../shared/drivers/driver';
import { LimitExceededError } from '../../shared/errors';
import { useUnitDynalite } from '../support/unit-dynalite';
import { POLLING, resourceRecord, volumeRef } from '../support/unit-fixtures';

const db = useUnitDynalite();
const NOW = new Date('2026-01-05T03:00:00.000Z');
const volume = volumeRef();
let n = 0;

const completed = (copies?: BackupState['copies']): BackupState => ({
  status: 'COMPLETED',
  backupIds: ['snap-a'],
  startedAt: '2026-01-05T02:00:00.000Z',
  deadline: '2026-01-06T02:00:00.000Z',
  progress: 100,
  polls: 3,
  waitSeconds: 0,
  reason: null,
  ...(copies ? { copies } : {}),
});

function driverWith(copyIds: Record<string, string>, checks: Record<string, CheckResult> = {}) {
  const started: string[] = [];
  const driver = {
    async copy(_resource: unknown, request: { region: string }) {
      started.push(request.region);
      const id = copyIds[request.region];
      if (id === 'LIMIT') throw new LimitExceededError(`too many copies into ${request.region}`);
      return id ? { copyIds: [id], reused: false } : undefined;
    },
    async checkCopy(_resource: unknown, region: string) {
      return checks[region] ?? { status: 'CREATING', progress: undefined };
    },
  } as unknown as ResourceDriver;
  return { driver, started };
}

async function request(overrides: Partial<CopyStepRequest>): Promise<CopyStepRequest> {
  const runId = `copies-${++n}`;
  await db()
    .store()
    .addResource({ ...resourceRecord(runId, volume), status: 'CREATING' });
  return {
    runId,
    tier: 'daily',
    expiresAt: '2026-01-12T02:00:00.000Z',
    resource: volume,
    backup: completed(),
    copyTo: [{ region: 'us-west-2', kmsKeyId: 'arn:aws:kms:us-west-2:111122223333:key/k' }, { region: 'eu-central-1' }],
    stackName: 'BackupPipeline',
    polling: POLLING,
    driver: driverWith({}).driver,
    store: db().store(),
    now: NOW,
    ...overrides,
  };
}

describe('startCopies', () => {
  it('starts one copy per region, records them on the item as COPYING, and waits', async () => {
    // Prepare
    const { driver, started } = driverWith({ 'us-west-2': 'snap-w', 'eu-central-1': 'snap-c' });
    const req = await request({ driver });

    // Act
    const state = await startCopies(req);

    // Assess
    expect(started).toEqual(['us-west-2', 'eu-central-1']);
    expect(state).toMatchObject({ status: 'COPYING', backupIds: ['snap-a'] });
    expect(state.waitSeconds).toBeGreaterThan(0);
    expect(state.copies?.map((c) => [c.region, c.ids, c.status])).toEqual([
      ['us-west-2', ['snap-w'], 'COPYING'],
      ['eu-central-1', ['snap-c'], 'COPYING'],
    ]);
    const item = await db().store().getResource(req.runId, volume.arn);
    expect(item).toMatchObject({ status: 'COPYING', copies: state.copies });
  });

  it('does not start again a region the state already has a copy for', async () => {
    const { driver, started } = driverWith({ 'eu-central-1': 'snap-c' });
    const earlier = [
      { region: 'us-west-2', ids: ['snap-w'], status: 'COPYING' as const, reason: null, startedAt: NOW.toISOString() },
    ];
    const state = await startCopies(await request({ driver, backup: completed(earlier) }));
    expect(started).toEqual(['eu-central-1']);
    expect(state.copies?.map((c) => c.region)).toEqual(['us-west-2', 'eu-central-1']);
  });

  it('records a SKIPPED copy with the reason when the type cannot be copied, and completes', async () => {
    const state = await startCopies(
      await request({ driver: driverWith({}).driver, copyTo: [{ region: 'us-west-2' }] }),
    );
    expect(state).toMatchObject({ status: 'COMPLETED', reason: null });
    expect(state.copies).toEqual([
      expect.objectContaining({
        region: 'us-west-2',
        status: 'SKIPPED',
        reason: 'ebs-volume backups are not copied across regions',
      }),
    ]);
  });

  it('keeps what it started when a later region is at its copy limit, and lets the LimitExceededError through', async () => {
    // Prepare
    const { driver } = driverWith({ 'us-west-2': 'snap-w', 'eu-central-1': 'LIMIT' });
    const req = await request({ driver });

    // Act
    const error = await startCopies(req).catch((e: unknown) => e);

    // Assess: the ASL retries; the us-west-2 copy is on record (and the driver finds it again by its tags).
    expect(error).toBeInstanceOf(LimitExceededError);
    const item = await db().store().getResource(req.runId, volume.arn);
    expect(item?.copies?.map((c) => [c.region, c.ids])).toEqual([['us-west-2', ['snap-w']]]);
  });
});

describe('checkCopies', () => {
  const copying = (region: string, id: string) => ({
    region,
    ids: [id],
    status: 'COPYING' as const,
    reason: null,
    startedAt: '2026-01-05T02:30:00.000Z',
  });
  const both = () => completed([copying('us-west-2', 'snap-w'), copying('eu-central-1', 'snap-c')]);

  it('completes only when every region has its copy, stamping each finish', async () => {
    const { driver } = driverWith({}, { 'us-west-2': { status: 'COMPLETED', progress: 100 } });
    const half = await checkCopies(await request({ driver, backup: both() }));
    expect(half.status).toBe('COPYING');
    expect(half.copies?.find((c) => c.region === 'us-west-2')).toMatchObject({
      status: 'COMPLETED',
      finishedAt: NOW.toISOString(),
    });

    const all = driverWith(
      {},
      { 'us-west-2': { status: 'COMPLETED', progress: 100 }, 'eu-central-1': { status: 'COMPLETED', progress: 100 } },
    );
    const done = await checkCopies(await request({ driver: all.driver, backup: half }));
    expect(done).toMatchObject({ status: 'COMPLETED', reason: null, polls: 5 });
  });

  it('waits by the slowest copy’s reported progress: longer far from the end than near it', async () => {
    // Prepare: both copies started 30 minutes before NOW.
    const waitAt = async (west: number, central: number) => {
      const { driver } = driverWith(
        {},
        {
          'us-west-2': { status: 'CREATING', progress: west },
          'eu-central-1': { status: 'CREATING', progress: central },
        },
      );
      return (await checkCopies(await request({ driver, backup: both() }))).waitSeconds;
    };

    // Act
    const far = await waitAt(10, 95);
    const near = await waitAt(92, 95);

    // Assess: 10% after 30 min extrapolates hours; 92% is the near phase (a fraction of the elapsed time).
    expect(far).toBeGreaterThan(near);
    expect(near).toBeLessThanOrEqual(Math.max(POLLING.minWaitSeconds, 0.1 * 30 * 60));
  });

  it('fails the resource naming the region and the reason when a copy failed', async () => {
    const { driver } = driverWith({}, { 'eu-central-1': { status: 'FAILED', reason: 'snap-c error' } });
    const state = await checkCopies(await request({ driver, backup: both() }));
    expect(state).toMatchObject({ status: 'FAILED', reason: 'copy to eu-central-1: snap-c error' });
  });

  it('fails a copy still running at the deadline with reason timeout', async () => {
    const { driver } = driverWith({});
    const late = new Date('2026-01-06T02:00:01.000Z');
    const state = await checkCopies(await request({ driver, backup: both(), now: late }));
    expect(state.status).toBe('FAILED');
    expect(state.reason).toMatch(/^copy to us-west-2: timeout: still copying at the deadline/);
  });
});
