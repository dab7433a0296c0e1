// Fails fast when the project's scripts do not run on the Node the workspace pins (node_modules/.bin/node).
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`facerec needs Node >= 22 (24 LTS is pinned in package.json); this is ${process.version}. Run through pnpm so node_modules/.bin/node is used.`);
  process.exit(1);
}
console.log(`node ${process.version}`);
