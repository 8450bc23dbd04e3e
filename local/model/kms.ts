/**
 * KMS: customer keys and their aliases per region, the AWS managed keys (`alias/aws/ebs`, `alias/aws/rds`,
 * `alias/aws/dynamodb`) made on first use, key state (enabled or disabled), and DescribeKey. EC2, AMI and
 * RDS copies ask this backend for a destination key, and every service that encrypts on the caller's
 * behalf (EBS CreateVolume and RunInstances, RDS and Aurora restores, the copies, DynamoDB restores and
 * imports) asks it whether the key may be used: it must exist in that region, be enabled and, for a
 * customer managed key, the caller's IAM policy must allow each action the service performs with it (a
 * pluggable authorizer: the sandbox and the IAM test wire it to the stack's policy; alone, the model
 * allows). Key ids derive from a hash, not the PRNG, so keys never shift a seeded fleet's timings.
 */
import { createHash } from 'node:crypto';
import { AwsApiError, arnPartition, type ModelCore, RegionalBackend, RegionStore, type ServiceApi } from './core';
import { defineModelService } from './registry';

/** How kms answers the core's injected faults (./core.ts ServiceApi): KMS throttles with ThrottlingException. */
export const KMS_API: ServiceApi = {
  name: 'kms',
  throttleCode: 'ThrottlingException',
  throttleStatus: 400,
  internalErrorCode: 'KMSInternalException',
};

/** A KMS key (symmetric, customer managed unless `alias/aws/<service>`), with the aliases that name it. */
export interface KmsKeyModel {
  KeyId: string;
  Arn: string;
  Description: string;
  KeyManager: 'CUSTOMER' | 'AWS';
  aliases: string[];
  creationMs: number;
  /** DisableKey: a disabled key is refused to every use (KeyState `Disabled`). */
  enabled: boolean;
}

/**
 * One key action a service performs on the caller's behalf, as IAM evaluates it: the action, the key,
 * and the request's condition keys (`kms:ViaService`, and `kms:GrantIsForAWSResource` on CreateGrant).
 */
export interface KeyUse {
  region: string;
  keyArn: string;
  action: string;
  keys: Record<string, string>;
}

/** Whether the caller's identity policy allows a key use (the model alone allows every use). */
export type KeyUseAuthorizer = (use: KeyUse) => boolean;

/**
 * What a service does with a customer managed key when it encrypts or decrypts for the caller. The EBS
 * list ("Requirements for Amazon EBS encryption": CreateGrant, Decrypt, DescribeKey,
 * GenerateDataKeyWithoutPlainText, ReEncrypt); RDS uses the same (DESIGN §9). CreateGrant is for an AWS
 * resource: the grant the service makes for itself.
 */
export const KEY_USE_ACTIONS = [
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
] as const;

/** Where a copy whose key the service may not use fails: at once, as soon as it would write a block. */
export const KEY_REFUSED_FAIL_AT = 0.001;

/** Why a service could not use a key: each service surfaces it its own way (an error state, an API error). */
export interface KeyRefusal {
  reason: 'not-found' | 'disabled' | 'access-denied';
  message: string;
}

export interface KmsRegionState {
  /** KMS keys by KeyId, and alias name (`alias/x`) -> KeyId. */
  kmsKeys: Map<string, KmsKeyModel>;
  kmsAliases: Map<string, string>;
}

export class KmsBackend extends RegionalBackend<KmsRegionState> {
  private authorizer: KeyUseAuthorizer = () => true;

  constructor(core: ModelCore) {
    super(core, new RegionStore(() => ({ kmsKeys: new Map(), kmsAliases: new Map() })));
  }

  /** Who decides whether the caller may use a customer managed key (the sandbox: the stack's policy). */
  setKeyUseAuthorizer(authorizer: KeyUseAuthorizer): void {
    this.authorizer = authorizer;
  }

