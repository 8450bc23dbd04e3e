/**
 * shared/workflow/retention/retention-rules.ts: pure retention decisions (DESIGN §5). A backup is deleted only when it is ours,
 * finished, not held by an AMI, readably expired, outside keep-last-N and not the newest finished
 * backup of its source; every decision names its rule.
 */
import type { OwnedBackup } from '../../../shared/services/driver';
import { decideRetention, type RetentionDecision, setKeyOf } from '../../../shared/workflow/retention/retention-rules';
import { STACK, TIERS } from '../../support/unit-fixtures';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;

/** A finished daily backup of `arn:src`, `ageDays` old, expiring 7 days after it was made. */
function backup(id: string, ageDays: number, extra: Partial<OwnedBackup> = {}): OwnedBackup {
  return {
    kind: 'ebs-snapshot',
    id,
    region: 'eu-west-1',
    source: 'arn:src',
    tier: 'daily',
    runId: `run-${id}`,
    managedBy: STACK,
    createdAt: new Date(NOW.getTime() - ageDays * DAY),
    expiresAt: new Date(NOW.getTime() - (ageDays - 7) * DAY),
    complete: true,
    heldBy: [],
    ...extra,
  };
}

function decide(backups: OwnedBackup[], tiers = TIERS): Record<string, string> {
  const decisions: RetentionDecision[] = decideRetention(backups, { stackName: STACK, tiers, now: NOW });
  return Object.fromEntries(decisions.map((d) => [d.backup.id, `${d.action}: ${d.rule}`]));
}

