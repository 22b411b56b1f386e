// Disk usage of the file system holding a path, like `df -h`.
import { statfs } from 'node:fs/promises';

export interface Disk {
  path: string;
  sizeGiB: number;
  freeGiB: number;
  usedPercent: number;
}

const GiB = 2 ** 30;

export async function disk(path: string): Promise<Disk> {
  const s = await statfs(path);
  const size = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  return {
    path,
    sizeGiB: Math.round((size / GiB) * 10) / 10,
    freeGiB: Math.round((free / GiB) * 10) / 10,
    usedPercent: size === 0 ? 0 : Math.round((1 - free / size) * 100),
  };
}
