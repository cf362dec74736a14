import { createHash } from 'node:crypto';
import { encodeToken } from '../subject.js';

/** Every stream, bucket and subject one bus prefix owns on the server. */
export class Names {
  readonly events: string;
  readonly commands: string;
  readonly owners: string;
  readonly dedup: string;
  /** Where events are published (and stored). */
  readonly eventRoot: string;
  readonly commandRoot: string;
  readonly rpcRoot: string;

  constructor(readonly prefix: string) {
    this.events = `${prefix}_EVENTS`;
    this.commands = `${prefix}_COMMANDS`;
    this.owners = `${prefix}_OWNERS`;
    this.dedup = `${prefix}_DEDUP`;
    this.eventRoot = `${prefix}.evt`;
    this.commandRoot = `${prefix}.cmd`;
    this.rpcRoot = `${prefix}.rpc`;
  }

  commandSubject(station: string): string {
    return `${this.commandRoot}.${encodeToken(station)}`;
  }

  commandConsumer(station: string): string {
    return consumerName('C', encodeToken(station));
  }

  durableConsumer(name: string): string {
    return consumerName('D', encodeToken(name));
  }

  bucket(name: string): string {
    return `${this.prefix}_kv_${encodeToken(name)}`;
  }
}

/** Consumer names become file names on the server: long ones are hashed to stay well inside limits. */
function consumerName(kind: string, token: string): string {
  if (token.length <= 120) return `${kind}_${token}`;
  return `${kind}_h${createHash('sha256').update(token).digest('hex')}`;
}
