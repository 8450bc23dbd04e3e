/**
 * S3 Lifecycle in the sandbox (issue #19, item 5), through the real S3Client against the emulator:
 * PutBucketLifecycleConfiguration with S3's checks, each object's storage class by its age (the
 * coldest eligible transition, from the midnight UTC after creation + days), expiry, and GetObject
 * refused with InvalidObjectState (403) on GLACIER and DEEP_ARCHIVE as S3 refuses an archived object;
 * then DynamoDB ImportTable of an export whose data the lifecycle archived fails, as it cannot read it.
 */
import {
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { backupBucketLifecycle } from '../../../shared/backup-bucket-lifecycle';
import { parsePipelineConfig } from '../../../shared/config';
import { EMULATOR_REGION, serviceFailure, useEmulator } from '../../support/emulator-harness';

const DAY = 86_400;
// 10:00 UTC: an action `n` days on lands at the next midnight, 14 h after creation + n days.
const emu = useEmulator(
  (config) => new S3Client({ ...config, forcePathStyle: true }),
  new Date('2026-01-15T10:00:00Z'),
);
const { model, advance } = emu;
const REGION = EMULATOR_REGION;
const failure = (call: Promise<unknown>) => serviceFailure(call, S3ServiceException, 'an S3');

const archiveRules = (prefix: string): LifecycleRule[] => [
  {
    ID: 'archive',
    Filter: { Prefix: prefix },
    Status: 'Enabled',
    Transitions: [
      { StorageClass: 'STANDARD_IA', Days: 30 },
      { StorageClass: 'GLACIER', Days: 90 },
      { StorageClass: 'DEEP_ARCHIVE', Days: 365 },
    ],
    Expiration: { Days: 400 },
  },
];

/** The object's storage class as GetObject reports it, or the error code GetObject answers. */
async function read(bucket: string, key: string): Promise<string> {
  try {
    const got = await emu.client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    await got.Body?.transformToString();
    return got.StorageClass ?? 'STANDARD';
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
    return `${error.name} ${error.$metadata.httpStatusCode}`;
  }
}

describe('S3 lifecycle in the model', () => {
  it('moves an object through the classes by age, refuses GetObject once GLACIER or DEEP_ARCHIVE, and expires it', async () => {
    // Prepare
    model.createBucket(REGION, 'aging');
    await emu.client().send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: 'aging',
        LifecycleConfiguration: { Rules: archiveRules('exports/') },
      }),
    );
    await emu.client().send(new PutObjectCommand({ Bucket: 'aging', Key: 'exports/a/data.json.gz', Body: 'x' }));
    await emu.client().send(new PutObjectCommand({ Bucket: 'aging', Key: 'elsewhere/b.json', Body: 'y' }));

    // Act: read at each age (days after creation, plus the hours to the next midnight UTC)
    const seen: Record<string, string> = {};
    let at = 0;
    for (const [label, days] of [
      ['day 30, before midnight', 30 * DAY],
      ['day 30, at midnight', 30 * DAY + 14 * 3600],
      ['day 89', 89 * DAY + 14 * 3600],
      ['day 90', 90 * DAY + 14 * 3600],
      ['day 365', 365 * DAY + 14 * 3600],
      ['day 400', 400 * DAY + 14 * 3600],
    ] as const) {
      advance(days - at);
      at = days;
      seen[label] = await read('aging', 'exports/a/data.json.gz');
    }
    const outside = await read('aging', 'elsewhere/b.json');

    // Assess
    expect(seen).toEqual({
      'day 30, before midnight': 'STANDARD',
      'day 30, at midnight': 'STANDARD_IA',
      'day 89': 'STANDARD_IA',
      'day 90': 'InvalidObjectState 403',
      'day 365': 'InvalidObjectState 403',
      'day 400': 'NoSuchKey 404',
    });
    expect(outside).toBe('STANDARD');
  });

  it('names the archived class in the InvalidObjectState error, and keeps GLACIER_IR readable', async () => {
    // Prepare
    model.createBucket(REGION, 'classes');
    model.putBucketLifecycleConfiguration('classes', {
      Rules: [
        {
          ID: 'flexible',
          Filter: { Prefix: 'flexible/' },
          Status: 'Enabled',
          Transitions: [{ StorageClass: 'GLACIER', Days: 1 }],
        },
        {
          ID: 'instant',
          Filter: { Prefix: 'instant/' },
          Status: 'Enabled',
          Transitions: [{ StorageClass: 'GLACIER_IR', Days: 1 }],
        },
      ],
    });
    model.putObject('classes', 'flexible/a', 'a');
    model.putObject('classes', 'instant/b', 'b');
    advance(2 * DAY);

    // Act
    const refused = await failure(emu.client().send(new GetObjectCommand({ Bucket: 'classes', Key: 'flexible/a' })));
    const instant = await read('classes', 'instant/b');

    // Assess
    expect([refused.name, refused.$metadata.httpStatusCode]).toEqual(['InvalidObjectState', 403]);
    expect((refused as S3ServiceException & { StorageClass?: string }).StorageClass).toBe('GLACIER');
    expect(instant).toBe('GLACIER_IR');
  });

  it('returns the rules it was given, and refuses what S3 refuses in a lifecycle configuration', async () => {
    // Prepare
    model.createBucket(REGION, 'checked');
    const put = (Rules: LifecycleRule[]) =>
      emu
        .client()
        .send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'checked', LifecycleConfiguration: { Rules } }));
    const rule = (Transitions: LifecycleRule['Transitions'], Expiration?: number): LifecycleRule => ({
      ID: 'r',
      Filter: { Prefix: '0123/' },
      Status: 'Enabled',
      Transitions,
      ...(Expiration ? { Expiration: { Days: Expiration } } : {}),
    });

    // Act
    const refusals = await Promise.all(
      [
        [rule([{ StorageClass: 'STANDARD_IA', Days: 10 }])],
        [
          rule([
            { StorageClass: 'STANDARD_IA', Days: 30 },
            { StorageClass: 'GLACIER', Days: 45 },
          ]),
        ],
        [
          rule([
            { StorageClass: 'GLACIER', Days: 90 },
            { StorageClass: 'STANDARD_IA', Days: 120 },
          ]),
        ],
        [rule([{ StorageClass: 'GLACIER_IR', Days: 90 }], 90)],
      ].map(async (rules) => (await failure(put(rules))).name),
    );
    await put(archiveRules('0123/'));
    const back = await emu.client().send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'checked' }));

    // Assess
    expect(refusals).toEqual(['InvalidArgument', 'InvalidArgument', 'InvalidArgument', 'InvalidArgument']);
    expect(back.Rules).toEqual(archiveRules('0123/'));
  });
});

