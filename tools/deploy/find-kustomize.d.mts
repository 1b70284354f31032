export const KUSTOMIZE_INSTALL_HINT: string;

/**
 * The command that renders a kustomization directory (append the directory to `args`): kustomize 5
 * or newer, standalone or built into kubectl. Throws, naming what to install, when none is on PATH.
 */
export function findKustomize(): { command: string; args: string[]; version: string };
