/** ElastiCache's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import type { RestoreDriver } from '../restore';
import { replicationGroupDriver } from './replication-group';
import { replicationGroupRestore } from './replication-group-restore';

export const elasticacheDrivers: readonly ResourceDriver[] = [replicationGroupDriver];

/** Its restore drivers, one per (type, kind of backup). */
export const elasticacheRestoreDrivers: readonly RestoreDriver[] = [replicationGroupRestore];
