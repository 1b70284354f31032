/**
 * What of an error may reach a log line. Database errors carry the query parameters (password
 * hashes, token digests) as enumerable properties, which a generic error serializer would print.
 */
export function describeError(error: unknown): { type: string; message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      type: error.name,
      message: error.message.slice(0, 500),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { type: typeof error, message: 'non-error value thrown' };
}
