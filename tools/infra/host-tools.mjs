// The programs pushmail runs beside Node: a JDK and Maven for the locally run Kafka broker, Chromium
// for the console's end-to-end tests, libwbxml's converters to cross-check the ActiveSync codec,
// Postfix and Dovecot for the benchmark's classic-stack baseline. They are found on PATH (daemons
// that live outside it, by their Debian path); where one is missing and this is a
// Debian machine run as root (a fresh development machine, CI), it is installed from Debian's
// packages, so `npm start` and `npm test` need no setup step of their own. Anywhere else the error
// names the package to install. PUSHMAIL_NO_APT=1 turns the installing off.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import { defaultLog } from './common.mjs';

/** What each tool is called on PATH and which Debian package brings it. */
export const HOST_TOOLS = {
  java: { commands: ['java'], debianPackage: 'default-jdk-headless', purpose: 'the local Kafka broker' },
  mvn: { commands: ['mvn'], debianPackage: 'maven', purpose: 'fetching Kafka from Maven Central' },
  chromium: {
    commands: ['chromium', 'chromium-browser', 'google-chrome'],
    debianPackage: 'chromium',
    purpose: "the console's end-to-end tests",
  },
  // An independent WBXML implementation; both of its converters are needed, so `all` is set.
  wbxml: {
    commands: ['wbxml2xml', 'xml2wbxml'],
    all: true,
    debianPackage: 'libwbxml2-utils',
    purpose: "the ActiveSync codec's cross-check",
  },
  // Installed unconfigured: the package must not set up and start a system mail server on port 25;
  // the benchmark runs its own instance from a private configuration directory.
  postfix: {
    commands: ['postconf'],
    files: ['/usr/lib/postfix/sbin/master'],
    debianPackage: 'postfix',
    preseed: 'postfix postfix/main_mailer_type select No configuration',
    purpose: "the benchmark's classic-stack baseline (SMTP)",
  },
  'dovecot-imap': {
    commands: ['dovecot'],
    files: ['/usr/lib/dovecot/imap'],
    debianPackage: 'dovecot-imapd',
    purpose: "the benchmark's classic-stack baseline (IMAP IDLE)",
  },
  'dovecot-lmtp': {
    commands: ['dovecot'],
    files: ['/usr/lib/dovecot/lmtp'],
    debianPackage: 'dovecot-lmtpd',
    purpose: "the benchmark's classic-stack baseline (LMTP delivery)",
  },
};

/** The absolute path of `command` on PATH, or undefined. */
export function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${command}`)) return `${dir}/${command}`;
  }
  return undefined;
}

function locate(name) {
  if (name === 'java' && process.env.JAVA_HOME) {
    const java = `${process.env.JAVA_HOME}/bin/java`;
    if (existsSync(java)) return java;
  }
  if (name === 'chromium' && process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH)) {
    return process.env.CHROMIUM_PATH;
  }
  const tool = HOST_TOOLS[name];
  if (tool.files?.some((file) => !existsSync(file))) return undefined;
  if (tool.all) {
    const found = tool.commands.map((command) => onPath(command));
    return found.every((path) => path !== undefined) ? found[0] : undefined;
  }
  for (const command of tool.commands) {
    const found = onPath(command);
    if (found) return found;
  }
  return undefined;
}

const canInstall = () =>
  process.env.PUSHMAIL_NO_APT !== '1' && process.getuid?.() === 0 && onPath('apt-get') !== undefined;

let aptUpdated = false;

/**
 * The path of each named tool, installing the missing ones from Debian's packages where that is
 * possible. Throws, naming the packages, where it is not.
 *
 * @param {Array<keyof typeof HOST_TOOLS>} names
 * @param {{ log?: (message: string) => void }} [options]
 * @returns {Record<string, string>}
 */
export function ensureHostTools(names, { log = defaultLog } = {}) {
  const missing = names.filter((name) => locate(name) === undefined);
  if (missing.length > 0) {
    const packages = missing.map((name) => HOST_TOOLS[name].debianPackage);
    const needs = missing.map((name) => `${name} (${HOST_TOOLS[name].purpose})`).join(', ');
    if (!canInstall()) {
      throw new Error(
        `missing ${needs}: install ${packages.join(' ')} (on Debian: apt-get install ${packages.join(' ')})`,
      );
    }
    log(`installing ${packages.join(' ')} from Debian's packages for ${needs}`);
    const apt = (args) =>
      execFileSync('apt-get', args, {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    const preseeds = missing.map((name) => HOST_TOOLS[name].preseed).filter(Boolean);
    if (preseeds.length > 0) {
      execFileSync('debconf-set-selections', {
        input: `${preseeds.join('\n')}\n`,
        stdio: ['pipe', 'ignore', 'inherit'],
      });
    }
    if (!aptUpdated) {
      apt(['update', '-qq']);
      aptUpdated = true;
    }
    apt(['install', '-y', '-qq', ...packages]);
  }
  const paths = {};
  for (const name of names) {
    const found = locate(name);
    if (!found)
      throw new Error(`${name} is still missing after installing ${HOST_TOOLS[name].debianPackage}`);
    paths[name] = found;
  }
  return paths;
}
