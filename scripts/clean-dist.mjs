// A build starts from an empty dist/: files of moved or deleted sources must not ship.
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
