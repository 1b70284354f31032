/**
 * A variable the suite cannot run without (the broker and database of a shared test setup);
 * missing, it stops the suite at once with the variable's name.
 */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} must be set: run the suites with \`npm test\` (or \`npm run test:faults\`), which starts Kafka and Postgres`,
    );
  return value;
}
