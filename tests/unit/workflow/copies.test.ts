/**
 * The copy branch's domain (shared/workflow/copies/copies.ts) with the real state store on dynalite and a driver that
 * answers from a small table of regions (the drivers' own copy calls are tested in copy-drivers.test.ts):
 * one copy per region, never again for a region already done, SKIPPED for types that do not copy,
 * COMPLETED only when every region is, FAILED naming the region, and the deadline.
 */

import { LimitExceededError, ThrottledError, toPipelineError } from '../../../shared/errors';
import type { CheckResult, CopyRequest, ResourceDriver } from '../../../shared/services/driver';
import type { BackupState } from '../../../shared/state/backup-state';
import { LOOKUP_SETTLE_SECONDS } from '../../../shared/workflow/backup/lookup-settle';
import { type CopyStepRequest, checkCopies, startCopies } from '../../../shared/workflow/copies/copies';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { POLLING, resourceRecord } from '../../support/unit-fixtures';
import { ec2Error, volumeRef } from '../services/ec2/fixtures';

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
      if (id?.startsWith('REFUSED:')) return { refused: id.slice('REFUSED:'.length) };
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

  it("skips (never copies, never fails) a target that is the source's own region, and copies to the others", async () => {
    // Prepare: the volume is in eu-west-1, one of the run's copy targets (several regions configured).
    const { driver, started } = driverWith({ 'us-west-2': 'snap-w', [volume.region]: 'snap-same' });
    const req = await request({ driver, copyTo: [{ region: volume.region }, { region: 'us-west-2' }] });

    // Act
    const state = await startCopies(req);

    // Assess
    expect(started).toEqual(['us-west-2']);
    expect(state.status).toBe('COPYING');
    expect(state.copies).toEqual([
      expect.objectContaining({
        region: volume.region,
        ids: [],
        status: 'SKIPPED',
        reason: `not copied: ${volume.region} is the source's own region, where its backup already is`,
      }),
      expect.objectContaining({ region: 'us-west-2', ids: ['snap-w'], status: 'COPYING' }),
    ]);
    expect((await db().store().getResource(req.runId, volume.arn))?.copies?.[0]?.status).toBe('SKIPPED');
  });

  it("records a copy AWS refused for the operator's remedy as that region's FAILED copy, and copies to the others", async () => {
    // Prepare: us-west-2 lacks the source's option group; eu-central-1 has it.
    const reason = 'option group orders-opts does not exist in us-west-2: create it there, or map it';
    const { driver, started } = driverWith({ 'us-west-2': `REFUSED:${reason}`, 'eu-central-1': 'snap-c' });
    const req = await request({ driver });

    // Act
    const state = await startCopies(req);

    // Assess
    expect(started).toEqual(['us-west-2', 'eu-central-1']);
    expect(state).toMatchObject({ status: 'FAILED', reason: `copy to us-west-2: ${reason}` });
    expect(state.copies).toEqual([
      expect.objectContaining({ region: 'us-west-2', ids: [], status: 'FAILED', reason }),
      expect.objectContaining({ region: 'eu-central-1', ids: ['snap-c'], status: 'COPYING' }),
    ]);
    expect((await db().store().getResource(req.runId, volume.arn))?.copies?.map((c) => c.status)).toEqual([
      'FAILED',
      'COPYING',
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

/**
 * The settle rule on the copy path (shared/workflow/backup/lookup-settle.ts): a driver whose copy has no idempotency key
 * announces each copy call (`beforeKeylessCopy`), like EBS CopySnapshot; `outcome` is how AWS answers.
 */
function keylessDriver(outcome: Record<string, 'copied' | 'lost' | 'refused'>) {
  const calls: string[] = [];
  const driver = {
    async copy(_resource: unknown, request: CopyRequest) {
      calls.push(request.region);
      await request.beforeKeylessCopy?.();
      const answer = outcome[request.region];
      // A 500 after the copy was made (the answer lost), or an answered refusal (nothing made).
      if (answer === 'lost')
        throw toPipelineError(
          Object.assign(ec2Error('InternalError'), { $metadata: { httpStatusCode: 500 } }),
          'CopySnapshot',
        );
      if (answer === 'refused') throw toPipelineError(ec2Error('ResourceLimitExceeded'), 'CopySnapshot');
      return { copyIds: [`snap-${request.region}`], reused: false };
    },
  } as unknown as ResourceDriver;
  return { driver, calls };
}

const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('startCopies: keyless copies and the settle rule', () => {
  it('records when a keyless copy was called, per region, before its answer', async () => {
    // Prepare: us-west-2 copies; eu-central-1 copies but its answer is lost.
    const { driver } = keylessDriver({ 'us-west-2': 'copied', 'eu-central-1': 'lost' });
    const req = await request({ driver });

    // Act
    const error = await startCopies(req).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ThrottledError);
    const item = await db().store().getResource(req.runId, volume.arn);
    expect(item?.copyCalledAt).toEqual({ 'us-west-2': NOW.toISOString(), 'eu-central-1': NOW.toISOString() });
    expect(item?.copies?.map((c) => c.region)).toEqual(['us-west-2']);
  });

  it('waits with LimitExceededError when retried within the settle time of a lost copy, then looks', async () => {
    // Prepare: the first attempt's eu-central-1 copy answer was lost.
    const first = keylessDriver({ 'us-west-2': 'copied', 'eu-central-1': 'lost' });
    const req = await request({ driver: first.driver });
    await startCopies(req).catch(() => undefined);
    const retry = keylessDriver({ 'us-west-2': 'copied', 'eu-central-1': 'copied' });

    // Act: the same input (an ASL Retry's), 30 s later, and again once the lookup can see the copy.
    const early = await startCopies({ ...req, driver: retry.driver, now: later(30) }).catch((e: unknown) => e);
    const callsWhileSettling = [...retry.calls];
    const settled = await startCopies({ ...req, driver: retry.driver, now: later(LOOKUP_SETTLE_SECONDS) });

    // Assess: no look and no copy before the settle time; us-west-2 is taken from the item, never again.
    expect(early).toBeInstanceOf(LimitExceededError);
    expect((early as Error).message).toContain('eu-central-1');
    expect(callsWhileSettling).toEqual([]);
    expect(retry.calls).toEqual(['eu-central-1']);
    expect(settled.copies?.map((c) => [c.region, c.ids])).toEqual([
      ['us-west-2', ['snap-us-west-2']],
      ['eu-central-1', ['snap-eu-central-1']],
    ]);
  });

  it('retries at once after an answered refusal of its only copy call there (nothing was copied)', async () => {
    // Prepare: eu-central-1 is at its concurrent-copy limit.
    const first = keylessDriver({ 'us-west-2': 'copied', 'eu-central-1': 'refused' });
    const req = await request({ driver: first.driver });
    const error = await startCopies(req).catch((e: unknown) => e);
    const retry = keylessDriver({ 'eu-central-1': 'copied' });

    // Act
    const state = await startCopies({ ...req, driver: retry.driver, now: later(10) });

    // Assess
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(retry.calls).toEqual(['eu-central-1']);
    expect(state.copies?.map((c) => c.region)).toEqual(['us-west-2', 'eu-central-1']);
  });

  it('never waits for a copy that cannot repeat (no keyless call announced)', async () => {
    // Prepare: a client-token or deterministic-identifier copy whose answer was lost.
    let attempt = 0;
    const driver = {
      async copy(_resource: unknown, request: CopyRequest) {
        attempt++;
        if (attempt === 1) throw new ThrottledError(`lost answer in ${request.region}`);
        return { copyIds: [`copy-${request.region}`], reused: true };
      },
    } as unknown as ResourceDriver;
    const req = await request({ driver, copyTo: [{ region: 'us-west-2' }] });
    await startCopies(req).catch(() => undefined);

    // Act
    const state = await startCopies({ ...req, now: later(5) });

    // Assess
    expect(state.copies?.map((c) => [c.region, c.ids])).toEqual([['us-west-2', ['copy-us-west-2']]]);
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
