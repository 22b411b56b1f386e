/**
 * The error `p` rejects with; throws (failing the test) when it resolves instead. Typed `any`
 * so tests can read error fields (`remoteStack`, `reason`) after asserting the class.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function rejectionOf(p: Promise<unknown>): Promise<any> {
  let value: unknown;
  try {
    value = await p;
  } catch (e) {
    return e;
  }
  throw new Error(`expected a rejection, but it resolved with ${JSON.stringify(value)?.slice(0, 200)}`);
}