describe("the backup bucket's own rules", () => {
  it('takes the rules the stack deploys over the wire and gives them back unchanged', async () => {
    // Prepare
    const config = parsePipelineConfig({});
    const rules = backupBucketLifecycle(config.tiers, config.exportStorage);
    model.createBucket(REGION, 'backups');

    // Act
    await emu
      .client()
      .send(
        new PutBucketLifecycleConfigurationCommand({ Bucket: 'backups', LifecycleConfiguration: { Rules: rules } }),
      );
    const back = await emu.client().send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'backups' }));

    // Assess
    expect(back.Rules).toEqual(rules);
  });
});

describe('DynamoDB ImportTable from an aged export', () => {
  /** A completed export of a table under `prefix`, in a bucket whose exports move to `archiveClass` after 90 days. */
  function exportAgedTo(bucket: string, archiveClass: 'GLACIER' | 'GLACIER_IR') {
    model.createBucket(REGION, bucket);
    model.putBucketLifecycleConfiguration(bucket, {
      Rules: [
        {
          ID: 'exports',
          Filter: { Prefix: 'dynamodb-exports/' },
          Status: 'Enabled',
          Transitions: [{ StorageClass: archiveClass, Days: 90 }],
        },
      ],
    });
    const table = `orders-${bucket}`;
    model.addDynamoTable(REGION, { TableName: table, pitr: true });
    const { ExportDescription } = model.exportTableToPointInTime(REGION, {
      TableArn: model.dynamoTableArn(REGION, table),
      S3Bucket: bucket,
      S3Prefix: `dynamodb-exports/monthly/${table}/run-1`,
    });
    return { table, manifest: ExportDescription.ExportManifest };
  }

  const importFrom = (bucket: string, table: string, manifest: string) =>
    model.importTable(REGION, {
      S3BucketSource: { S3Bucket: bucket, S3KeyPrefix: manifest.replace(/manifest-summary\.json$/, 'data/') },
      InputFormat: 'DYNAMODB_JSON',
      InputCompressionType: 'GZIP',
      TableCreationParameters: {
        TableName: `${table}-restored`,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    }).ImportTableDescription.ImportArn;

  it('fails the import of an export the lifecycle moved to GLACIER, and completes one in GLACIER_IR', () => {
    // Prepare
    const flexible = exportAgedTo('exports-flexible', 'GLACIER');
    const instant = exportAgedTo('exports-instant', 'GLACIER_IR');
    advance(100 * DAY);

    // Act
    const archivedImport = importFrom('exports-flexible', flexible.table, flexible.manifest);
    const instantImport = importFrom('exports-instant', instant.table, instant.manifest);
    advance(DAY);
    const archived = model.describeImport(REGION, { ImportArn: archivedImport }).ImportTableDescription;
    const readable = model.describeImport(REGION, { ImportArn: instantImport }).ImportTableDescription;

    // Assess
    expect(archived).toMatchObject({ ImportStatus: 'FAILED', FailureCode: 'S3InvalidObjectState' });
    expect(archived.FailureMessage).toContain('GLACIER');
    expect(model.hasDynamoTable(REGION, `${flexible.table}-restored`)).toBe(false);
    expect(readable.ImportStatus).toBe('COMPLETED');
  });
});
