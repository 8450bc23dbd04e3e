/** STS GetCallerIdentity: who a run is at the endpoint (the model's account, a local user). */
import { Backend } from './core';
import { defineModelService } from './registry';

export class StsBackend extends Backend {
  getCallerIdentity() {
    return {
      UserId: 'AIDALOCALSANDBOXUSER',
      Account: this.accountId,
      Arn: `arn:aws:iam::${this.accountId}:user/local`,
    };
  }
}

export const stsModel = defineModelService({
  name: 'sts',
  build: (core) => new StsBackend(core),
  operations: ['getCallerIdentity'],
});
