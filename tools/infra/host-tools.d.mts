export interface HostTool {
  /** The names on PATH; any one of them will do, unless `all` says each is needed. */
  commands: string[];
  all?: boolean;
  /** Absolute paths that must exist too (daemons that live outside PATH). */
  files?: string[];
  debianPackage: string;
  /** A debconf answer given before installing (`debconf-set-selections` line). */
  preseed?: string;
  purpose: string;
}
export declare const HOST_TOOLS: Record<
  'java' | 'mvn' | 'chromium' | 'wbxml' | 'postfix' | 'dovecot-imap' | 'dovecot-lmtp',
  HostTool
>;
export declare function onPath(command: string): string | undefined;
export declare function ensureHostTools(
  names: Array<keyof typeof HOST_TOOLS>,
  options?: { log?: (message: string) => void },
): Record<string, string>;
