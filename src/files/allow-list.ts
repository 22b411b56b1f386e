// router.files.allow(): which paths a get may read. No imports: it runs in children too.

/** True when `path` is one of `allowed` or below one of them (null: everything is allowed). */
export function isAllowed(path: string, allowed: readonly string[] | null): boolean {
  if (allowed === null) return true;
  if (path.split('/').includes('..')) return false;
  return allowed.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
}
