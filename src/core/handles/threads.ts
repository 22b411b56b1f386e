// Which thread of a child a frame for this context belongs to, from the table: the broker
// hands dispatcher frames over and the dispatcher hands the rest back. Runs once per frame
// delivered in a child, so it is an indexed read, no allocation.
import { FIRST_DISPATCHER_HANDLE, FIRST_USER_HANDLE } from '../wire/protocol.js';
import { RESERVED_HANDLES } from './index.js';

const reservedForDispatcher = new Uint8Array(FIRST_USER_HANDLE);
for (const h of RESERVED_HANDLES) if (h.thread === 'dispatcher') reservedForDispatcher[h.id] = 1;

/**
 * Whether the dispatcher thread handles `handle`: its own dynamic range, and the reserved
 * handles the table gives it. Everything else belongs to the broker.
 */
export function onDispatcherThread(handle: number): boolean {
  return handle >= FIRST_DISPATCHER_HANDLE || (handle < FIRST_USER_HANDLE && reservedForDispatcher[handle] === 1);
}
