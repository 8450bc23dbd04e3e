/** Redshift's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import type { RestoreDriver } from '../restore';
import { redshiftClusterDriver } from './redshift-cluster';
import { redshiftClusterRestore } from './redshift-cluster-restore';

export const redshiftDrivers: readonly ResourceDriver[] = [redshiftClusterDriver];

/** Its restore drivers, one per (type, kind of backup). */
export const redshiftRestoreDrivers: readonly RestoreDriver[] = [redshiftClusterRestore];
