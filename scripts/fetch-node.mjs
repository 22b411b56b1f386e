#!/usr/bin/env node
// Makes real Node binaries of other versions available for target tests, under
// .cache/node/<version>/bin/node in the repository root. Each comes from the registry
// package node-<platform>-<arch>@<version> (a plain tarball holding package/bin/node),
// fetched with `npm pack` into a temporary directory and unpacked with `tar`.
//
//   node scripts/fetch-node.mjs                 # the default versions
//   node scripts/fetch-node.mjs 20.11.1 18.20.8 # these instead
//
// Idempotent: a version whose binary is present and answers `--version` correctly is
// skipped. Keep DEFAULT_VERSIONS in sync with test/support/node-versions.ts.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// 14 is there to prove a too-old target is refused with a clear error.
const DEFAULT_VERSIONS = ['14.21.3', '16.20.2', '18.20.8', '22.23.3'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.cache', 'node');

class Failure extends Error {}

function binaryPath(version) {
  return join(cacheDir, version, 'bin', 'node');
}

/** The version a binary reports, or null if it does not run. */
function reportedVersion(path) {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }).trim();
  } catch {
    return null;
  }
}

function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  } catch (e) {
    const detail = (e.stderr || e.stdout || e.message || '').toString().trim().split('\n').slice(-8).join('\n  ');
    throw new Failure(`\`${command} ${args.join(' ')}\` failed${e.status != null ? ` (exit ${e.status})` : ''}:\n  ${detail}`);
  }
}

function fetchVersion(version, pkgName) {
  const target = binaryPath(version);
  if (existsSync(target)) {
    const got = reportedVersion(target);
    if (got === `v${version}`) {
      console.log(`node ${version}: present at ${target}`);
      return;
    }
    console.log(`node ${version}: ${target} is broken (reports ${got ?? 'nothing'}), fetching again`);
  }

  const tmp = mkdtempSync(join(tmpdir(), `tendril-node-${version}-`));
  try {
    const spec = `${pkgName}@${version}`;
    console.log(`node ${version}: npm pack ${spec} ...`);
    const started = Date.now();
    run('npm', ['pack', spec, '--loglevel=error', '--no-fund', '--no-audit'], tmp);
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Failure(`npm pack ${spec} produced no tarball in ${tmp}`);
    run('tar', ['-xzf', tarball, 'package/bin/node'], tmp);
    const unpacked = join(tmp, 'package', 'bin', 'node');
    if (!existsSync(unpacked)) throw new Failure(`${tarball} has no package/bin/node`);
    chmodSync(unpacked, 0o755);
    const got = reportedVersion(unpacked);
    if (got !== `v${version}`) {
      throw new Failure(`the binary from ${spec} reports ${got ?? 'nothing (it does not run here)'}, expected v${version}`);
    }
    // Move into place atomically: a concurrent run never sees half a binary.
    mkdirSync(dirname(target), { recursive: true });
    const staging = `${target}.${process.pid}.tmp`;
    execFileSync('cp', [unpacked, staging]);
    chmodSync(staging, 0o755);
    renameSync(staging, target);
    console.log(`node ${version}: installed ${target} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function main() {
  const versions = process.argv.slice(2);
  const wanted = versions.length ? versions : DEFAULT_VERSIONS;
  for (const v of wanted) {
    if (!/^\d+\.\d+\.\d+$/.test(v)) throw new Failure(`'${v}' is not a Node version (expected e.g. 18.20.8)`);
  }
  const platforms = { linux: 'linux', darwin: 'darwin' };
  const arches = { x64: 'x64', arm64: 'arm64' };
  if (!platforms[process.platform] || !arches[process.arch]) {
    throw new Failure(`no node-<platform>-<arch> package for ${process.platform}-${process.arch}`);
  }
  const pkgName = `node-${platforms[process.platform]}-${arches[process.arch]}`;
  const failed = [];
  for (const version of wanted) {
    try {
      fetchVersion(version, pkgName);
    } catch (e) {
      if (!(e instanceof Failure)) throw e;
      console.error(`node ${version}: FAILED: ${e.message}`);
      failed.push(version);
    }
  }
  if (failed.length) {
    throw new Failure(`could not fetch node ${failed.join(', ')} (see above)`);
  }
}

try {
  main();
} catch (e) {
  console.error(`fetch-node: ${e instanceof Failure ? e.message : e?.stack ?? e}`);
  process.exitCode = 1;
}
