/**
 * cli/commands/application-summary.ts: what an application's restore achieved, from its records: per
 * wave its restores, the recovery time (the execution's start to the last restore AVAILABLE), the
 * recovery point (the age of the oldest data restored at the execution's start), and success only when
 * every restore is AVAILABLE and nothing was skipped.
 */
import { applicationSummary, applicationSummaryLines } from '../../../cli/commands/application-summary';
import { restoreInput } from '../../../cli/commands/restore';
import { parseApplicationTags, parseOrder } from '../../../cli/options';
import { parsePipelineConfig } from '../../../shared/config';
import { restoreRecord } from '../services/rds/fixtures';

const START = '2026-03-01T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(START) + minutes * 60_000).toISOString();
const CLUSTER = 'arn:aws:rds:eu-west-1:111122223333:cluster:ledger';
const INSTANCE = 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0000000000000000a';

const records = [
  restoreRecord('gd-1', START, {
    drill: false,
    wave: 1,
    availableAt: at(20),
    dataAt: '2026-03-01T02:00:00.000Z',
    cleanup: undefined,
  }),
  restoreRecord('gd-2', START, {
    drill: false,
    arn: CLUSTER,
    type: 'aurora-cluster',
    wave: 1,
    availableAt: at(35),
    dataAt: '2026-02-28T22:00:00.000Z',
    cleanup: undefined,
  }),
  restoreRecord('gd-3', START, {
    drill: false,
    arn: INSTANCE,
    type: 'ec2-instance',
    wave: 2,
    availableAt: at(50),
    dataAt: '2026-03-01T04:00:00.000Z',
    cleanup: undefined,
  }),
];

describe('applicationSummary', () => {
  it('times the application from its start to the last restore available, and takes the oldest data as its recovery point', () => {
    // Act
    const summary = applicationSummary(records, [], START);

    // Assess
    expect(summary.waves.map((w) => [w.wave, w.restores.map((r) => r.restoreId)])).toEqual([
      [1, ['gd-1', 'gd-2']],
      [2, ['gd-3']],
    ]);
    expect(summary.recoverySeconds).toBe(50 * 60);
    expect(summary.recoveryPoint).toEqual({
      restoreId: 'gd-2',
      arn: CLUSTER,
      dataAt: '2026-02-28T22:00:00.000Z',
      ageSeconds: 12 * 3600,
    });
    expect(summary.waves[0]?.restores[0]).toMatchObject({ recoverySeconds: 20 * 60, dataAgeSeconds: 8 * 3600 });
    expect(summary).toMatchObject({ restored: 3, failed: 0, succeeded: true });
  });

  it('fails with a failed restore or a resource not restored, and says which', () => {
    // Prepare
    const failed = records.map((r) =>
      r.restoreId === 'gd-2'
        ? { ...r, status: 'FAILED' as const, availableAt: undefined, error: { error: 'Timeout', cause: 'timeout' } }
        : r,
    );
    const skipped = [{ arn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/carts', reason: 'no copy in us-west-2' }];

    // Act
    const withFailure = applicationSummary(failed, [], START);
    const withSkipped = applicationSummary(records, skipped, START);

    // Assess: the failed cluster's data is not counted as restored.
    expect(withFailure).toMatchObject({ succeeded: false, failed: 1, restored: 2, recoverySeconds: 50 * 60 });
    expect(withFailure.recoveryPoint?.restoreId).toBe('gd-1');
    expect(withSkipped.succeeded).toBe(false);
    expect(applicationSummaryLines(withSkipped)).toContain(
      '  not restored: arn:aws:dynamodb:eu-west-1:111122223333:table/carts: no copy in us-west-2',
    );
    expect(applicationSummary([], [], START)).toMatchObject({ succeeded: false, waves: [] });
  });

  it('prints each wave, the recovery time and the recovery point', () => {
    const lines = applicationSummaryLines(applicationSummary(records, [], START));
    expect(lines[0]).toBe('Application restore: 3 of 3 restored in 2 wave(s)');
    expect(lines).toContain('  wave 2:');
    expect(lines.some((l) => l.startsWith('  recovery time:  50m'))).toBe(true);
    expect(lines.some((l) => l.startsWith(`  recovery point: 12.0h (the oldest data restored: ${CLUSTER}`))).toBe(true);
  });
});

describe('restore --application', () => {
  it('parses tags and waves into the restore input', () => {
    // Act
    const input = restoreInput(
      undefined,
      undefined,
      {
        latest: false,
        drill: false,
        restoreRegion: 'us-west-2',
        application: parseApplicationTags('app=orders,env=prod'),
        order: parseOrder('rds-instance,aurora-cluster/ec2-instance'),
        tier: 'daily',
      },
      parsePipelineConfig({}),
    );

    // Assess
    expect(input).toEqual({
      region: 'us-west-2',
      application: {
        tags: { app: 'orders', env: 'prod' },
        tier: 'daily',
        order: [['rds-instance', 'aurora-cluster'], ['ec2-instance']],
      },
    });
  });

  it('refuses a tag without a key or named twice', () => {
    expect(() => parseApplicationTags('orders')).toThrow(/key=value/);
    expect(() => parseApplicationTags('app=a,app=b')).toThrow(/named twice/);
  });

  it('takes a tag key that is also an Object property name as the tag it is', () => {
    // Act
    const tags = parseApplicationTags('constructor=x,__proto__=y,toString=z');

    // Assess: own keys, never the prototype's (a tag key is any string AWS allows).
    expect(Object.entries(tags)).toEqual([
      ['constructor', 'x'],
      ['__proto__', 'y'],
      ['toString', 'z'],
    ]);
  });
});
