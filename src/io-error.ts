// One-line messages for failed file writes and reads: what the operating system said, in words.

/** "no space left on device" from an ENOSPC error; the error's own message otherwise. */
export function ioMessage(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EIO: 'input/output error',
    EFBIG: 'file too large',
    ENOENT: 'no such file or directory',
    EISDIR: 'is a directory',
    ENOTDIR: 'a parent is not a directory',
  };
  if (code !== undefined && known[code] !== undefined) return known[code];
  return err instanceof Error ? err.message : String(err);
}
