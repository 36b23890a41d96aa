/**
 * Polls `read` until it returns `expected` (compared as JSON) or `ms` pass, and returns what it read last: for what
 * a server records a moment after the client sees the response, or another process ships a moment later.
 */
export async function eventually<T>(read: () => Promise<T>, expected: T, ms = 2000): Promise<T> {
  const end = Date.now() + ms;
  let value = await read();
  while (JSON.stringify(value) !== JSON.stringify(expected) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    value = await read();
  }
  return value;
}
