/**
 * A variable the integration and end-to-end tests need (the shared broker and database); a
 * missing one fails the suite naming it.
 */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set for the integration and end-to-end tests`);
  return value;
}
