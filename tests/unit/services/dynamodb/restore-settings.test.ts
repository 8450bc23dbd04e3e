/**
 * Restore settings capture for DynamoDB (Discovered.restoreSettings): what an export's restore needs of
 * the table (key schema, attribute definitions, billing and capacity, global secondary indexes, its own
 * KMS key), read from the DescribeTable answer resolve already makes and, in discovery, from one
 * DescribeTable per selected table only, in the shape the import restore's schema parses.
 */
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { ResourceRef } from '../../../../shared/resource';
import { dynamoTableDriver } from '../../../../shared/services/dynamodb/dynamodb-table';
import { dynamodbTableRestoreSettingsSchema } from '../../../../shared/services/dynamodb/table-settings';
import { mockedClient } from '../../../support/driver-harness';
import { ACCOUNT, REGION } from '../../../support/unit-fixtures';

const ddb = mockedClient(DynamoDBClient);

const ref: ResourceRef = {
  arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`,
  type: 'dynamodb-table',
  region: REGION,
  accountId: ACCOUNT,
  id: 'orders',
};

const provisioned: TableDescription = {
  TableName: 'orders',
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'N' },
    { AttributeName: 'email', AttributeType: 'S' },
  ],
  ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 5, NumberOfDecreasesToday: 0 },
  GlobalSecondaryIndexes: [
    {
      IndexName: 'by-email',
      KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['name'] },
      ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 1 },
    },
  ],
  SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k1' },
};

describe('dynamoTableDriver restore settings', () => {
  it('records the table definition from the describe resolve makes, parseable by the restore schema', async () => {
    // Prepare
    ddb.on(DescribeTableCommand).resolves({ Table: provisioned });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });

    // Act
    const found = await dynamoTableDriver.resolve(ref);

    // Assess
    const expected = {
      keySchema: [
        { attributeName: 'pk', keyType: 'HASH' },
        { attributeName: 'sk', keyType: 'RANGE' },
      ],
      attributeDefinitions: [
        { attributeName: 'pk', attributeType: 'S' },
        { attributeName: 'sk', attributeType: 'N' },
        { attributeName: 'email', attributeType: 'S' },
      ],
      billingMode: 'PROVISIONED',
      readCapacityUnits: 10,
      writeCapacityUnits: 5,
      globalSecondaryIndexes: [
        {
          indexName: 'by-email',
          keySchema: [{ attributeName: 'email', keyType: 'HASH' }],
          projectionType: 'INCLUDE',
          nonKeyAttributes: ['name'],
          readCapacityUnits: 2,
          writeCapacityUnits: 1,
        },
      ],
      kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k1',
      localSecondaryIndexes: [],
    };
    expect(found.restoreSettings).toEqual(expected);
    expect(dynamodbTableRestoreSettingsSchema.parse(found.restoreSettings)).toEqual(expected);
    expect(ddb).toHaveReceivedCommandTimes(DescribeTableCommand, 1);
  });

  it('records an on-demand table without capacity, describing in discovery only the tables selected', async () => {
    // Prepare
    ddb.on(ListTablesCommand).resolves({ TableNames: ['orders', 'scratch'] });
    ddb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    ddb.on(ListTagsOfResourceCommand, { ResourceArn: ref.arn }).resolves({ Tags: [{ Key: 'backup', Value: 'true' }] });
    ddb.on(DescribeTableCommand).resolves({
      Table: {
        ...provisioned,
        GlobalSecondaryIndexes: [],
        SSEDescription: undefined,
        BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      },
    });

    // Act
    const [found] = await dynamoTableDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(found?.restoreSettings).toMatchObject({ billingMode: 'PAY_PER_REQUEST', globalSecondaryIndexes: [] });
    expect(found?.restoreSettings).not.toHaveProperty('readCapacityUnits');
    expect(dynamodbTableRestoreSettingsSchema.safeParse(found?.restoreSettings).success).toBe(true);
    expect(ddb).toHaveReceivedCommandTimes(DescribeTableCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(DescribeTableCommand, { TableName: 'orders' });
  });
});
