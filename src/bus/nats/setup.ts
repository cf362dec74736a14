import {
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type KV,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from 'nats';
import { apiErrorCode } from './errors.js';
import type { Names } from './names.js';
import type { ResolvedOptions } from './options.js';

/** Stream "name already in use" with another configuration: another node made it first. */
const STREAM_NAME_IN_USE = 10058;

/**
 * Creates the bus's streams and buckets if they do not exist; an existing one is used as it is
 * (the first node to start decides its limits). Needs NATS 2.9+ (`discard_new_per_subject`,
 * `next_by_subj` gets, durable `inactive_threshold`).
 */
/** Returns the options as the server has them (an existing command stream keeps its bound). */
export async function ensureStreams(
  jsm: JetStreamManager,
  names: Names,
  o: ResolvedOptions,
): Promise<ResolvedOptions> {
  const storage = o.storage === 'memory' ? StorageType.Memory : StorageType.File;
  await ensureStream(jsm, {
    name: names.events,
    subjects: [`${names.eventRoot}.>`],
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msgs: o.eventMaxMsgs,
    max_age: nanos(o.eventMaxAgeMs),
    max_bytes: o.eventMaxBytes,
    duplicate_window: nanos(o.duplicateWindowMs),
    storage,
    // No `republish` for subscribers: on 2.9.10 it cut stored publishes from ~12k/s to ~1.5k/s here.
  });
  const commands = await ensureStream(jsm, {
    name: names.commands,
    subjects: [`${names.commandRoot}.*`],
    retention: RetentionPolicy.Workqueue,
    // The default (discard old) would silently drop a station's oldest command when it is full.
    discard: DiscardPolicy.New,
    max_msgs_per_subject: o.maxPerStation,
    discard_new_per_subject: true,
    duplicate_window: nanos(o.duplicateWindowMs),
    storage,
  });
  const maxPerStation = commands.max_msgs_per_subject;
  return maxPerStation > 0 && maxPerStation !== o.maxPerStation ? { ...o, maxPerStation } : o;
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<StreamConfig> {
  try {
    return (await jsm.streams.add(config)).config;
  } catch (err) {
    if (apiErrorCode(err) !== STREAM_NAME_IN_USE) throw err;
    return (await jsm.streams.info(config.name)).config;
  }
}

export async function openBucket(
  js: JetStreamClient,
  jsm: JetStreamManager,
  name: string,
  o: ResolvedOptions,
  maxKeys?: number,
): Promise<KV> {
  const kv = await js.views.kv(name, {
    history: 1,
    storage: o.storage === 'memory' ? StorageType.Memory : StorageType.File,
  });
  if (maxKeys !== undefined) {
    // Bounded like the memory bus's window: past maxKeys the oldest key is forgotten first.
    const stream = `KV_${name}`;
    const info = await jsm.streams.info(stream);
    if (info.config.max_msgs !== maxKeys) {
      await jsm.streams.update(stream, { ...info.config, max_msgs: maxKeys, discard: DiscardPolicy.Old });
    }
  }
  return kv;
}
