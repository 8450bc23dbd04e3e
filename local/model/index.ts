/**
 * The in-memory AWS model the local emulator (wire protocols in local/emulator) and the workflow tests'
 * SDK mocks both answer from: one model, two ways in. As moto's `backends.py` lists one backend per
 * service, this file lists the service modules of local/model, one line per service in `MODEL_SERVICES`,
 * and builds the model from them over one core (account, clock, PRNG and ids, faults, the throttling
 * gate). Each module declares itself (`defineModelService`, registry.ts): the backends it needs, the
 * operations it answers on the model itself (`model.createSnapshot(...)`, the shape every caller uses),
 * the state it shows there, its limits, and the hooks the model asks (when a backup finished, copies in
 * progress). The model's type is derived from the list. Adding a resource type is one service module,
 * its name on its service's line here, and one emulator module.
 *
 * It models what the workflow must survive (DESIGN §9): snapshots that take size-based time with
 * non-linear progress, failures, the pending-snapshot and per-volume limits, one RDS snapshot per
 * instance, the 100 manual RDS snapshots quota, stopped instances, token-bucket throttling, tags and
 * tag filters, pagination and regions. Inputs and outputs use the AWS SDK's shapes.
 */
import type { Clock } from '../../shared/clock';
import { type CoreOptions, type Faults, ModelCore } from './core';
import { dynamoDbModel } from './dynamodb';
import { dynamoRestoreModel } from './dynamodb-restore';
import { ec2Model } from './ec2';
import { amiModel } from './ec2-images';
import { regionsModel } from './ec2-regions';
import { ec2RestoreModel } from './ec2-restore';
import { elasticacheModel } from './elasticache';
import { elasticacheRestoreModel } from './elasticache-restore';
import { eventsModel } from './events';
import { kmsModel } from './kms';
import { lambdaModel } from './lambda';
import { rdsModel } from './rds';
import { auroraModel } from './rds-aurora';
import { auroraRestoreModel } from './rds-aurora-restore';
import { rdsGroupModel } from './rds-groups';
import { rdsRestoreModel } from './rds-restore';
import { dbSubnetGroupModel } from './rds-subnet-groups';
import { redshiftModel } from './redshift';
import { redshiftRestoreModel } from './redshift-restore';
import { buildServices, type FacadeOf, type LimitsOf, type ModelService, type ServicesOf } from './registry';
import { s3Model } from './s3';
import { s3BucketsModel, s3JobsModel } from './s3-jobs';
import { s3RestoreModel } from './s3-restore';
import { snsModel } from './sns';
import { stsModel } from './sts';

export * from './core';
export type { BusEvent } from './events';
export type { KeyUse, KeyUseAuthorizer, KmsKeyModel } from './kms';
export { type RdsFilter, wildcard } from './query';
export { defineModelService, type ModelService, type ServiceHooks } from './registry';
export { SNS_MAX_MESSAGE_BYTES, type SnsMessage } from './sns';

/**
 * The model's services, one line per AWS service (its modules, each built after the backends it needs).
 * The order is the order the hooks are asked in: the first service that knows an id answers.
 */
const MODEL_SERVICES = [
  [ec2Model, amiModel, regionsModel, ec2RestoreModel],
  [rdsModel, auroraModel, dbSubnetGroupModel, rdsGroupModel, rdsRestoreModel, auroraRestoreModel],
  [dynamoDbModel, dynamoRestoreModel],
  [kmsModel],
  [snsModel],
  [lambdaModel],
  [eventsModel],
  [s3Model, s3BucketsModel, s3JobsModel, s3RestoreModel],
  [stsModel],
  [redshiftModel, redshiftRestoreModel],
  [elasticacheModel, elasticacheRestoreModel],
] as const;

type Registered = (typeof MODEL_SERVICES)[number][number];
const REGISTERED: readonly ModelService[] = MODEL_SERVICES.flat();

