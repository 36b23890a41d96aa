// Environment variables for one step of a test, such as importing an example that reads PORT when it loads.

/** Runs `step` with `env` added to process.env, and puts back what was there before once it settles. */
export async function withEnv<T>(env: Record<string, string>, step: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await step();
  } finally {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
