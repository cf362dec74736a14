// tsc does not copy JSON that is read at run time; the schemas must sit beside the compiled protocol code.
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/protocol/schemas', { recursive: true });
cpSync('src/protocol/schemas', 'dist/protocol/schemas', { recursive: true });
