// Job type of the soak benchmark (bench/soak.mjs): reports progress once, then succeeds.
import { defineJob } from '../../dist/engine/define-job.js';

export const soakStep = defineJob({
  type: 'soak-step',
  async run(ctx) {
    await ctx.progress(50, 'halfway');
    return { ok: true };
  },
});
