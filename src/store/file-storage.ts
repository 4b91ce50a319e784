import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Thrown while writing when the bytes exceed the limit; the partial file is removed. */
export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The file is larger than ${limit} bytes.`);
    this.name = 'FileTooLargeError';
  }
}

/**
 * File bytes under `<dataDir>/files/`, one file per id, written to a temporary name and renamed
 * when complete so a crash never leaves a half-written file under a real id.
 */
export class FileStorage {
  private readonly root: string;

  constructor(dataDir: string) {
    // Folders are made on first write, so commands that never store a file leave no trace.
    this.root = join(dataDir, 'files');
  }

  private path(id: string): string {
    // Ids are UUIDs (checked by the caller); two levels of directories keep folders small.
    return join(this.root, id.slice(-2), id);
  }

  async write(
    id: string,
    source: Readable | Buffer | string,
    limit: number,
  ): Promise<{ size: number; sha256: string }> {
    const final = this.path(id);
    mkdirSync(join(final, '..'), { recursive: true });
    const temporary = `${final}.part`;
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > limit) return done(new FileTooLargeError(limit));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const input =
      typeof source === 'string' || Buffer.isBuffer(source)
        ? (async function* () {
            yield Buffer.from(source);
          })()
        : source;
    try {
      await pipeline(input, meter, createWriteStream(temporary));
      await rename(temporary, final);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    return { size, sha256: hash.digest('hex') };
  }

  /** A stream of the bytes from `start` to `end` inclusive (the whole file without them). */
  read(id: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.path(id), range);
  }

  remove(id: string): void {
    rmSync(this.path(id), { force: true });
  }
}
