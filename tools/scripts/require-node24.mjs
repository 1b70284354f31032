// npm runs scripts with node_modules/.bin first on PATH, where `npm ci` puts the Node.js 24 runtime
// this project pins (the node-linux-* packages). Fail early and clearly when that did not happen.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `pushmail needs Node.js 24 or newer; this is ${process.version} (${process.execPath}).\n` +
      'Run `npm ci` first: it installs Node.js 24 into node_modules/.bin, which npm scripts use.\n' +
      'On a platform without a prebuilt node-* package, install Node.js 24 yourself.',
  );
  process.exit(1);
}
