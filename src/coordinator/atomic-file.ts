/** Crash-safe file replacement: write a temp file, fsync it, rename it into place, fsync the directory. */
import * as fs from 'node:fs';
import * as path from 'node:path';

let tempCounter = 0;

/**
 * Replaces `file` with `data` atomically: a reader (or a restart after a crash) sees either the old content
 * or the new, never a mix. The directory is fsynced so that the rename itself survives a power loss.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${tempCounter++}.tmp`);
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    // E.g. ENOSPC: a partial temp file would keep holding the space a retry needs.
    await fh.close().catch(() => {});
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}

/** fsyncs a directory (makes renames and unlinks in it durable). */
export async function fsyncDir(dir: string): Promise<void> {
  const dh = await fs.promises.open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
