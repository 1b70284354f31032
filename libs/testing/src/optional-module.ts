/**
 * Imports a package the kit needs only for one runtime (testcontainers, where a Docker engine is),
 * when that runtime is asked for, so that the other never loads it and a repository using the kit
 * without it still runs on processes. When the package itself is missing, the error
 * names it and the command that installs it; any other failure (a broken install, a missing
 * dependency of the package) is passed on as it is.
 */
export async function importOptional<T>(
  name: string,
  { purpose, install = [name] }: { purpose: string; install?: string[] },
): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const message = error instanceof Error ? error.message : '';
    if (code !== 'ERR_MODULE_NOT_FOUND' || !message.includes(`'${name}'`)) throw error;
    throw new Error(
      `${purpose} needs the package ${name}, which is not installed: run ` +
        `\`npm install --no-save ${install.join(' ')}\`, or set PUSHMAIL_TEST_RUNTIME=processes to ` +
        'run the services as local processes.',
      { cause: error },
    );
  }
}
