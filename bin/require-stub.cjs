// `require('tendril')` on a Node without require() of ES modules (before 20.19 / 22.12):
// tendril is an ES module package. Newer Nodes take the "module-sync" export instead.
throw Object.assign(
  new Error(
    "tendril is an ES module: use `import { Router } from 'tendril'` (or `await import('tendril')` from CommonJS). " +
      `require('tendril') works from Node 20.19 / 22.12 on; this is Node ${process.versions.node}.`,
  ),
  { code: 'ERR_REQUIRE_ESM' },
);
