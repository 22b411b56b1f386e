// Context ids come from the master, in blocks, so a context can start children of its own
// without a round trip for each.
import { ALLOCATE_ID } from '../wire/protocol.js';
import { parseAllocateIdReply } from '../handles/allocate-id.js';
import { MALFORMED } from '../handles/reserved-handle.js';
import type { CoreRouter } from './router.js';

export const ID_BLOCK_SIZE = 64;

export class IdAllocator {
  private next = 0;
  private end = 0;
  private pending: Promise<void> | null = null;

  constructor(private readonly router: CoreRouter) {}

  async allocate(): Promise<number> {
    while (this.next >= this.end) {
      this.pending ??= this.refill().finally(() => {
        this.pending = null;
      });
      await this.pending;
    }
    return this.next++;
  }

  private async refill(): Promise<void> {
    const reply = parseAllocateIdReply(await this.router.contextFor(0, 'master').sendAwait({ handle: ALLOCATE_ID, data: ID_BLOCK_SIZE }));
    if (reply === MALFORMED) throw new Error('malformed ALLOCATE_ID reply');
    this.next = reply[0];
    this.end = reply[0] + reply[1];
  }
}
