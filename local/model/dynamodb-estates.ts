/**
 * DynamoDB's part of the sandbox's estates (./estate-seeds.ts): the demo's tables, one backed up and one
 * exported to S3 (point-in-time recovery on, chosen with the mode tag), and an untagged one.
 */
import { MODE_TAG } from '../../shared/services/modes';
import type { TypeSeeds } from './estate-seeds';

export const DYNAMODB_ESTATE_SEEDS: readonly TypeSeeds[] = [
  {
    type: 'dynamodb-table',
    demo: {
      tagged: (model, region, tags) =>
        [
          model.addDynamoTable(region, { TableName: 'sessions', sizeBytes: 2 * 1024 ** 3, Tags: tags('sessions') }),
          model.addDynamoTable(region, {
            TableName: 'clickstream',
            sizeBytes: 40 * 1024 ** 3,
            pitr: true,
            Tags: [...tags('clickstream'), { Key: MODE_TAG, Value: 'export' }],
          }),
        ].map((t) => t.TableName),
      untagged: (model, region, tags) => [
        model.addDynamoTable(region, { TableName: 'scratch-cache', Tags: tags('scratch-cache') }).TableName,
      ],
    },
  },
];
