/**
 * A promise and the function that resolves it: for a test that waits until a server has reached a point (a request
 * arrived, a response closed), or that holds a handler until it lets it go on.
 */
export function signal(): { reached: Promise<void>; reach: () => void } {
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  return { reached, reach };
}
