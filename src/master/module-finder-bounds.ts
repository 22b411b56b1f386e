// The module finder's caches are maps bounded by count: the oldest-used entry goes first once
// a map is full. A map keeps insertion order, so re-inserting on use makes it least-recently used.

/** Entries each cache of the finder keeps at most (graphs, misses, transpiled files). */
export const FINDER_CACHE_LIMIT = 4096;

/** Sets `key` as the newest entry of `map`, dropping the oldest beyond `limit`. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, limit = FINDER_CACHE_LIMIT): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

/** Marks `key` as just used (when present). */
export function touch<K, V>(map: Map<K, V>, key: K): V | undefined {
  const v = map.get(key);
  if (v !== undefined) {
    map.delete(key);
    map.set(key, v);
  }
  return v;
}
