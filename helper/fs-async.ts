// The promise forms of the file system calls bkt makes on every check, made
// from Node's callback API. node:fs/promises is a module of its own that pulls
// in readline and file watching when loaded: ~3 ms of a check, measured, for
// the same calls. (The manifest writer, which needs file handles, and runs
// only when something is written, keeps node:fs/promises.)
import { access as accessCallback, appendFile as appendFileCallback, mkdir as mkdirCallback, readdir as readdirCallback, readFile as readFileCallback, rename as renameCallback, rm as rmCallback, stat as statCallback, writeFile as writeFileCallback } from 'node:fs';
import { promisify } from 'node:util';

export const access = promisify(accessCallback);
export const appendFile = promisify(appendFileCallback);
export const mkdir = promisify(mkdirCallback);
export const readdir = promisify(readdirCallback);
export const readFile = promisify(readFileCallback);
export const rename = promisify(renameCallback);
export const rm = promisify(rmCallback);
export const stat = promisify(statCallback);
export const writeFile = promisify(writeFileCallback);

/** What is there instead of a file, for messages: never read as one, since reading a FIFO would hang. */
export const notAFile = (info: { isDirectory(): boolean }): string => (info.isDirectory() ? 'a directory' : 'a device, FIFO or socket');
