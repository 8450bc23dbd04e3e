/**
 * The sandbox's one error a user can act on (a port in use, an unreachable endpoint, a bad --fleet):
 * the CLI prints its message alone, without a stack. Apart from local/sandbox.ts so the CLI's program
 * definition can name it without loading the sandbox.
 */
export class SandboxError extends Error {
  override name = 'SandboxError';
}