  /** DisableKey / EnableKey by id, ARN or alias: a disabled key refuses every use until enabled again. */
  disableKmsKey(region: string, ref: string): void {
    this.keyState(region, ref, false);
  }

  enableKmsKey(region: string, ref: string): void {
    this.keyState(region, ref, true);
  }

  private keyState(region: string, ref: string, enabled: boolean): void {
    const key = this.findKmsKey(region, ref);
    if (!key) throw new AwsApiError('NotFoundException', `Key '${ref}' does not exist in ${region}`);
    key.enabled = enabled;
  }

  /**
   * Whether `service` may use the key `ref` in `region` for the caller: undefined when it may, else why
   * not. The key must exist in that region (keys are regional) and be enabled. An AWS managed key's
   * policy lets every principal of the account use it through its service; a customer managed key is
   * used only as far as the caller's policy allows each of `actions` (the service's own list; EBS's
   * KEY_USE_ACTIONS by default) through that service.
   */
  keyUseRefusal(
    region: string,
    ref: string,
    service: 'ec2' | 'rds' | 'dynamodb',
    actions: readonly string[] = KEY_USE_ACTIONS,
  ): KeyRefusal | undefined {
    const key = this.findKmsKey(region, ref);
    if (!key) return { reason: 'not-found', message: `KMS key ${ref} does not exist in ${region}.` };
    if (!key.enabled) return { reason: 'disabled', message: `${key.Arn} is disabled.` };
    if (key.KeyManager === 'AWS') return undefined;
    const viaService = `${service}.${region}.amazonaws.com`;
    const denied = actions.find(
      (action) =>
        !this.authorizer({
          region,
          keyArn: key.Arn,
          action,
          keys: {
            'kms:ViaService': viaService,
            ...(action === 'kms:CreateGrant' ? { 'kms:GrantIsForAWSResource': 'true' } : {}),
          },
        }),
    );
    return denied
      ? {
          reason: 'access-denied',
          message: `The caller is not authorized to perform: ${denied} on resource: ${key.Arn} (via ${viaService}): no identity-based policy allows it.`,
        }
      : undefined;
  }

  private kmsArn(region: string, resource: string): string {
    return `arn:${arnPartition(region)}:kms:${region}:${this.accountId}:${resource}`;
  }

  /**
   * A KMS key in a region, named by an alias when given (`backup-dr` or `alias/backup-dr`); given an
   * existing keyId it adds the alias to that key instead. Ids are UUIDs derived from the region and a
   * count, not from the model's PRNG, so adding keys never shifts a seeded fleet's snapshot timings.
   */
  addKmsKey(
    region: string,
    k: { alias?: string; keyId?: string; description?: string } = {},
  ): { KeyId: string; Arn: string } {
    return this.createKmsKey(region, { ...k, manager: 'CUSTOMER' });
  }

