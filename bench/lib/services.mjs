// The services whose processes the bench samples, restarts for profiles and counts in the server side's
// cost of a message: every service the test kit's platform harness starts (its SERVICE_NAMES) but
// outbound, which is not on the path of arriving mail; run.mjs samples it apart, for the sending
// scenario only. Read once the test kit is built (run.mjs builds it first when asked to).
export async function measuredServices() {
  const { SERVICE_NAMES } = await import('@pushmail/testing');
  return SERVICE_NAMES.filter((name) => name !== 'outbound');
}
