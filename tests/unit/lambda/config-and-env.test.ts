/**
 * shared/config.ts (cdk.json context, validated at synth), shared/lambda/env.ts (each function's environment,
 * validated at call time) and shared/lambda/function-env.ts (the one place that builds those environments).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  configuredRegions,
  DEFAULT_TIERS,
  deadlineHoursOf,
  defaultDeadlineHours,
  drillInput,
  drillIsolationIssues,
  drillsSchema,
  parsePipelineConfig,
  type TierConfig,
} from '../../../shared/config';
import {
  backupEnvSchema,
  baseEnvSchema,
  loadEnv,
  notifyEnvSchema,
  planEnvSchema,
  retentionEnvSchema,
  retentionUnitsEnvSchema,
} from '../../../shared/lambda/env';
import { ENV_SCHEMAS, FUNCTION_NAMES, functionEnvironments, placeholderOf } from '../../../shared/lambda/function-env';
import { caught, STACK, TIERS, TOPIC_ARN, unitHandlerEnv } from '../../support/unit-fixtures';

describe('parsePipelineConfig', () => {
  it('gives an operator with an empty context the documented defaults', () => {
    // Act
    const config = parsePipelineConfig(undefined);

    // Assess
    expect(config).toEqual({
      stackName: 'BackupPipeline',
      tiers: {
        daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 7, keepLast: 0, rpoHours: 30 },
        weekly: { schedule: 'cron(0 1 ? * SUN *)', retentionDays: 35, keepLast: 0, rpoHours: 180 },
        monthly: { schedule: 'cron(0 0 1 * ? *)', retentionDays: 365, keepLast: 0, rpoHours: 768 },
        yearly: { schedule: 'cron(0 3 1 1 ? *)', retentionDays: 2557, keepLast: 0, rpoHours: 8808 },
      },
      defaultTier: 'daily',
      regions: null,
      defaultTargetTags: { backup: 'true' },
      mapMaxConcurrency: 2_000,
      polling: { minWaitSeconds: 60, maxWaitSeconds: 21_600 },
      notificationEmail: null,
      notifyOnSuccess: false,
      logRetentionDays: 90,
      stateTtlDays: 400,
      recovery: null,
      modes: { defaults: {}, resources: {} },
      exportStorage: { infrequentAccessDays: 30, glacierInstantRetrievalDays: 90 },
      drills: {
        schedule: 'cron(0 6 ? * SAT *)',
        perType: 1,
        resources: [],
        keepMinutes: 0,
        periodDays: 8,
        validationFunctionArn: null,
        placement: {},
        allowSourceNetworking: false,
      },
    });
    expect(Object.keys(config.tiers)).toEqual(Object.keys(DEFAULT_TIERS));
  });

  it('refuses a recovery region that is the home region, and a validation function of another region', () => {
    // Act
    const refused = () =>
      parsePipelineConfig({
        recovery: {
          homeRegion: 'eu-west-1',
          regions: ['us-west-2', 'eu-west-1'],
          validationFunctionArns: {
            'us-west-2': 'arn:aws:lambda:eu-west-1:111122223333:function:validator',
            'ap-south-1': 'arn:aws:lambda:ap-south-1:111122223333:function:validator',
          },
        },
      });

    // Assess
    expect(refused).toThrow(/recovery\.regions\.1: eu-west-1 is the home region/);
    expect(refused).toThrow(/validationFunctionArns\.us-west-2: a function of eu-west-1/);
    expect(refused).toThrow(/validationFunctionArns\.ap-south-1: ap-south-1 is not one of recovery\.regions/);
  });

  it("ships cdk.json with exactly the defaults but the drills' isolated placement, so a deploy and an empty context agree", () => {
    // Prepare
    const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'cdk.json'), 'utf8')) as {
      context: { backupPipeline: unknown };
    };

    // Act
    const shipped = parsePipelineConfig(cdkJson.context.backupPipeline);

    // Assess: the placement is the sandbox's (local/estates/fleet.ts); a deployment names its own (synth refuses none).
    const defaults = parsePipelineConfig(undefined);
    expect(shipped).toEqual({
      ...defaults,
      drills: {
        ...defaults.drills,
        placement: { 'eu-west-1': expect.objectContaining({ dbSubnetGroupName: 'backup-drills' }) },
      },
    });
    expect(shipped.tiers).toEqual(DEFAULT_TIERS);
  });

  it('fills tier defaults (no schedule, keepLast 0) for a hand-started tier', () => {
    const config = parsePipelineConfig({ tiers: { adhoc: { retentionDays: 3 } }, defaultTier: 'adhoc' });
    expect(config.tiers.adhoc).toEqual({ schedule: null, retentionDays: 3, keepLast: 0 });
  });

  it('names every bad key at once, prefixed with backupPipeline', async () => {
    // Prepare
    const raw = {
      stackName: '1-starts-with-a-digit',
      tiers: {
        Daily: { retentionDays: 7 },
        weekly: { retentionDays: 0, schedule: 'rate(7 days)', keepLast: -1, colour: 'x' },
      },
      polling: { minWaitSeconds: 3 },
      notificationEmail: 'not-an-email',
      logRetentionDays: 10,
      mapMaxConcurrency: 0,
      unknownKey: true,
    };

    // Act
    const error = await caught(() => parsePipelineConfig(raw));

    // Assess
    const lines = error.message.split('\n').slice(1);
    expect(error.message.split('\n')[0]).toBe('Invalid cdk.json context:');
    for (const field of [
      'backupPipeline.stackName',
      'backupPipeline.tiers.Daily',
      'backupPipeline.tiers.weekly.retentionDays',
      'backupPipeline.tiers.weekly.schedule',
      'backupPipeline.tiers.weekly.keepLast',
      'backupPipeline.tiers.weekly.colour',
      'backupPipeline.polling.minWaitSeconds',
      'backupPipeline.notificationEmail',
      'backupPipeline.logRetentionDays',
      'backupPipeline.mapMaxConcurrency',
      'backupPipeline.unknownKey',
    ]) {
      expect(lines.some((line) => line.trim().startsWith(`${field}: `))).toBe(true);
    }
  });

  it('refuses backup modes that name no resource, a type without modes, or a mode the type lacks, naming each key', async () => {
    // Prepare
    const instance = 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0';
    const db = 'arn:aws:rds:eu-west-1:111122223333:db:orders';
    const raw = { modes: { resources: { [instance]: 'backup', [db]: 'ami', 'not-an-arn': 'ami' } } };

    // Act
    const error = await caught(() => parsePipelineConfig(raw));
    const badDefault = await caught(() => parsePipelineConfig({ modes: { defaults: { 'ec2-instance': 'export' } } }));

    // Assess
    for (const expected of [
      `backupPipeline.modes.resources.${instance}: "backup" is not a mode of ec2-instance (one of: snapshots, ami, ami-reboot)`,
      `backupPipeline.modes.resources.${db}: rds-instance has only one backup mode`,
      'backupPipeline.modes.resources.not-an-arn: not a valid ARN',
    ]) {
      expect(error.message).toContain(expected);
    }
    expect(badDefault.message).toContain('backupPipeline.modes.defaults.ec2-instance: ');
  });

  it('refuses export storage transitions closer than S3 allows, naming each key', async () => {
    const error = await caught(() =>
      parsePipelineConfig({ exportStorage: { infrequentAccessDays: 30, glacierInstantRetrievalDays: 45 } }),
    );
    expect(error.message).toContain(
      'backupPipeline.exportStorage.glacierInstantRetrievalDays: must be at least 30 days after infrequentAccessDays (30)',
    );
  });

  it('refuses the archive classes for exports, saying why: ImportTable cannot read them until restored', async () => {
    const error = await caught(() =>
      parsePipelineConfig({ exportStorage: { infrequentAccessDays: 30, glacierDays: 90, deepArchiveDays: 365 } }),
    );
    expect(error.message).toContain('backupPipeline.exportStorage.glacierDays: not offered: DynamoDB ImportTable');
    expect(error.message).toContain('backupPipeline.exportStorage.deepArchiveDays: not offered');
  });

  it("takes a tier's copyTo regions and refuses a bad or repeated region, naming each key", async () => {
    // Prepare
    const copyTo = [{ region: 'us-west-2', kmsKeyId: 'alias/backup-dr' }];
    const tiers = (daily: unknown) => ({ tiers: { daily } });

    // Act
    const config = parsePipelineConfig(tiers({ retentionDays: 7, copyTo }));
    const error = await caught(() =>
      parsePipelineConfig(
        tiers({ retentionDays: 7, copyTo: [...copyTo, { region: 'us-west-2' }, { region: 'mars' }] }),
      ),
    );

    // Assess
    expect(config.tiers.daily?.copyTo).toEqual(copyTo);
    expect(error.message).toContain('backupPipeline.tiers.daily.copyTo.1.region: duplicate copy region us-west-2');
    expect(error.message).toContain('backupPipeline.tiers.daily.copyTo.2.region: not an AWS region name');
  });

  it('takes the regions to work in, and refuses a bad, repeated or empty list naming each entry', async () => {
    // Act
    const config = parsePipelineConfig({ regions: ['eu-west-1', 'us-east-1'] });
    const error = await caught(() => parsePipelineConfig({ regions: ['eu-west-1', 'mars', 'eu-west-1'] }));
    const empty = await caught(() => parsePipelineConfig({ regions: [] }));

    // Assess
    expect(config.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(error.message).toContain('backupPipeline.regions.1: not an AWS region name');
    expect(error.message).toContain('backupPipeline.regions.2: duplicate region eu-west-1');
    expect(empty.message).toContain(
      'backupPipeline.regions: name at least one region, or null for the deployment region',
    );
  });

  it('resolves unset regions (null) to the deployment region the function runs in', () => {
    expect(configuredRegions(null, 'eu-west-1')).toEqual(['eu-west-1']);
    expect(configuredRegions(['us-east-1', 'ap-southeast-2'], 'eu-west-1')).toEqual(['us-east-1', 'ap-southeast-2']);
  });

  describe('restore drills', () => {
    it('refuses an unknown tier, a selection of nothing, a bad validation function and a period the schedule outruns, naming each', async () => {
      // Act
      const error = await caught(() =>
        parsePipelineConfig({
          drills: {
            tier: 'hourly',
            perType: 0,
            schedule: 'cron(0 6 1 * ? *)',
            periodDays: 8,
            validationFunctionArn: 'my-validator',
          },
        }),
      );

      // Assess
      expect(error.message).toContain('backupPipeline.drills.tier: "hourly" is not one of the tiers');
      expect(error.message).toContain('backupPipeline.drills.perType: with perType 0 and no resources');
      expect(error.message).toContain('backupPipeline.drills.validationFunctionArn: expected a Lambda function ARN');
      expect(error.message).toMatch(
        /backupPipeline\.drills\.periodDays: 8 day\(s\) is shorter than the schedule's longest gap between drills \(31 days\)/,
      );
    });

    it('refuses a time zone that is not an IANA name, naming it', async () => {
      const error = await caught(() => parsePipelineConfig({ drills: { timeZone: 'Mars/Olympus' } }));
      expect(error.message).toContain('backupPipeline.drills.timeZone:');
    });

    it('refuses drilled regions without isolated placement, naming each region and the fields it lacks', () => {
      // Prepare: the fields a drill needs depend on the types it drills.
      const issues = (raw: Record<string, unknown>) => {
        const config = parsePipelineConfig(raw);
        return drillIsolationIssues(config).map((i) => `${i.field}: ${i.message}`);
      };
      const isolated = {
        subnetId: 'subnet-0drill',
        securityGroupIds: ['sg-0drill'],
        dbSubnetGroupName: 'drill-db',
        clusterSubnetGroupName: 'drill-dw',
        cacheSubnetGroupName: 'drill-cache',
      };

      // Act / Assess
      expect(issues({ regions: ['eu-west-1'], drills: { placement: { 'eu-west-1': isolated } } })).toEqual([]);
      expect(issues({ regions: ['eu-west-1', 'us-east-1'], drills: { placement: { 'eu-west-1': isolated } } })).toEqual(
        [
          'drills.placement.us-east-1: drills would restore on production networking: missing subnetId, securityGroupIds, dbSubnetGroupName, clusterSubnetGroupName, cacheSubnetGroupName (or set drills.allowSourceNetworking: true)',
        ],
      );
      // Only databases drilled: no subnet needed; only tables: nothing networked at all.
      expect(
        issues({
          regions: ['eu-west-1'],
          drills: { types: ['rds-instance'], placement: { 'eu-west-1': { securityGroupIds: ['sg-0drill'] } } },
        }),
      ).toEqual([
        'drills.placement.eu-west-1: drills would restore on production networking: missing dbSubnetGroupName (or set drills.allowSourceNetworking: true)',
      ]);
      expect(issues({ regions: ['eu-west-1'], drills: { types: ['dynamodb-table'] } })).toEqual([]);
      // Regions unset: the deployment region, unknown at synth, must still be given a placement.
      expect(issues({ drills: {} })).toEqual([
        'drills.placement: drills restore in the deployment region (regions unset): give its isolated placement (subnetId, securityGroupIds, dbSubnetGroupName, clusterSubnetGroupName, cacheSubnetGroupName) under its name (or set drills.allowSourceNetworking: true)',
      ]);
      expect(issues({ drills: { placement: { 'us-east-1': isolated } } })).toEqual([]);
      // The explicit opt-in, and drills off.
      expect(issues({ regions: ['eu-west-1'], drills: { allowSourceNetworking: true } })).toEqual([]);
      expect(issues({ regions: ['eu-west-1'], drills: null })).toEqual([]);
    });

    it('turns drills off with null, and starts the state machine with the selection the configuration names', () => {
      expect(parsePipelineConfig({ drills: null }).drills).toBeNull();
      const drills = drillsSchema.parse({
        types: ['rds-instance'],
        perType: 2,
        keepMinutes: 30,
        placement: { 'eu-west-1': { subnetId: 'subnet-1' } },
      });
      expect(drillInput(drills, 'daily')).toEqual({
        drill: true,
        select: { tier: 'daily', types: ['rds-instance'], perType: 2, resources: [] },
        keepMinutes: 30,
        placements: { 'eu-west-1': { subnetId: 'subnet-1' } },
        reason: 'scheduled restore drill',
      });
    });
  });

  it('refuses a default tier that is not one of the tiers', async () => {
    const error = await caught(() => parsePipelineConfig({ defaultTier: 'hourly' }));
    expect(error.message).toContain(
      'backupPipeline.defaultTier: "hourly" is not one of the tiers (daily, weekly, monthly, yearly)',
    );
  });

  describe('tier rules that keep nothing', () => {
    const withTier = (tier: Record<string, unknown>) => ({ tiers: { daily: DEFAULT_TIERS.daily, odd: tier } });

    it('refuses a scheduled tier whose backups expire before its next run with keepLast 0, naming retentionDays', async () => {
      // Prepare: monthly runs, 31-day gaps, backups kept 7 days.
      const raw = withTier({ schedule: 'cron(0 0 1 * ? *)', retentionDays: 7 });

      // Act
      const error = await caught(() => parsePipelineConfig(raw));

      // Assess
      expect(error.message).toContain(
        "backupPipeline.tiers.odd.retentionDays: 7 day(s) with keepLast 0 keeps nothing: the schedule's longest gap between runs is 31 day(s)",
      );
      expect(error.message).toContain('use retentionDays >= 31 or keepLast >= 1');
    });

    it('accepts the same tier once keepLast keeps at least one, or retention covers the longest gap', () => {
      expect(() =>
        parsePipelineConfig(withTier({ schedule: 'cron(0 0 1 * ? *)', retentionDays: 7, keepLast: 1 })),
      ).not.toThrow();
      expect(() => parsePipelineConfig(withTier({ schedule: 'cron(0 0 1 * ? *)', retentionDays: 31 }))).not.toThrow();
    });

    it('measures the longest gap, not the usual one: a weekday-only daily tier needs 3 days over the weekend', async () => {
      const error = await caught(() =>
        parsePipelineConfig(withTier({ schedule: 'cron(0 2 ? * MON-FRI *)', retentionDays: 2 })),
      );
      expect(error.message).toContain('backupPipeline.tiers.odd.retentionDays: 2 day(s) with keepLast 0 keeps nothing');
      expect(() =>
        parsePipelineConfig(withTier({ schedule: 'cron(0 2 ? * MON-FRI *)', retentionDays: 3 })),
      ).not.toThrow();
    });

    it('accepts a short retention on a manual tier, which keeps each backup for its retentionDays', () => {
      expect(() => parsePipelineConfig(withTier({ schedule: null, retentionDays: 1 }))).not.toThrow();
    });

    it('refuses a schedule that never fires', async () => {
      const error = await caught(() =>
        parsePipelineConfig(withTier({ schedule: 'cron(0 0 30 2 ? *)', retentionDays: 400 })),
      );
      expect(error.message).toContain('backupPipeline.tiers.odd.schedule: never fires');
    });

    it('refuses an rpoHours shorter than the longest gap, whose alarm would fire before every run', async () => {
      const error = await caught(() =>
        parsePipelineConfig(withTier({ schedule: 'cron(0 1 ? * SUN *)', retentionDays: 35, rpoHours: 48 })),
      );
      expect(error.message).toContain(
        "backupPipeline.tiers.odd.rpoHours: 48 h is shorter than the schedule's longest gap between runs (168 h)",
      );
    });

    it('names every offending tier at once', async () => {
      const error = await caught(() =>
        parsePipelineConfig({
          tiers: {
            daily: DEFAULT_TIERS.daily,
            weekly: { schedule: 'cron(0 1 ? * SUN *)', retentionDays: 3 },
            monthly: { schedule: 'cron(0 0 1 * ? *)', retentionDays: 30, rpoHours: 24 },
          },
        }),
      );
      for (const field of [
        'backupPipeline.tiers.weekly.retentionDays',
        'backupPipeline.tiers.monthly.retentionDays',
        'backupPipeline.tiers.monthly.rpoHours',
      ]) {
        expect(error.message).toContain(`${field}: `);
      }
    });
  });

  describe("a tier's time zone and target tags", () => {
    const withTier = (tier: Record<string, unknown>) => ({ tiers: { daily: DEFAULT_TIERS.daily, odd: tier } });
    const weekly = { schedule: 'cron(0 1 ? * SUN *)', retentionDays: 35, rpoHours: 180 };

    it('accepts an IANA zone and target tags, and keeps them for the schedule and Plan', () => {
      const config = parsePipelineConfig(
        withTier({ ...weekly, timeZone: 'Europe/Berlin', targetTags: { backup: 'weekly' } }),
      );
      expect(config.tiers.odd).toEqual({
        ...weekly,
        keepLast: 0,
        timeZone: 'Europe/Berlin',
        targetTags: { backup: 'weekly' },
      });
    });

    it.each([
      ['an unknown zone', 'Mars/Olympus_Mons', 'not an IANA time zone'],
      ['an offset', '+01:00', 'not an IANA time zone'],
      ['a zone in the wrong case', 'europe/berlin', 'time zone names are case-sensitive: write "Europe/Berlin"'],
    ])('refuses %s, naming the field', async (_label, timeZone, message) => {
      const error = await caught(() => parsePipelineConfig(withTier({ ...weekly, timeZone })));
      expect(error.message).toContain(`backupPipeline.tiers.odd.timeZone: ${message}`);
    });

    it('measures the gap in the zone: a daily 02:30 in New York is skipped on the spring-forward day (47 h)', async () => {
      // Prepare: in UTC the same tier passes (24 h gaps).
      const daily = { schedule: 'cron(30 2 * * ? *)', retentionDays: 7, rpoHours: 30 };
      expect(() => parsePipelineConfig(withTier(daily))).not.toThrow();

      // Act
      const error = await caught(() => parsePipelineConfig(withTier({ ...daily, timeZone: 'America/New_York' })));

      // Assess
      expect(error.message).toContain(
        "backupPipeline.tiers.odd.rpoHours: 30 h is shorter than the schedule's longest gap between runs (47 h, in America/New_York, where daylight saving time shifts or skips a run)",
      );
      // At 03:30 no run is skipped: the longest gap is the fall-back day's 25 h.
      expect(() =>
        parsePipelineConfig(withTier({ ...daily, schedule: 'cron(30 3 * * ? *)', timeZone: 'America/New_York' })),
      ).not.toThrow();
    });

    it('refuses empty target tags, naming the field', async () => {
      const error = await caught(() => parsePipelineConfig(withTier({ ...weekly, targetTags: {} })));
      expect(error.message).toContain('backupPipeline.tiers.odd.targetTags: name at least one tag');
    });
  });

  it('refuses an empty tier map', async () => {
    const error = await caught(() => parsePipelineConfig({ tiers: {} }));
    expect(error.message).toContain('backupPipeline.tiers: at least one tier is required');
  });

  it('refuses a polling minimum above the maximum', async () => {
    const error = await caught(() => parsePipelineConfig({ polling: { minWaitSeconds: 3600, maxWaitSeconds: 600 } }));
    expect(error.message).toContain(
      'backupPipeline.polling.minWaitSeconds: minWaitSeconds must not exceed maxWaitSeconds',
    );
  });

  it('accepts only CloudWatch Logs retention periods', async () => {
    expect(parsePipelineConfig({ logRetentionDays: 365 }).logRetentionDays).toBe(365);
    const error = await caught(() => parsePipelineConfig({ logRetentionDays: 100 }));
    expect(error.message).toContain('not a CloudWatch Logs retention period');
  });
});

describe('loadEnv', () => {
  const env = unitHandlerEnv('state-table');

  it("parses each function's environment, decoding the JSON variables", () => {
    // Act
    const plan = loadEnv(planEnvSchema, env);
    const backup = loadEnv(backupEnvSchema, env);
    const notify = loadEnv(notifyEnvSchema, { ...env, NOTIFY_ON_SUCCESS: 'true' });
    const retention = loadEnv(retentionEnvSchema, env);

    // Assess
    expect(plan).toMatchObject({
      TABLE_NAME: 'state-table',
      STACK_NAME: STACK,
      TIERS,
      DEFAULT_TIER: 'daily',
      DEFAULT_TARGET_TAGS: { backup: 'true' },
      STATE_TTL_DAYS: 400,
      MAP_MAX_CONCURRENCY: 40,
    });
    expect(backup.POLLING).toEqual({ minWaitSeconds: 60, maxWaitSeconds: 21_600, deadlineHours: 24 });
    expect(backup.DEADLINE_HOURS).toEqual({ daily: 24, weekly: 24, monthly: 24 });
    expect(notify).toMatchObject({ TOPIC_ARN, EVENT_BUS_NAME: 'default', NOTIFY_ON_SUCCESS: true });
    expect(retention.TIERS).toEqual(TIERS);
  });

  describe('deadlines per tier (issue #9 §4.9)', () => {
    it('defaults each tier to twice its longest gap, within 48 h..7 days: daily 48 h, weekly and longer 7 days', () => {
      // Act
      const config = parsePipelineConfig({});
      const deadlines = Object.fromEntries(
        Object.entries(config.tiers).map(([name, tier]) => [name, deadlineHoursOf(tier, config.polling)]),
      );

      // Assess: a multi-TB first full snapshot (more than a day) fits even the daily tier's deadline.
      expect(deadlines).toEqual({ daily: 48, weekly: 168, monthly: 168, yearly: 168 });
      expect(
        loadEnv(
          backupEnvSchema,
          functionEnvironments(config, { tableName: 'table', topicArn: TOPIC_ARN, bucketName: 'backups' })[
            'start-backup'
          ],
        ).DEADLINE_HOURS,
      ).toEqual(deadlines);
    });

    it("gives a manual tier 7 days, and never a deadline past the tier's retention", () => {
      expect(defaultDeadlineHours({ schedule: null, retentionDays: 30 })).toBe(168);
      expect(defaultDeadlineHours({ schedule: null, retentionDays: 1 })).toBe(24);
      expect(defaultDeadlineHours({ schedule: 'cron(0 */6 * * ? *)', retentionDays: 7 })).toBe(48);
    });

    it("takes a tier's own deadlineHours over polling.deadlineHours, and that over the default", () => {
      const config = parsePipelineConfig({
        polling: { deadlineHours: 72 },
        tiers: {
          daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 7, deadlineHours: 36 },
          weekly: { schedule: 'cron(0 1 ? * SUN *)', retentionDays: 35 },
        },
      });
      expect(deadlineHoursOf(config.tiers.daily as TierConfig, config.polling)).toBe(36);
      expect(deadlineHoursOf(config.tiers.weekly as TierConfig, config.polling)).toBe(72);
    });
  });

  it('fills polling defaults from a partial POLLING value', () => {
    expect(loadEnv(backupEnvSchema, { ...env, POLLING: '{"deadlineHours":48}' }).POLLING).toEqual({
      minWaitSeconds: 60,
      maxWaitSeconds: 21_600,
      deadlineHours: 48,
    });
  });

  it.each([
    [{ TABLE_NAME: undefined }, baseEnvSchema, 'TABLE_NAME'],
    [{ STACK_NAME: '' }, baseEnvSchema, 'STACK_NAME'],
    [{ TIERS: '{not json' }, planEnvSchema, 'TIERS: not valid JSON'],
    [{ TIERS: '{"daily":{"retentionDays":0}}' }, retentionEnvSchema, 'TIERS'],
    [{ POLLING: '{"minWaitSeconds":1}' }, backupEnvSchema, 'POLLING'],
    [{ NOTIFY_ON_SUCCESS: 'yes' }, notifyEnvSchema, 'NOTIFY_ON_SUCCESS'],
    [{ STATE_TTL_DAYS: 'forever' }, planEnvSchema, 'STATE_TTL_DAYS'],
  ])('refuses %p, naming the variable', async (override, schema, named) => {
    const error = await caught(() => loadEnv(schema, { ...env, ...override }));
    expect(error.message).toMatch(/^Invalid function environment: /);
    expect(error.message).toContain(named);
  });
});

