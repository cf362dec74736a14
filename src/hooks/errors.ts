/** A plugin names a hook that does not exist (a typo would otherwise silently do nothing). */
export class UnknownHookError extends Error {
  override readonly name = 'UnknownHookError';
  constructor(
    readonly plugin: string,
    readonly hook: string,
    known: readonly string[],
  ) {
    super(`plugin "${plugin}": unknown hook "${hook}" (known: ${known.join(', ')})`);
  }
}

/** A plugin of this name is already registered: names identify plugins for removal and in pluginError. */
export class DuplicatePluginError extends Error {
  override readonly name = 'DuplicatePluginError';
  constructor(readonly plugin: string) {
    super(`plugin "${plugin}" is already registered`);
  }
}

/** A plugin hook the runtime waits for (onInit, onClosing, onClose, a teardown) did not finish in time. */
export class PluginTimeoutError extends Error {
  override readonly name = 'PluginTimeoutError';
  constructor(
    readonly plugin: string,
    readonly hook: string,
    readonly timeoutMs: number,
  ) {
    super(`plugin "${plugin}": ${hook} did not finish within ${timeoutMs} ms`);
  }
}

/**
 * A plugin's observer hook took longer than the dispatcher's `slowObserverMs` on a timed (sampled)
 * call: from then on its observers run after the message path, off a bounded queue.
 */
export class PluginSlowError extends Error {
  override readonly name = 'PluginSlowError';
  constructor(
    readonly plugin: string,
    readonly hook: string,
    readonly durationMs: number,
    readonly thresholdMs: number,
  ) {
    super(
      `plugin "${plugin}": ${hook} took ${durationMs.toFixed(1)} ms (over ${thresholdMs} ms); its observers now run after the message path`,
    );
  }
}

/** A slow plugin's observers fell this far behind: events for them were dropped, not queued without bound. */
export class PluginBacklogError extends Error {
  override readonly name = 'PluginBacklogError';
  constructor(
    readonly plugin: string,
    readonly dropped: number,
    readonly limit: number,
  ) {
    super(`plugin "${plugin}": ${dropped} events dropped, its observers are ${limit} events behind`);
  }
}
