/**
 * The region-loss game day's estate (issue #19, `npm start -- --game-day`): the demo fleet plus one
 * application, `app=shop`, built the way a real one is: a database in its own DB parameter, option and
 * subnet groups, an Aurora cluster in its own cluster parameter group, an instance backed up as
 * snapshots and one as an AMI, a data volume, a DynamoDB table exported to S3 and one with on-demand
 * backups; in an account with no default VPC (home and DR region alike). The DR region holds what its
 * IaC would have made there beforehand: the application's groups under the same names, a DB subnet
 * group, a subnet and a security group, and the copies' KMS key (fleet.ts `seedDrKey`).
 */

import { MODE_TAG } from '../../shared/services/modes';
import type { RestoreInput } from '../../shared/workflow/restore/restore-plan';
import type { Tag } from '../model/core';
import type { AwsModel } from '../model/index';
import { BACKUP_TAG, DR_REGION, seedDrKey } from './fleet';

/** The tag that names the application the game day restores. */
export const GAME_DAY_APPLICATION = { app: 'shop' } as const;

/** Where the application goes in the DR region: the network and groups its IaC made there. */
export const GAME_DAY_PLACEMENT = {
  subnetId: 'subnet-0a11ce5d2e0f0d001',
  securityGroupIds: ['sg-0a11ce5d2e0f0d002'],
  dbSubnetGroupName: 'shop-dr-private',
  dbParameterGroupName: 'shop-pg16',
  dbClusterParameterGroupName: 'shop-cpg',
} satisfies NonNullable<RestoreInput['placement']>;

export interface GameDayEstate {
  /** The application's resources, by the names an operator knows them by. */
  application: string[];
}

export function seedGameDayEstate(model: AwsModel, home: string, dr = DR_REGION): GameDayEstate {
  const tags = (name: string): Tag[] => [
    { Key: 'Name', Value: name },
    BACKUP_TAG,
    ...Object.entries(GAME_DAY_APPLICATION).map(([Key, Value]) => ({ Key, Value })),
  ];
  // No default VPC anywhere: a restore that names no subnet (group) is refused, as in such an account.
  model.removeDefaultVpc(home);
  model.removeDefaultVpc(dr);
  model.addDbInstance(home, {
    DBInstanceIdentifier: 'shop-orders',
    AllocatedStorage: 100,
    TagList: tags('shop-orders'),
    DBSubnetGroupName: 'shop-private',
    DBParameterGroupName: 'shop-pg16',
    OptionGroupName: 'shop-options',
  });
  model.addDbCluster(home, {
    DBClusterIdentifier: 'shop-ledger',
    volumeGiB: 50,
    TagList: tags('shop-ledger'),
    DBSubnetGroupName: 'shop-private',
    DBClusterParameterGroupName: 'shop-cpg',
  });
  model.addInstance(home, { Tags: tags('shop-web'), volumes: [{ Size: 20 }, { Size: 50 }] });
  model.addInstance(home, { Tags: [...tags('shop-app'), { Key: MODE_TAG, Value: 'ami' }], volumes: [{ Size: 30 }] });
  model.addVolume(home, { Size: 100, Tags: tags('shop-media') });
  model.addDynamoTable(home, {
    TableName: 'shop-events',
    sizeBytes: 2 * 1024 ** 3,
    pitr: true,
    Tags: [...tags('shop-events'), { Key: MODE_TAG, Value: 'export' }],
  });
  model.addDynamoTable(home, { TableName: 'shop-carts', sizeBytes: 1024 ** 3, Tags: tags('shop-carts') });
  // The DR region's side, made by the operator's IaC before the day: the same-named groups (regional
  // names: a copy's option group and a restore's groups must exist there), a DB subnet group, the key.
  model.addOptionGroup(dr, 'shop-options');
  model.addDbParameterGroup(dr, GAME_DAY_PLACEMENT.dbParameterGroupName);
  model.addDbClusterParameterGroup(dr, GAME_DAY_PLACEMENT.dbClusterParameterGroupName);
  model.addDbSubnetGroup(dr, GAME_DAY_PLACEMENT.dbSubnetGroupName);
  seedDrKey(model, dr);
  return {
    application: ['shop-orders', 'shop-ledger', 'shop-web', 'shop-app', 'shop-media', 'shop-events', 'shop-carts'],
  };
}