describe('functionEnvironments', () => {
  it('builds for every function an environment its own schema accepts', () => {
    // Prepare
    const config = parsePipelineConfig({ notifyOnSuccess: true, stackName: 'Prod-Backups' });

    // Act
    const envs = functionEnvironments(config, { tableName: 'table', topicArn: TOPIC_ARN, bucketName: 'backups' });

    // Assess
    for (const [name, schema] of Object.entries(ENV_SCHEMAS)) {
      const env = envs[name as keyof typeof envs];
      expect(() => loadEnv(schema, env)).not.toThrow();
    }
    expect(Object.keys(envs)).toEqual(expect.arrayContaining([...FUNCTION_NAMES]));
    expect(envs.notify).toMatchObject({ NOTIFY_ON_SUCCESS: 'true', STACK_NAME: 'Prod-Backups', TOPIC_ARN });
  });

  it('gives Plan and Apply retention the configured regions, and null (their own region) when unset', () => {
    // Act
    const set = functionEnvironments(parsePipelineConfig({ regions: ['eu-west-1', 'us-east-1'] }), {
      tableName: 'table',
      topicArn: TOPIC_ARN,
      bucketName: 'backups',
    });
    const unset = functionEnvironments(parsePipelineConfig({}), {
      tableName: 'table',
      topicArn: TOPIC_ARN,
      bucketName: 'backups',
    });

    // Assess
    expect(loadEnv(planEnvSchema, set['plan-run']).REGIONS).toEqual(['eu-west-1', 'us-east-1']);
    expect(loadEnv(retentionUnitsEnvSchema, set['list-retention-units']).REGIONS).toEqual(['eu-west-1', 'us-east-1']);
    expect(loadEnv(planEnvSchema, unset['plan-run']).REGIONS).toBeNull();
    expect(loadEnv(retentionUnitsEnvSchema, unset['list-retention-units']).REGIONS).toBeNull();
  });

  it('derives each ASL placeholder from the function name', () => {
    expect(placeholderOf('plan-run')).toBe('PlanRunFunctionArn');
    expect(placeholderOf('notify')).toBe('NotifyFunctionArn');
    expect(placeholderOf('apply-retention')).toBe('ApplyRetentionFunctionArn');
  });
});
