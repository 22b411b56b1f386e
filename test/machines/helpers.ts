// Sending to an actor that reached a final state is how the tests check terminality;
// XState's development build warns about each such event, so those warnings are muted.
import { afterAll, beforeAll, vi } from 'vitest';

export function muteStoppedActorWarnings(): void {
  const original = console.warn;
  let spy: ReturnType<typeof vi.spyOn> | undefined;
  beforeAll(() => {
    spy = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('was sent to stopped actor')) return;
      original(...args);
    });
  });
  afterAll(() => spy?.mockRestore());
}
