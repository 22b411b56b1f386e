// connect() refused before anything is launched: a dead via= context, an unknown method. The
// caller gets the error, no Context is left behind reading 'running' or 'connecting', and
// the router still shuts down.
import { expect, it } from 'vitest';
import { ChannelError } from '../../src/index.js';
import { withRouter } from '../support/router.js';

const fx = withRouter();

it('refuses a dead via= context without making a Context for the child', async () => {
  const a = await fx.local({ name: 'gone-parent' });
  await a.shutdown({ wait: true });
  await expect(fx.router.local({ name: 'never', via: a })).rejects.toBeInstanceOf(ChannelError);
  expect(fx.router.contextById(a.id + 1)).toBeUndefined();
  expect(fx.router.contextTree().children).toEqual([]);
});

it('an unknown method: its Context is dead with the reason, and shutdown() still resolves', async () => {
  await expect(fx.router.connect('no-such-method' as never, {} as never)).rejects.toBeInstanceOf(TypeError);
  const ctx = fx.router.contextById(1);
  expect(ctx?.state).toBe('dead');
  expect(ctx?.deadReason).toBe("unknown connection method 'no-such-method'");
  expect(fx.router.contextTree().children).toEqual([]);
  await expect(fx.router.shutdown()).resolves.toBeUndefined();
});
