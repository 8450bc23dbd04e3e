/**
 * DynamoDB's part of the sandbox's estates (./estate-seeds.ts): the demo's tables, one backed up and one
 * exported to S3 (point-in-time recovery on, chosen with the mode tag), and an untagged one.
 */
import { MODE_TAG } from '../../shared/services/modes';
import type { Tag } from './core';
import type { TypeSeeds } from './estate-seeds';

/**
 * The model's operation DynamoDB's seeds call (the facade answers it: ./estate-seeds.ts), with the fields
 * they set (its table model lives in ./dynamodb.ts, which imports this module).
 */
export interface DynamoDbSeedOps {
  addDynamoTable(
    region: string,
    seed: { TableName: string; sizeBytes?: number; pitr?: boolean; Tags?: Tag[] },
  ): { TableName: string };
}

export const DYNAMODB_ESTATE_SEEDS: readonly TypeSeeds<DynamoDbSeedOps>[] = [
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
