// Finds the kustomize that renders k8s/: the standalone `kustomize` or the one built into `kubectl`
// (`kubectl kustomize`), whichever is on PATH and new enough. The kustomizations use fields of
// kustomize 5 (`labels` with `includeTemplates`), which older builds refuse.
import { execFileSync } from 'node:child_process';

const MINIMUM_MAJOR = 5;

export const KUSTOMIZE_INSTALL_HINT =
  'install kubectl 1.27 or newer (its `kubectl kustomize` is kustomize 5) or the standalone kustomize 5, ' +
  'for instance `apt-get install kubernetes-client` on a Debian release that ships kubectl 1.27 or newer ' +
  "(Debian 12's kubernetes-client is kubectl 1.20, too old)";

function output(command, args) {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    });
  } catch {
    return undefined;
  }
}

const majorOf = (version) => Number(/v?(\d+)\.\d+/.exec(version ?? '')?.[1] ?? NaN);

/** The candidates on PATH, each with the kustomize version it reports (undefined: too old to say). */
function candidates() {
  const found = [];
  const standalone = output('kustomize', ['version']);
  if (standalone !== undefined) {
    // kustomize 5 prints `v5.5.0`; kustomize 4 a struct with `Version:kustomize/v4.5.4`.
    const version = /v\d+\.\d+\.\d+/.exec(standalone)?.[0];
    found.push({ command: 'kustomize', args: ['build'], label: 'kustomize', version });
  }
  const kubectl = output('kubectl', ['version', '--client', '-o', 'json']);
  if (kubectl !== undefined) {
    let parsed = {};
    try {
      parsed = JSON.parse(kubectl);
    } catch {
      // Not the kubectl this looks for.
    }
    const client = parsed.clientVersion?.gitVersion ?? 'unknown version';
    found.push({
      command: 'kubectl',
      args: ['kustomize'],
      label: `kubectl ${client}`,
      version: parsed.kustomizeVersion,
    });
  }
  return found;
}

let cached;

/**
 * The command that renders a kustomization directory (append the directory to `args`). Throws with
 * what was found and how to install a suitable one when nothing on PATH will do.
 */
export function findKustomize() {
  if (cached) return cached;
  const found = candidates();
  const usable = found.find((candidate) => majorOf(candidate.version) >= MINIMUM_MAJOR);
  if (usable) {
    cached = { command: usable.command, args: usable.args, version: usable.version };
    return cached;
  }
  const seen =
    found.length === 0
      ? 'neither kustomize nor kubectl is on PATH'
      : found
          .map(
            (candidate) =>
              `${candidate.label} has kustomize ${candidate.version ?? 'too old to report its version'}`,
          )
          .join('; ');
  throw new Error(
    `The Kubernetes manifests are rendered with kustomize ${MINIMUM_MAJOR} or newer, and ${seen}: ${KUSTOMIZE_INSTALL_HINT}.`,
  );
}