  private createKmsKey(
    region: string,
    k: { alias?: string; keyId?: string; description?: string; manager: 'CUSTOMER' | 'AWS' },
  ): KmsKeyModel {
    const r = this.region(region);
    const alias = k.alias === undefined ? undefined : k.alias.startsWith('alias/') ? k.alias : `alias/${k.alias}`;
    if (alias !== undefined) {
      if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(alias))
        throw new AwsApiError('InvalidAliasNameException', `Alias name ${alias} is not valid.`);
      if (alias.startsWith('alias/aws/') && k.manager === 'CUSTOMER')
        throw new AwsApiError('NotAuthorizedException', `Alias names starting with alias/aws/ are reserved.`);
      if (r.kmsAliases.has(alias))
        throw new AwsApiError(
          'AlreadyExistsException',
          `An alias with the name ${this.kmsArn(region, alias)} already exists`,
        );
    }
    const existing = k.keyId ? r.kmsKeys.get(k.keyId) : undefined;
    const hex = createHash('sha256')
      .update(`${this.accountId}/${region}/${r.kmsKeys.size}/${k.keyId ?? alias ?? ''}`)
      .digest('hex');
    const keyId =
      k.keyId ??
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    const key: KmsKeyModel = existing ?? {
      KeyId: keyId,
      Arn: this.kmsArn(region, `key/${keyId}`),
      Description: k.description ?? '',
      KeyManager: k.manager,
      aliases: [],
      creationMs: this.nowMs(),
      enabled: true,
    };
    if (alias !== undefined) {
      key.aliases.push(alias);
      r.kmsAliases.set(alias, key.KeyId);
    }
    r.kmsKeys.set(key.KeyId, key);
    return key;
  }

  /**
   * A key by id, key ARN, alias name or alias ARN, in this region only (a key is regional). AWS managed
   * keys (`alias/aws/ebs`, `alias/aws/rds`, `alias/aws/dynamodb`) exist on first use, as they do in AWS.
   */
  findKmsKey(region: string, ref: string): KmsKeyModel | undefined {
    const r = this.region(region);
    const byAlias = (name: string) => {
      const id = r.kmsAliases.get(name);
      if (id) return r.kmsKeys.get(id);
      const managed = /^alias\/aws\/(ebs|rds|dynamodb)$/.exec(name)?.[1];
      if (!managed) return undefined;
      const what: Record<string, string> = {
        ebs: 'EBS volumes',
        rds: 'RDS database volumes',
        dynamodb: 'DynamoDB tables',
      };
      return this.createKmsKey(region, {
        alias: name,
        manager: 'AWS',
        description: `Default key that protects my ${what[managed]} when no other key is defined`,
      });
    };
    const arn = /^arn:[^:]+:kms:([^:]*):([^:]*):(key|alias)\/(.+)$/.exec(ref);
    if (arn) {
      if (arn[1] !== region || arn[2] !== this.accountId) return undefined;
      return arn[3] === 'key' ? r.kmsKeys.get(arn[4] ?? '') : byAlias(`alias/${arn[4]}`);
    }
    return ref.startsWith('alias/') ? byAlias(ref) : r.kmsKeys.get(ref);
  }

  /** DescribeKey by key id, key ARN, alias name or alias ARN; NotFoundException names what was not found. */
  describeKey(region: string, input: { KeyId?: string }) {
    this.gate(KMS_API, 'DescribeKey');
    const ref = input.KeyId;
    if (!ref)
      throw new AwsApiError(
        'ValidationException',
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
      );
    if (ref.startsWith('arn:') && !/^arn:[^:]+:kms:[^:]*:[^:]*:(key|alias)\/.+$/.test(ref))
      throw new AwsApiError('InvalidArnException', `Invalid arn ${ref}`);
    const key = this.findKmsKey(region, ref);
    if (!key) {
      const isAlias = ref.startsWith('alias/') || /:alias\//.test(ref);
      const arn = ref.startsWith('arn:') ? ref : this.kmsArn(region, isAlias ? ref : `key/${ref}`);
      throw new AwsApiError(
        'NotFoundException',
        isAlias ? `Alias ${arn} is not found.` : `Key '${arn}' does not exist`,
      );
    }
    return {
      KeyMetadata: {
        AWSAccountId: this.accountId,
        KeyId: key.KeyId,
        Arn: key.Arn,
        CreationDate: new Date(key.creationMs),
        Enabled: key.enabled,
        Description: key.Description,
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: key.enabled ? 'Enabled' : 'Disabled',
        Origin: 'AWS_KMS',
        KeyManager: key.KeyManager,
        CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        MultiRegion: false,
      },
    };
  }

  /** The region's keys with their aliases (tests, the runner's report). */
  kmsKeys(region: string) {
    return [...this.region(region).kmsKeys.values()].map((k) => ({ ...k, aliases: [...k.aliases] }));
  }
}

export const kmsModel = defineModelService({
  name: 'kms',
  build: (core) => new KmsBackend(core),
  operations: ['addKmsKey', 'describeKey', 'kmsKeys', 'disableKmsKey', 'enableKmsKey', 'setKeyUseAuthorizer'],
});
