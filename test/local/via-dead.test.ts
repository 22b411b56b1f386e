// connect({ via }) with a context that is already dead: a ChannelError at once, and no
// Context left behind for the child that was never started (it used to read 'running').
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
