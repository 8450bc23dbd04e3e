/**
 * Whose environment the sandbox's handlers run with. In AWS each stack's Lambdas have their own (region,
 * topic, bucket); here every handler runs in one process, so a recovery stack's executions set theirs on
 * the process before each invocation (RunOptions.env). Two stacks' Lambdas must not run at once: they
 * never do in the game day (the home region is lost first), and an overlap fails loudly instead of
 * letting one stack's handler read the other's variables.
 */
/** The stack whose environment the running handlers have, and how many of them run. */
const activeEnv: { key: string | undefined; inFlight: number } = { key: undefined, inFlight: 0 };

/** Sets a stack's environment for an invocation; returns the release to call when it ends. */
export function enterEnv(env: Record<string, string> | undefined): () => void {
  if (!env) return () => undefined;
  const key = JSON.stringify(env);
  if (activeEnv.inFlight > 0 && activeEnv.key !== key)
    throw new Error(
      `the sandbox runs one stack's Lambdas at a time: a handler of the stack in ${env.AWS_REGION} started while another stack's run`,
    );
  if (activeEnv.key !== key) Object.assign(process.env, env);
  activeEnv.key = key;
  activeEnv.inFlight++;
  return () => {
    activeEnv.inFlight--;
  };
}
