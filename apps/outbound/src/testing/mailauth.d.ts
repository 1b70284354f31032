// mailauth ships no types; the tests use its DKIM verifier only.
declare module 'mailauth/lib/dkim/verify.js' {
  export function dkimVerify(
    input: Buffer,
    options: { resolver: (name: string, type: string) => Promise<string[][]> },
  ): Promise<{ results: Array<{ status: { result: string; comment?: string }; signingDomain: string }> }>;
}