describe('decideRetention', () => {
  it('deletes expired backups of ours, naming the expiry', () => {
    // Act
    const out = decide([backup('newest', 1), backup('old', 10)]);

    // Assess
    expect(out.old).toBe(`delete: expired at ${new Date(NOW.getTime() - 3 * DAY).toISOString()}`);
  });

  it('deletes every expired backup of a source and keeps its newest, unexpired one', () => {
    const out = decide([backup('new', 1), backup('old', 10), backup('older', 20)]);
    expect(out.new).toMatch(/^keep: not expired/);
    expect(out.old).toMatch(/^delete: expired at/);
    expect(out.older).toMatch(/^delete: expired at/);
  });

  it('keeps a backup that has not expired yet', () => {
    const out = decide([backup('fresh', 2), backup('newer', 1)]);
    expect(out.fresh).toMatch(/^keep: not expired \(expires 2026-03-06T00:00:00.000Z\)$/);
  });

  it('deletes a backup that expired exactly now and keeps one that expires a millisecond later', () => {
    const out = decide([backup('newer', 1), backup('edge', 7)]);
    expect(out.edge).toMatch(/^delete: expired at/);
    const later = decide([backup('newer', 1), backup('edge', 7, { expiresAt: new Date(NOW.getTime() + 1) })]);
    expect(later.edge).toMatch(/^keep: not expired/);
  });

  it('never deletes, nor even decides about, a foreign or untagged backup', () => {
    // Prepare
    const backups = [
      backup('newest', 1),
      backup('foreign', 60, { managedBy: 'SomeoneElse' }),
      backup('untagged', 60, { managedBy: undefined, source: undefined, tier: undefined, expiresAt: undefined }),
    ];

    // Act
    const decisions = decideRetention(backups, { stackName: STACK, tiers: TIERS, now: NOW });

    // Assess
    expect(decisions.map((d) => d.backup.id)).toEqual(['newest']);
  });

  it('never deletes a foreign, in-progress, AMI-held or unreadably tagged backup listed together', () => {
    const out = decide([
      backup('newest', 1),
      backup('foreign', 30, { managedBy: 'Other' }),
      backup('running', 30, { complete: false }),
      backup('ami', 30, { heldBy: ['ami-1'] }),
      backup('untagged', 30, { expiresAt: undefined }),
    ]);
    expect(out.foreign).toBeUndefined();
    expect(out.running).toMatch(/^keep: in progress/);
    expect(out.ami).toBe('keep: used by AMI ami-1');
    expect(out.untagged).toMatch(/^keep: no readable expires-at/);
  });

  it('never deletes a backup still in progress (or unusable), however old', () => {
    const out = decide([backup('newest', 1), backup('running', 60, { complete: false })]);
    expect(out.running).toBe('keep: in progress or not usable: never deleted');
  });

  it('never deletes a snapshot an AMI still uses', () => {
    const out = decide([backup('newest', 1), backup('ami', 60, { heldBy: ['ami-1', 'ami-2'] })]);
    expect(out.ami).toBe('keep: used by AMI ami-1, ami-2');
  });

  it('keeps a backup whose expires-at tag is missing or unreadable until a human decides', () => {
    const out = decide([backup('newest', 1), backup('no-expiry', 60, { expiresAt: undefined })]);
    expect(out['no-expiry']).toBe('keep: no readable expires-at tag: kept until a human decides');
  });

  it('keeps a backup without a source tag', () => {
    const out = decide([backup('newest', 1), backup('no-source', 60, { source: undefined })]);
    expect(out['no-source']).toBe('keep: no source tag: kept');
  });

  it("keeps the newest N per source and tier under the tier's keep-last-N, even when expired", () => {
    // Prepare: weekly keeps the last 2; all four are expired.
    const weekly = (id: string, ageDays: number) => backup(id, ageDays, { tier: 'weekly' });

    // Act
    const out = decide([weekly('w1', 40), weekly('w2', 47), weekly('w3', 54), weekly('w4', 61)]);

    // Assess
    expect(out.w1).toBe('keep: keep-last-2 for tier weekly (newest #1)');
    expect(out.w2).toBe('keep: keep-last-2 for tier weekly (newest #2)');
    expect(out.w3).toMatch(/^delete/);
    expect(out.w4).toMatch(/^delete/);
  });

  it('keeps the newest N of a daily tier with keep-last-N, even when expired', () => {
    const daily = { schedule: null, retentionDays: 7, keepLast: 2 };
    const out = decide([backup('a', 10), backup('b', 11), backup('c', 12)], { daily });
    expect(out.a).toMatch(/^keep: keep-last-2/);
    expect(out.b).toMatch(/^keep: keep-last-2/);
    expect(out.c).toMatch(/^delete/);
  });

  it('counts keep-last-N separately per source and per tier', () => {
    const out = decide([
      backup('a-weekly', 40, { tier: 'weekly', source: 'arn:a' }),
      backup('a-weekly-old', 50, { tier: 'weekly', source: 'arn:a' }),
      backup('a-weekly-oldest', 60, { tier: 'weekly', source: 'arn:a' }),
      backup('b-weekly', 70, { tier: 'weekly', source: 'arn:b' }),
      backup('a-daily', 30, { tier: 'daily', source: 'arn:a' }),
    ]);
    expect(out['a-weekly-old']).toMatch(/^keep: keep-last-2/);
    expect(out['a-weekly-oldest']).toMatch(/^delete/);
    expect(out['b-weekly']).toMatch(/^keep: keep-last-2/);
    expect(out['a-daily']).toBe('keep: newest finished backup of its source: always kept');
  });

  it('does not count unfinished backups towards keep-last-N', () => {
    const weekly = (id: string, ageDays: number, extra: Partial<OwnedBackup> = {}) =>
      backup(id, ageDays, { tier: 'weekly', ...extra });
    const out = decide([
      weekly('running', 1, { complete: false }),
      weekly('w1', 40),
      weekly('w2', 47),
      weekly('w3', 54),
    ]);
    expect(out.w2).toMatch(/^keep: keep-last-2 .*#2/);
    expect(out.w3).toMatch(/^delete/);
  });

  it('always keeps the newest finished backup of each source, even when all have expired', () => {
    const out = decide([backup('x', 30), backup('y', 40), backup('z', 50, { source: 'arn:other' })]);
    expect(out.x).toBe('keep: newest finished backup of its source: always kept');
    expect(out.y).toMatch(/^delete/);
    expect(out.z).toBe('keep: newest finished backup of its source: always kept');
  });

  it('keeps the newest finished backup when a newer one is still running', () => {
    const out = decide([backup('running', 1, { complete: false }), backup('done', 30), backup('older', 40)]);
    expect(out.done).toBe('keep: newest finished backup of its source: always kept');
    expect(out.older).toMatch(/^delete/);
  });

  it('decides the same whatever order the backups are listed in', () => {
    const backups = [backup('a', 30), backup('b', 40), backup('c', 50), backup('d', 1)];
    expect(decide([...backups].reverse())).toEqual(decide(backups));
  });

  it('gives every decision the code of the rule that decided it, for dry-run output', () => {
    // Prepare: one backup per rule; weekly keeps the last 2.
    const weekly = (id: string, ageDays: number) => backup(id, ageDays, { tier: 'weekly', source: 'arn:w' });
    const backups = [
      backup('newest', 1),
      backup('expired', 10),
      backup('running', 60, { complete: false }),
      backup('ami', 60, { heldBy: ['ami-1'] }),
      backup('no-expiry', 60, { expiresAt: undefined }),
      backup('no-source', 60, { source: undefined }),
      weekly('w1', 40),
      weekly('w2', 47),
      weekly('w3', 54),
      backup('only-one', 90, { source: 'arn:lonely' }),
    ];

    // Act
    const decisions = decideRetention(backups, { stackName: STACK, tiers: TIERS, now: NOW });

    // Assess
    expect(Object.fromEntries(decisions.map((d) => [d.backup.id, `${d.action}:${d.ruleId}`]))).toEqual({
      newest: 'keep:not-expired',
      expired: 'delete:expired',
      running: 'keep:in-progress',
      ami: 'keep:held-by-ami',
      'no-expiry': 'keep:no-expiry-tag',
      'no-source': 'keep:no-source-tag',
      w1: 'keep:keep-last',
      w2: 'keep:keep-last',
      w3: 'delete:expired',
      'only-one': 'keep:newest-of-source',
    });
  });

  it('says of a delete under a keep-last rule how far past it the backup is', () => {
    const weekly = (id: string, ageDays: number) => backup(id, ageDays, { tier: 'weekly' });
    const out = decide([weekly('w1', 40), weekly('w2', 47), weekly('w3', 54)]);
    expect(out.w3).toBe(
      `delete: expired at ${new Date(NOW.getTime() - 47 * DAY).toISOString()}; newest #3 of tier weekly, past keep-last-2`,
    );
  });

  it('names the snapshots an expired AMI takes with it on its delete decision', () => {
    const image = (id: string, ageDays: number) =>
      backup(id, ageDays, { kind: 'ec2-image', holds: [`snap-${id}-a`, `snap-${id}-b`] });
    const out = decide([image('ami-new', 1), image('ami-old', 10)]);
    expect(out['ami-old']).toBe(
      `delete: expired at ${new Date(NOW.getTime() - 3 * DAY).toISOString()}; its snapshots tagged for this stack go with it (snap-ami-old-a, snap-ami-old-b)`,
    );
  });

  it('treats a tier missing from the config as keep-last-0', () => {
    const out = decide([backup('x', 30, { tier: 'retired' }), backup('y', 40, { tier: 'retired' })]);
    expect(out.y).toMatch(/^delete/);
  });
});

describe('decideRetention per backup set', () => {
  /** Snapshot `volume` of instance `arn:i-1` made by run `run`, `ageDays` old, expiring 7 days after. */
  const volumeSnapshot = (run: string, volume: number, ageDays: number, extra: Partial<OwnedBackup> = {}) =>
    backup(`${run}-vol${volume}`, ageDays, { source: 'arn:i-1', runId: run, ...extra });
  const decisions = (backups: OwnedBackup[], tiers = TIERS, expectedMembers?: Map<string, string[]>) =>
    decideRetention(backups, { stackName: STACK, tiers, now: NOW, ...(expectedMembers ? { expectedMembers } : {}) });
  const deletedIds = (d: RetentionDecision[]) =>
    d
      .filter((x) => x.action === 'delete')
      .map((x) => x.backup.id)
      .sort();

  it('keeps the newest complete set of a 3-volume instance whole when its 3 runs have all expired', () => {
    // Prepare: three expired runs, three volume snapshots each.
    const backups = [10, 20, 30].flatMap((age, run) => [1, 2, 3].map((v) => volumeSnapshot(`r${run}`, v, age)));

    // Act
    const out = decisions(backups);

    // Assess: r0 (the newest) is kept whole, r1 and r2 are deleted whole.
    expect(out.filter((d) => d.action === 'keep').map((d) => `${d.backup.id}:${d.ruleId}`)).toEqual([
      'r0-vol1:newest-of-source',
      'r0-vol2:newest-of-source',
      'r0-vol3:newest-of-source',
    ]);
    expect(deletedIds(out)).toEqual(['r1-vol1', 'r1-vol2', 'r1-vol3', 'r2-vol1', 'r2-vol2', 'r2-vol3']);
  });

  it("counts restore points per region: a DR region's last copy set is kept even when the home region has a newer one", () => {
    // Prepare: both expired; the home region's set is newer than the DR region's copy set.
    const backups = [
      volumeSnapshot('r-new', 1, 10, { region: 'eu-west-1' }),
      volumeSnapshot('r-old', 1, 20, { region: 'us-west-2' }),
    ];

    // Act
    const out = decisions(backups);

    // Assess: each is its region's newest complete set of the source.
    expect(out.map((d) => `${d.backup.id}:${d.ruleId}`).sort()).toEqual([
      'r-new-vol1:newest-of-source',
      'r-old-vol1:newest-of-source',
    ]);
  });

  it('keeps two whole backups of a 2-volume instance under keep-last 2', () => {
    // Prepare: weekly keeps the last 2; four expired weekly runs of a 2-volume instance.
    const backups = [40, 47, 54, 61].flatMap((age, run) =>
      [1, 2].map((v) => volumeSnapshot(`w${run}`, v, age, { tier: 'weekly' })),
    );

    // Act
    const out = decisions(backups);

    // Assess
    const byId = Object.fromEntries(out.map((d) => [d.backup.id, d]));
    for (const id of ['w0-vol1', 'w0-vol2'])
      expect(byId[id]?.rule).toMatch(/^keep-last-2 for tier weekly \(newest #1\)/);
    for (const id of ['w1-vol1', 'w1-vol2'])
      expect(byId[id]?.rule).toMatch(/^keep-last-2 for tier weekly \(newest #2\)/);
    expect(deletedIds(out)).toEqual(['w2-vol1', 'w2-vol2', 'w3-vol1', 'w3-vol2']);
  });

  it('does not count a partly failed newest set as the newest backup: the older complete set stays', () => {
    // Prepare: the newest run's third snapshot failed; the older run is complete; both expired.
    const backups = [
      volumeSnapshot('new', 1, 10),
      volumeSnapshot('new', 2, 10),
      volumeSnapshot('new', 3, 10, { complete: false }),
      ...[1, 2, 3].map((v) => volumeSnapshot('old', v, 20)),
    ];

    // Act
    const out = decisions(backups);

    // Assess: nothing is deleted; the old set is the source's restore point, the failed set is kept as not usable.
    expect(deletedIds(out)).toEqual([]);
    const rules = Object.fromEntries(out.map((d) => [d.backup.id, d.ruleId]));
    expect(rules).toEqual({
      'new-vol1': 'in-progress',
      'new-vol2': 'in-progress',
      'new-vol3': 'in-progress',
      'old-vol1': 'newest-of-source',
      'old-vol2': 'newest-of-source',
      'old-vol3': 'newest-of-source',
    });
  });

  it('does not count a set missing a member its run made, and deletes it whole once expired', () => {
    // Prepare: the newest run made 3 snapshots but one is gone; its 2 others finished.
    const backups = [
      volumeSnapshot('new', 1, 10),
      volumeSnapshot('new', 2, 10),
      ...[1, 2, 3].map((v) => volumeSnapshot('old', v, 20)),
    ];
    const expected = new Map([
      [setKeyOf(volumeSnapshot('new', 1, 10)), ['new-vol1', 'new-vol2', 'new-vol3']],
      [setKeyOf(volumeSnapshot('old', 1, 20)), ['old-vol1', 'old-vol2', 'old-vol3']],
    ]);

    // Act
    const out = decisions(backups, TIERS, expected);

    // Assess
    expect(deletedIds(out)).toEqual(['new-vol1', 'new-vol2']);
    expect(out.find((d) => d.backup.id === 'new-vol1')?.rule).toMatch(
      /incomplete set \(1 member\(s\) missing: new-vol3\), not a restore point/,
    );
    expect(out.filter((d) => d.backup.id.startsWith('old')).map((d) => d.ruleId)).toEqual([
      'newest-of-source',
      'newest-of-source',
      'newest-of-source',
    ]);
  });

  it('deletes an expired failed backup (EBS error, RDS failed) that nothing else keeps, naming why', () => {
    // Prepare: a lone failed snapshot of an expired run, and the source's newest complete backup
    const backups = [backup('newest', 1), backup('broken', 10, { complete: false, failed: true })];

    // Act
    const out = decisions(backups);

    // Assess
    const broken = out.find((d) => d.backup.id === 'broken');
    expect(broken).toMatchObject({ action: 'delete', ruleId: 'failed' });
    expect(broken?.rule).toMatch(/^failed backup \(never usable\), expired at /);
  });

  it('keeps a failed backup until it expires', () => {
    const out = decisions([backup('newest', 1), backup('broken', 3, { complete: false, failed: true })]);
    expect(out.find((d) => d.backup.id === 'broken')).toMatchObject({ action: 'keep', ruleId: 'not-expired' });
  });

  it('deletes the failed member of an expired set and keeps its completed members while no newer complete set exists', () => {
    // Prepare: the newest run's third snapshot failed; an older complete set; both expired.
    const backups = [
      volumeSnapshot('new', 1, 10),
      volumeSnapshot('new', 2, 10),
      volumeSnapshot('new', 3, 10, { complete: false, failed: true }),
      ...[1, 2, 3].map((v) => volumeSnapshot('old', v, 20)),
    ];

    // Act
    const out = decisions(backups);

    // Assess: the failed member goes; its completed siblings are the newest data of their volumes and
    // stay; the old set is still the source's newest restore point.
    expect(deletedIds(out)).toEqual(['new-vol3']);
    const rules = Object.fromEntries(out.map((d) => [d.backup.id, d.ruleId]));
    expect(rules).toEqual({
      'new-vol1': 'incomplete-set',
      'new-vol2': 'incomplete-set',
      'new-vol3': 'failed',
      'old-vol1': 'newest-of-source',
      'old-vol2': 'newest-of-source',
      'old-vol3': 'newest-of-source',
    });
    expect(out.find((d) => d.backup.id === 'new-vol1')?.rule).toMatch(
      /^member of an incomplete set \(1 failed: new-vol3\): kept until a newer complete set of its source exists/,
    );
  });

  it('deletes the completed members of an expired incomplete set once a newer complete set of the source exists', () => {
    // Prepare: an old run with one failed member, a newer complete run; both expired.
    const backups = [
      volumeSnapshot('old', 1, 20),
      volumeSnapshot('old', 2, 20, { complete: false, failed: true }),
      ...[1, 2].map((v) => volumeSnapshot('new', v, 10)),
    ];

    // Act
    const out = decisions(backups);

    // Assess
    expect(deletedIds(out)).toEqual(['old-vol1', 'old-vol2']);
    expect(out.find((d) => d.backup.id === 'old-vol1')?.rule).toMatch(
      /^expired at .*; incomplete set \(1 failed: old-vol2\), not a restore point; a newer complete set exists \(run new\)/,
    );
    expect(out.filter((d) => d.backup.id.startsWith('new')).map((d) => d.ruleId)).toEqual([
      'newest-of-source',
      'newest-of-source',
    ]);
  });

  it('keeps a set with a failed member whole while another member is still in progress', () => {
    const backups = [
      volumeSnapshot('new', 1, 10, { complete: false }),
      volumeSnapshot('new', 2, 10, { complete: false, failed: true }),
      volumeSnapshot('old', 1, 20),
    ];
    const out = decisions(backups);
    expect(deletedIds(out)).toEqual([]);
    expect(out.filter((d) => d.backup.id.startsWith('new')).map((d) => d.ruleId)).toEqual([
      'in-progress',
      'in-progress',
    ]);
  });

  it('keeps a whole set when one of its snapshots is held by an AMI', () => {
    const backups = [
      ...[1, 2].map((v) => volumeSnapshot('new', v, 5)),
      volumeSnapshot('old', 1, 20, { heldBy: ['ami-1'] }),
      volumeSnapshot('old', 2, 20),
    ];
    const out = decisions(backups);
    expect(out.filter((d) => d.backup.id.startsWith('old')).map((d) => `${d.action}: ${d.rule}`)).toEqual([
      'keep: used by AMI ami-1',
      'keep: used by AMI ami-1',
    ]);
  });
});
