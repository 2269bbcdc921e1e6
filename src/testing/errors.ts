// The error a call throws, for tests that check its type, name and message; fails when nothing is thrown.
export function catchErr(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}
