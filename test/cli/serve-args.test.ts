import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { parseServeArgs } from '../../src/cli/serve.js';

describe('serve --rate-limit', () => {
  it('turns the per-address connection limit off or sets it', () => {
    expect(parseServeArgs(['--rate-limit', 'off'], '0')).toMatchObject({ rateLimit: false });
    expect(parseServeArgs(['--rate-limit', '50,10'], '0')).toMatchObject({
      rateLimit: { burst: 50, perSecond: 10 },
    });
    expect(parseServeArgs([], '0')).not.toHaveProperty('rateLimit');
  });

  it('refuses a malformed value with a readable error', () => {
    expect(() => parseServeArgs(['--rate-limit', 'lots'], '0')).toThrow(
      new UsageError('--rate-limit must be BURST,PER_SECOND (e.g. 200,100) or off, got lots', 'serve'),
    );
    expect(() => parseServeArgs(['--rate-limit', '0,5'], '0')).toThrow(UsageError);
  });
});
