/**
 * KMS: customer keys and their aliases per region, the AWS managed keys (`alias/aws/ebs`, `alias/aws/rds`)
 * made on first use, and DescribeKey. EC2, AMI and RDS copies ask this backend for a destination key.
 * Key ids derive from a hash, not the PRNG, so keys never shift a seeded fleet's timings.
 */
import { createHash } from 'node:crypto';
import { AwsApiError, arnPartition, type ModelCore, RegionalBackend, RegionStore } from './core';

/** A KMS key (symmetric, customer managed unless `alias/aws/<service>`), with the aliases that name it. */
export interface KmsKeyModel {
  KeyId: string;
  Arn: string;
  Description: string;
  KeyManager: 'CUSTOMER' | 'AWS';
  aliases: string[];
  creationMs: number;
}

export interface KmsRegionState {
  /** KMS keys by KeyId, and alias name (`alias/x`) -> KeyId. */
  kmsKeys: Map<string, KmsKeyModel>;
  kmsAliases: Map<string, string>;
}

export class KmsBackend extends RegionalBackend<KmsRegionState> {
  constructor(core: ModelCore) {
    super(core, new RegionStore(() => ({ kmsKeys: new Map(), kmsAliases: new Map() })));
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
   * keys (`alias/aws/ebs`, `alias/aws/rds`) exist on first use, as they do in AWS.
   */
  findKmsKey(region: string, ref: string): KmsKeyModel | undefined {
    const r = this.region(region);
    const byAlias = (name: string) => {
      const id = r.kmsAliases.get(name);
      if (id) return r.kmsKeys.get(id);
      const managed = /^alias\/aws\/(ebs|rds)$/.exec(name)?.[1];
      if (!managed) return undefined;
      const what = managed === 'ebs' ? 'EBS volumes' : 'RDS database volumes';
      return this.createKmsKey(region, {
        alias: name,
        manager: 'AWS',
        description: `Default key that protects my ${what} when no other key is defined`,
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
    this.gate('kms', 'DescribeKey');
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
        Enabled: true,
        Description: key.Description,
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
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
