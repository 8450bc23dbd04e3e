/**
 * Whether a region has a default VPC (EC2 DescribeAccountAttributes `default-vpc`: its id, or `none`).
 * RDS and EC2 place a resource that names no subnet (group) in it; in a region without one such a create
 * fails, so a restore there must name its own (restore Plan asks, drivers' checkPlacement).
 */
import { DescribeAccountAttributesCommand } from '@aws-sdk/client-ec2';
import { aws } from '../../errors';
import { ec2Client } from './client';

export async function hasDefaultVpc(region: string): Promise<boolean> {
  const out = await aws(`EC2 DescribeAccountAttributes default-vpc in ${region}`, () =>
    ec2Client(region).send(new DescribeAccountAttributesCommand({ AttributeNames: ['default-vpc'] })),
  );
  const value = out.AccountAttributes?.find((a) => a.AttributeName === 'default-vpc')?.AttributeValues?.[0]
    ?.AttributeValue;
  return value !== undefined && value !== 'none';
}