/** The service backends by registry name; a backend another needs is passed to it explicitly. */
export type Services = ServicesOf<Registered>;
/** Every service's limits (each declared by its module with AWS's default); options may override any. */
export type Limits = LimitsOf<Registered>;
export type ModelOptions = Omit<CoreOptions, 'limits'> & { limits?: Partial<Limits> };

/** AWS's defaults of every service's limits. */
export const AWS_LIMITS: Readonly<Limits> = Object.assign({}, ...REGISTERED.map((s) => s.limits));

class ModelFacade {
  readonly core: ModelCore;
  readonly services: Services;

  constructor(options: ModelOptions) {
    this.core = new ModelCore(options);
    for (const service of REGISTERED) this.core.limitsOf(service.limits);
    const backends = buildServices(this.core, REGISTERED);
    this.services = backends as Services;
    const self = this as unknown as Record<string, unknown>;
    // One owner per operation name: a second service declaring one (EC2's and Redshift's createTags) would
    // silently answer the first's callers with its own state.
    const owners = new Map<PropertyKey, string>();
    for (const service of REGISTERED)
      for (const name of service.operations) {
        const owner = owners.get(name);
        if (owner) throw new Error(`model operation ${String(name)} is declared by ${owner} and ${service.name}`);
        owners.set(name, service.name);
      }
    for (const service of REGISTERED) {
      const backend = backends[service.name] as Record<PropertyKey, unknown>;
      // Own, writable properties: a test may jest.spyOn(model, 'publish') and the emulator then calls the spy.
      for (const name of service.operations) {
        const operation = backend[name];
        if (typeof operation !== 'function') throw new Error(`${service.name} has no operation ${String(name)}`);
        self[name as string] = operation.bind(backend);
      }
      for (const [name, field] of Object.entries(service.views))
        Object.defineProperty(this, name, { get: () => backend[field], enumerable: true, configurable: true });
    }
  }

  get accountId(): string {
    return this.core.accountId;
  }
  get clock(): Clock {
    return this.core.clock;
  }
  get random(): () => number {
    return this.core.random;
  }
  get faults(): Faults {
    return this.core.faults;
  }
  get limits(): Limits {
    return this.core.limits as Limits;
  }
  get enabledRegions(): readonly string[] {
    return this.core.enabledRegions;
  }
  /** Calls by operation name ("ec2:CreateSnapshots"), including throttled ones. */
  get calls(): Map<string, number> {
    return this.core.calls;
  }

  /** Copies still in progress into a destination region, per service (each has its own limit), by its name. */
  copiesInProgress(region: string): Readonly<Record<string, number>> {
    return Object.fromEntries(
      REGISTERED.flatMap((s) => {
        const count = s.hooks.copiesInProgress?.(this.backend(s), region);
        return count === undefined ? [] : [[s.name, count]];
      }),
    );
  }

  /** When a backup finished (or failed) in model time: the bench's detection latency needs it. */
  finishedAtMs(region: string, id: string): number | undefined {
    return this.ask((s) => s.hooks.finishedAtMs?.(this.backend(s), region, id));
  }

  /** How long a snapshot takes from start to completion, in model time. */
  durationMs(region: string, id: string): number | undefined {
    return this.ask((s) => s.hooks.durationMs?.(this.backend(s), region, id));
  }

  /** The first service's answer, in registry order. */
  private ask(hook: (service: ModelService) => number | undefined): number | undefined {
    for (const service of REGISTERED) {
      const answer = hook(service);
      if (answer !== undefined) return answer;
    }
    return undefined;
  }

  private backend(service: ModelService): object {
    return (this.services as unknown as Record<string, object>)[service.name] as object;
  }
}

/** The model: its core's views, the hooks' answers, and every registered service's operations and views. */
export type AwsModel = ModelFacade & FacadeOf<Registered>;
export const AwsModel = ModelFacade as new (options: ModelOptions) => AwsModel;
