// faultfs: a FUSE passthrough filesystem mounted over a node's data directory that can lose what a
// database wrote but did not fsync (a power failure) and can fill up (disk full). faultline's
// answer to Jepsen's lazyfs, for any database, on the local runtime and in containers.
//
//   faultfs [--allow-other] DIR      mounts over DIR, serving DIR's own files (opened before the mount)
//
// Writes and truncations go to an in-memory page cache per file (keyed by inode, so renames keep
// it); fsync and fdatasync of a file (or an O_SYNC/O_DSYNC write) write its cached pages to the
// backing file and fsync it. Reads see the cache over the backing file. Metadata operations (create,
// mkdir, rename, unlink, link, chmod) reach the backing directory at once: only file data and file
// sizes can be lost, as on a journalling filesystem with ordered metadata.
//
// Control: one command a line on stdin, one JSON line answering it on stdout (the first line is
// {"ok":true,"ready":true} once mounted):
//   status                 unsynced files and bytes, whether the disk is full
//   lose-unsynced          drops every unsynced page and size change (as the power failing)
//   sync                   writes every unsynced page back (as the kernel's writeback would)
//   fill BYTES             the disk is full but BYTES: growth beyond fails with ENOSPC, statfs shows it
//   free                   the disk is no longer full
//   unmount                syncs, unmounts and exits
// faultfs also syncs, unmounts (lazily) and exits when stdin closes, on SIGTERM/SIGINT/SIGHUP, and
// when its parent dies (PR_SET_PDEATHSIG), so no mount outlives the controller that made it.
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <fuse.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#define PAGE 4096
/** Beyond this much cached data the largest file is written back, as the kernel would under memory pressure. */
#define MAX_CACHED_BYTES (512LL << 20)
#define MAX_LOST_PATHS 16

/** Unsynced data of one file (inode). */
struct entry {
  dev_t dev;
  ino_t ino;
  int fd;              // our own read-write descriptor of the backing file (keeps the inode alive)
  off_t size;          // size as the database sees it
  off_t low;           // bytes from here up that are in no page read as zeros (backing size, lowered by truncation)
  unsigned char **pages;
  size_t slots;        // length of pages[]
  size_t cached;       // pages held
  long long written;   // bytes written since the last sync
  int truncated;       // a truncation (that changed the size) since the last sync
  char *path;          // a path it was written under, for reports
  struct entry *next;
};

/** One open file. */
struct handle {
  int fd;
  int append;  // O_APPEND: writes go to the end as the cache knows it
  int sync;    // O_SYNC or O_DSYNC: every write is synced
  char *path;  // the path it was opened as (writes may come without one)
};

static int backing = -1;                // the mount point's directory, opened before the mount
static struct entry *entries = NULL;
static long long cached_bytes = 0;
static long long written_back = 0;      // bytes written back under memory pressure
static int full = 0;                    // the disk is full (but `room` bytes)
static long long room = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fuse *fs = NULL;

static const char *rel(const char *path) {
  while (*path == '/') path++;
  return *path ? path : ".";
}

static struct entry *find(dev_t dev, ino_t ino) {
  for (struct entry *e = entries; e; e = e->next)
    if (e->dev == dev && e->ino == ino) return e;
  return NULL;
}

static struct entry *find_fd(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return NULL;
  return find(st.st_dev, st.st_ino);
}

static void free_entry(struct entry *e) {
  for (struct entry **p = &entries; *p; p = &(*p)->next) {
    if (*p == e) {
      *p = e->next;
      break;
    }
  }
  for (size_t i = 0; i < e->slots; i++) {
    if (e->pages[i]) {
      free(e->pages[i]);
      cached_bytes -= PAGE;
    }
  }
  free(e->pages);
  free(e->path);
  close(e->fd);
  free(e);
}

/** The cache entry of the file open as `fd`, made if it has none (taking its own descriptor). */
static struct entry *entry_of(int fd, const char *path, int *err) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *err = -errno;
    return NULL;
  }
  struct entry *e = find(st.st_dev, st.st_ino);
  if (e) return e;
  e = calloc(1, sizeof *e);
  if (!e) {
    *err = -ENOMEM;
    return NULL;
  }
  e->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (e->fd < 0) {
    *err = -errno;
    free(e);
    return NULL;
  }
  e->dev = st.st_dev;
  e->ino = st.st_ino;
  e->size = st.st_size;
  e->low = st.st_size;
  e->path = strdup(path ? rel(path) : "?");
  e->next = entries;
  entries = e;
  return e;
}

/** Reads the file's current bytes [off, off+len) as the cache sees them. */
static int read_entry(struct entry *e, char *buf, size_t len, off_t off) {
  if (off >= e->size) return 0;
  if ((off_t)len > e->size - off) len = e->size - off;
  size_t done = 0;
  while (done < len) {
    off_t pos = off + done;
    size_t index = pos / PAGE, in = pos % PAGE;
    size_t n = PAGE - in;
    if (n > len - done) n = len - done;
    if (index < e->slots && e->pages[index]) {
      memcpy(buf + done, e->pages[index] + in, n);
    } else if (pos >= e->low) {
      memset(buf + done, 0, n);
    } else {
      size_t want = n;
      if ((off_t)want > e->low - pos) want = e->low - pos;
      ssize_t got = pread(e->fd, buf + done, want, pos);
      if (got < 0) return -errno;
      memset(buf + done + got, 0, n - got);
    }
    done += n;
  }
  return (int)len;
}

/** The page at `index`, loaded from what the file holds now if it is not cached yet. */
static unsigned char *page_of(struct entry *e, size_t index, int *err) {
  if (index >= e->slots) {
    size_t slots = e->slots ? e->slots : 16;
    while (slots <= index) slots *= 2;
    unsigned char **pages = realloc(e->pages, slots * sizeof *pages);
    if (!pages) {
      *err = -ENOMEM;
      return NULL;
    }
    memset(pages + e->slots, 0, (slots - e->slots) * sizeof *pages);
    e->pages = pages;
    e->slots = slots;
  }
  if (e->pages[index]) return e->pages[index];
  unsigned char *page = calloc(1, PAGE);
  if (!page) {
    *err = -ENOMEM;
    return NULL;
  }
  int got = read_entry(e, (char *)page, PAGE, (off_t)index * PAGE);
  if (got < 0) {
    free(page);
    *err = got;
    return NULL;
  }
  e->pages[index] = page;
  e->cached++;
  cached_bytes += PAGE;
  return page;
}

/** Takes `bytes` of growth from a full disk's room; false (ENOSPC) when there is not that much. */
static int take_room(off_t bytes) {
  if (!full || bytes <= 0) return 1;
  if (bytes > room) return 0;
  room -= bytes;
  return 1;
}

/** True when `fd`'s file has no entry and already is `size` long: truncating it changes nothing. */
static int unchanged(int fd, off_t size) {
  struct stat st;
  return fstat(fd, &st) == 0 && !find(st.st_dev, st.st_ino) && st.st_size == size;
}

/** Sets the size as the database sees it; the backing file changes at the next sync. */
static int truncate_entry(struct entry *e, off_t size) {
  if (size > e->size && !take_room(size - e->size)) return -ENOSPC;
  if (size < e->size) {
    if (size < e->low) e->low = size;
    for (size_t i = 0; i < e->slots; i++) {
      if (!e->pages[i]) continue;
      off_t start = (off_t)i * PAGE;
      if (start >= size) {
        free(e->pages[i]);
        e->pages[i] = NULL;
        e->cached--;
        cached_bytes -= PAGE;
      } else if (start + PAGE > size) {
        memset(e->pages[i] + (size - start), 0, PAGE - (size - start));
      }
    }
  }
  e->size = size;
  e->truncated = 1;
  return 0;
}

/** Writes the entry's pages and size to the backing file, fsyncs it, and forgets the entry. */
static int sync_entry(struct entry *e) {
  struct stat st;
  if (fstat(e->fd, &st) != 0) return -errno;
  if (e->low < st.st_size && ftruncate(e->fd, e->low) != 0) return -errno;
  for (size_t i = 0; i < e->slots; i++) {
    if (!e->pages[i]) continue;
    off_t start = (off_t)i * PAGE;
    if (start >= e->size) continue;
    size_t n = e->size - start < PAGE ? (size_t)(e->size - start) : PAGE;
    for (size_t done = 0; done < n;) {
      ssize_t put = pwrite(e->fd, e->pages[i] + done, n - done, start + done);
      if (put < 0) return -errno;
      done += put;
    }
  }
  if (ftruncate(e->fd, e->size) != 0) return -errno;
  if (fdatasync(e->fd) != 0) return -errno;
  free_entry(e);
  return 0;
}

/** Writes back the file with the most cached pages (memory pressure). */
static void write_back_largest(void) {
  struct entry *largest = NULL;
  for (struct entry *e = entries; e; e = e->next)
    if (!largest || e->cached > largest->cached) largest = e;
  if (!largest) return;
  long long bytes = (long long)largest->cached * PAGE;
  if (sync_entry(largest) == 0) written_back += bytes;
}

/** Forgets entries of files no name refers to any more (unlinked, renamed over): their data is gone anyway. */
static void forget_unlinked(void) {
  for (struct entry *e = entries, *next; e; e = next) {
    next = e->next;
    struct stat st;
    if (fstat(e->fd, &st) == 0 && st.st_nlink == 0) free_entry(e);
  }
}

static int write_entry(struct entry *e, const char *buf, size_t len, off_t off) {
  if (off + (off_t)len > e->size && !take_room(off + (off_t)len - e->size)) return -ENOSPC;
  size_t done = 0;
  while (done < len) {
    off_t pos = off + done;
    size_t index = pos / PAGE, in = pos % PAGE;
    size_t n = PAGE - in;
    if (n > len - done) n = len - done;
    int err = 0;
    // A page past the old end reads as zeros: pages in between that no write touches stay zeros.
    unsigned char *page = page_of(e, index, &err);
    if (!page) return err;
    memcpy(page + in, buf + done, n);
    done += n;
  }
  if (off + (off_t)len > e->size) e->size = off + len;
  e->written += len;
  return (int)len;
}

// ---- filesystem operations ----

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  cfg->use_ino = 1;
  cfg->nullpath_ok = 1;
  cfg->hard_remove = 1;
  // Sizes and names change underneath the kernel (a lost write shrinks a file): never cache them.
  cfg->attr_timeout = 0;
  cfg->entry_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  return NULL;
}

static void fs_destroy(void *data) {
  (void)data;
}

static void with_cached_size(struct stat *st) {
  struct entry *e = find(st->st_dev, st->st_ino);
  if (e) {
    st->st_size = e->size;
    st->st_blocks = (e->size + 511) / 512;
  }
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  int res = fi ? fstat(((struct handle *)(uintptr_t)fi->fh)->fd, st) : fstatat(backing, rel(path), st, AT_SYMLINK_NOFOLLOW);
  if (res != 0) return -errno;
  pthread_mutex_lock(&lock);
  with_cached_size(st);
  pthread_mutex_unlock(&lock);
  return 0;
}

static int fs_access(const char *path, int mask) {
  return faccessat(backing, rel(path), mask, 0) == 0 ? 0 : -errno;
}

static int fs_readlink(const char *path, char *buf, size_t size) {
  ssize_t n = readlinkat(backing, rel(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

/** New files belong to the process that made them, not to faultfs (root). */
static void own(const char *path) {
  if (geteuid() != 0) return;
  struct fuse_context *ctx = fuse_get_context();
  if (fchownat(backing, rel(path), ctx->uid, ctx->gid, AT_SYMLINK_NOFOLLOW) != 0) { /* best effort */ }
}

static int fs_mknod(const char *path, mode_t mode, dev_t rdev) {
  if (mknodat(backing, rel(path), mode, rdev) != 0) return -errno;
  own(path);
  return 0;
}

static int fs_mkdir(const char *path, mode_t mode) {
  if (mkdirat(backing, rel(path), mode) != 0) return -errno;
  own(path);
  return 0;
}

static int fs_unlink(const char *path) {
  if (unlinkat(backing, rel(path), 0) != 0) return -errno;
  pthread_mutex_lock(&lock);
  forget_unlinked();
  pthread_mutex_unlock(&lock);
  return 0;
}

static int fs_rmdir(const char *path) {
  return unlinkat(backing, rel(path), AT_REMOVEDIR) == 0 ? 0 : -errno;
}

static int fs_symlink(const char *target, const char *path) {
  if (symlinkat(target, backing, rel(path)) != 0) return -errno;
  own(path);
  return 0;
}

static int fs_rename(const char *from, const char *to, unsigned int flags) {
  if (renameat2(backing, rel(from), backing, rel(to), flags) != 0) return -errno;
  pthread_mutex_lock(&lock);
  forget_unlinked();
  pthread_mutex_unlock(&lock);
  return 0;
}

static int fs_link(const char *from, const char *to) {
  return linkat(backing, rel(from), backing, rel(to), 0) == 0 ? 0 : -errno;
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  int res = fi ? fchmod(((struct handle *)(uintptr_t)fi->fh)->fd, mode) : fchmodat(backing, rel(path), mode, 0);
  return res == 0 ? 0 : -errno;
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  int res = fi ? fchown(((struct handle *)(uintptr_t)fi->fh)->fd, uid, gid) : fchownat(backing, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
  return res == 0 ? 0 : -errno;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  int res = fi ? futimens(((struct handle *)(uintptr_t)fi->fh)->fd, tv) : utimensat(backing, rel(path), tv, AT_SYMLINK_NOFOLLOW);
  return res == 0 ? 0 : -errno;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  int fd = fi ? ((struct handle *)(uintptr_t)fi->fh)->fd : openat(backing, rel(path), O_RDWR | O_CLOEXEC);
  if (fd < 0) return -errno;
  pthread_mutex_lock(&lock);
  int err = 0;
  struct entry *e = unchanged(fd, size) ? NULL : entry_of(fd, fi ? ((struct handle *)(uintptr_t)fi->fh)->path : path, &err);
  if (e) err = truncate_entry(e, size);
  pthread_mutex_unlock(&lock);
  if (!fi) close(fd);
  return err;
}

/** Opens the backing file read-write without O_APPEND, O_TRUNC or O_DIRECT: faultfs does those itself. */
static int open_file(const char *path, int flags, mode_t mode, int create, struct fuse_file_info *fi) {
  int access = flags & O_ACCMODE;
  int backing_flags = (flags & ~(O_APPEND | O_TRUNC | O_DIRECT | O_ACCMODE)) | O_CLOEXEC;
  int fd = openat(backing, rel(path), backing_flags | (access == O_RDONLY ? O_RDONLY : O_RDWR), mode);
  if (fd < 0 && errno == EACCES && access == O_WRONLY) fd = openat(backing, rel(path), backing_flags | O_WRONLY, mode);
  if (fd < 0) return -errno;
  if (create) own(path);
  struct handle *h = calloc(1, sizeof *h);
  if (!h) {
    close(fd);
    return -ENOMEM;
  }
  h->fd = fd;
  h->path = strdup(rel(path));
  h->append = (flags & O_APPEND) != 0;
  h->sync = (flags & (O_SYNC | O_DSYNC)) != 0;
  if ((flags & O_TRUNC) && access != O_RDONLY) {
    pthread_mutex_lock(&lock);
    int err = 0;
    struct entry *e = unchanged(fd, 0) ? NULL : entry_of(fd, path, &err);
    if (e) err = truncate_entry(e, 0);
    pthread_mutex_unlock(&lock);
    if (err) {
      close(fd);
      free(h->path);
      free(h);
      return err;
    }
  }
  fi->fh = (uintptr_t)h;
  fi->keep_cache = 0;
  fi->direct_io = 0;
  return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi) {
  return open_file(path, fi->flags, 0, 0, fi);
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  return open_file(path, fi->flags | O_CREAT, mode, 1, fi);
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  struct handle *h = (struct handle *)(uintptr_t)fi->fh;
  pthread_mutex_lock(&lock);
  struct entry *e = find_fd(h->fd);
  int res;
  if (e) {
    res = read_entry(e, buf, size, off);
  } else {
    ssize_t n = pread(h->fd, buf, size, off);
    res = n < 0 ? -errno : (int)n;
  }
  pthread_mutex_unlock(&lock);
  return res;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  struct handle *h = (struct handle *)(uintptr_t)fi->fh;
  pthread_mutex_lock(&lock);
  int err = 0;
  struct entry *e = entry_of(h->fd, path ? path : h->path, &err);
  int res = err;
  if (e) {
    res = write_entry(e, buf, size, h->append ? e->size : off);
    if (res >= 0 && h->sync) {
      int synced = sync_entry(e);
      if (synced < 0) res = synced;
    }
  }
  while (cached_bytes > MAX_CACHED_BYTES && entries) write_back_largest();
  pthread_mutex_unlock(&lock);
  return res;
}

static int fs_statfs(const char *path, struct statvfs *st) {
  (void)path;
  if (fstatvfs(backing, st) != 0) return -errno;
  pthread_mutex_lock(&lock);
  if (full) {
    unsigned long unit = st->f_frsize ? st->f_frsize : st->f_bsize;
    st->f_bfree = st->f_bavail = (fsblkcnt_t)(room / (long long)unit);
  }
  pthread_mutex_unlock(&lock);
  return 0;
}

static int fs_flush(const char *path, struct fuse_file_info *fi) {
  (void)path;
  (void)fi;
  return 0; // close() is not a sync
}

static int fs_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  struct handle *h = (struct handle *)(uintptr_t)fi->fh;
  close(h->fd);
  free(h->path);
  free(h);
  return 0;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  struct handle *h = (struct handle *)(uintptr_t)fi->fh;
  pthread_mutex_lock(&lock);
  struct entry *e = find_fd(h->fd);
  int cached = e != NULL;
  int res = cached ? sync_entry(e) : 0;
  pthread_mutex_unlock(&lock);
  // sync_entry fdatasyncs what it wrote; without an entry (or for metadata) sync as asked.
  if (res == 0 && (!cached || !datasync) && (datasync ? fdatasync(h->fd) : fsync(h->fd)) != 0) res = -errno;
  return res;
}

static int fs_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi) {
  if (mode & ~FALLOC_FL_KEEP_SIZE) return -EOPNOTSUPP;
  struct handle *h = (struct handle *)(uintptr_t)fi->fh;
  pthread_mutex_lock(&lock);
  int err = 0;
  struct entry *e = entry_of(h->fd, path ? path : h->path, &err);
  if (e && off + len > e->size) {
    if (mode & FALLOC_FL_KEEP_SIZE) err = take_room(off + len - e->size) ? 0 : -ENOSPC;
    else err = truncate_entry(e, off + len);
  }
  pthread_mutex_unlock(&lock);
  return err;
}

static int fs_opendir(const char *path, struct fuse_file_info *fi) {
  int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR *dir = fdopendir(fd);
  if (!dir) {
    int err = -errno;
    close(fd);
    return err;
  }
  fi->fh = (uintptr_t)dir;
  return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)path;
  (void)flags;
  DIR *dir = (DIR *)(uintptr_t)fi->fh;
  if (off == 0) rewinddir(dir);
  else seekdir(dir, off);
  struct dirent *d;
  while ((d = readdir(dir)) != NULL) {
    struct stat st = {0};
    st.st_ino = d->d_ino;
    st.st_mode = (mode_t)d->d_type << 12;
    if (fill(buf, d->d_name, &st, telldir(dir), 0)) break;
  }
  return 0;
}

static int fs_releasedir(const char *path, struct fuse_file_info *fi) {
  (void)path;
  closedir((DIR *)(uintptr_t)fi->fh);
  return 0;
}

static int fs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  int fd = dirfd((DIR *)(uintptr_t)fi->fh);
  return (datasync ? fdatasync(fd) : fsync(fd)) == 0 ? 0 : -errno;
}

static const struct fuse_operations operations = {
  .init = fs_init,
  .destroy = fs_destroy,
  .getattr = fs_getattr,
  .access = fs_access,
  .readlink = fs_readlink,
  .mknod = fs_mknod,
  .mkdir = fs_mkdir,
  .unlink = fs_unlink,
  .rmdir = fs_rmdir,
  .symlink = fs_symlink,
  .rename = fs_rename,
  .link = fs_link,
  .chmod = fs_chmod,
  .chown = fs_chown,
  .truncate = fs_truncate,
  .utimens = fs_utimens,
  .open = fs_open,
  .create = fs_create,
  .read = fs_read,
  .write = fs_write,
  .statfs = fs_statfs,
  .flush = fs_flush,
  .release = fs_release,
  .fsync = fs_fsync,
  .fallocate = fs_fallocate,
  .opendir = fs_opendir,
  .readdir = fs_readdir,
  .releasedir = fs_releasedir,
  .fsyncdir = fs_fsyncdir,
};

// ---- control ----

static void reply(const char *format, ...) {
  va_list args;
  va_start(args, format);
  vprintf(format, args);
  va_end(args);
  putchar('\n');
  fflush(stdout);
}

static void json_string(char *out, size_t cap, const char *s) {
  size_t n = 0;
  if (cap < 3) return;
  out[n++] = '"';
  for (; *s && n + 8 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') n += snprintf(out + n, cap - n, "\\%c", c);
    else if (c < 0x20) n += snprintf(out + n, cap - n, "\\u%04x", c);
    else out[n++] = c;
  }
  out[n++] = '"';
  out[n] = '\0';
}

/** Syncs every entry; returns the first error (0 if none) and counts what it wrote. */
static int sync_all(long long *files, long long *bytes) {
  int first = 0;
  for (struct entry *e = entries, *next; e; e = next) {
    next = e->next;
    long long written = e->written;
    int res = sync_entry(e);
    if (res < 0) {
      if (!first) first = res;
      continue;
    }
    (*files)++;
    *bytes += written;
  }
  return first;
}

static void command(char *line) {
  line[strcspn(line, "\r\n")] = '\0';
  char *arg = strchr(line, ' ');
  if (arg) *arg++ = '\0';
  pthread_mutex_lock(&lock);
  if (strcmp(line, "status") == 0) {
    long long files = 0, bytes = 0;
    for (struct entry *e = entries; e; e = e->next) {
      files++;
      bytes += e->written;
    }
    reply("{\"ok\":true,\"unsyncedFiles\":%lld,\"unsyncedBytes\":%lld,\"cachedBytes\":%lld,\"writtenBackBytes\":%lld,\"full\":%s,\"roomBytes\":%lld}",
          files, bytes, cached_bytes, written_back, full ? "true" : "false", full ? room : -1LL);
  } else if (strcmp(line, "lose-unsynced") == 0) {
    long long files = 0, bytes = 0, truncations = 0;
    char paths[MAX_LOST_PATHS * 300] = "";
    size_t used = 0;
    while (entries) {
      struct entry *e = entries;
      if (files < MAX_LOST_PATHS) {
        char quoted[280];
        json_string(quoted, sizeof quoted, e->path);
        used += snprintf(paths + used, sizeof paths - used, "%s%s", files ? "," : "", quoted);
      }
      files++;
      bytes += e->written;
      truncations += e->truncated;
      free_entry(e);
    }
    reply("{\"ok\":true,\"lostFiles\":%lld,\"lostBytes\":%lld,\"lostTruncations\":%lld,\"paths\":[%s]}", files, bytes, truncations, paths);
  } else if (strcmp(line, "sync") == 0) {
    long long files = 0, bytes = 0;
    int res = sync_all(&files, &bytes);
    if (res < 0) reply("{\"ok\":false,\"error\":\"sync failed: %s\"}", strerror(-res));
    else reply("{\"ok\":true,\"syncedFiles\":%lld,\"syncedBytes\":%lld}", files, bytes);
  } else if (strcmp(line, "fill") == 0) {
    char *end = NULL;
    long long bytes = arg ? strtoll(arg, &end, 10) : -1;
    if (!arg || *arg == '\0' || *end != '\0' || bytes < 0) {
      reply("{\"ok\":false,\"error\":\"fill needs the bytes left free, a whole number >= 0\"}");
    } else {
      full = 1;
      room = bytes;
      reply("{\"ok\":true,\"full\":true,\"roomBytes\":%lld}", room);
    }
  } else if (strcmp(line, "free") == 0) {
    full = 0;
    room = 0;
    reply("{\"ok\":true,\"full\":false}");
  } else if (strcmp(line, "unmount") == 0) {
    pthread_mutex_unlock(&lock);
    reply("{\"ok\":true,\"unmounting\":true}");
    kill(getpid(), SIGTERM);
    return;
  } else {
    char quoted[300];
    json_string(quoted, sizeof quoted, line);
    char message[400];
    snprintf(message, sizeof message, "unknown command %s; expected status | lose-unsynced | sync | fill BYTES | free | unmount", quoted);
    char error[900];
    json_string(error, sizeof error, message);
    reply("{\"ok\":false,\"error\":%s}", error);
  }
  pthread_mutex_unlock(&lock);
}

static void *control(void *arg) {
  (void)arg;
  char line[512];
  while (fgets(line, sizeof line, stdin)) command(line);
  // The controller is gone (or closed our stdin): unmount.
  kill(getpid(), SIGTERM);
  return NULL;
}

int main(int argc, char **argv) {
  int allow_other = 0;
  const char *dir = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--allow-other") == 0) allow_other = 1;
    else if (!dir && argv[i][0] != '-') dir = argv[i];
    else {
      fprintf(stderr, "faultfs: unexpected argument \"%s\"; usage: faultfs [--allow-other] DIR\n", argv[i]);
      return 2;
    }
  }
  if (!dir) {
    fprintf(stderr, "faultfs: no directory given; usage: faultfs [--allow-other] DIR\n");
    return 2;
  }
  // Die with the controller: the signal below unmounts like a SIGTERM.
  pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) return 1;

  backing = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (backing < 0) {
    fprintf(stderr, "faultfs: cannot open directory \"%s\": %s\n", dir, strerror(errno));
    return 1;
  }
  char options[200];
  snprintf(options, sizeof options, "fsname=faultfs,subtype=faultfs,default_permissions%s", allow_other ? ",allow_other" : "");
  char *fuse_argv[] = {argv[0], "-o", options, NULL};
  struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
  fs = fuse_new(&args, &operations, sizeof operations, NULL);
  if (!fs) {
    fprintf(stderr, "faultfs: fuse_new failed for \"%s\"\n", dir);
    return 1;
  }
  if (fuse_set_signal_handlers(fuse_get_session(fs)) != 0 || fuse_mount(fs, dir) != 0) {
    fprintf(stderr, "faultfs: cannot mount on \"%s\" (is /dev/fuse there, and are we root?)\n", dir);
    fuse_destroy(fs);
    return 1;
  }
  // Only the FUSE loop's thread takes the signals that end it; the control thread blocks them.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  reply("{\"ok\":true,\"ready\":true}");
  pthread_t thread;
  pthread_create(&thread, NULL, control, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);

  int res = fuse_loop(fs);
  pthread_mutex_lock(&lock);
  long long files = 0, bytes = 0;
  sync_all(&files, &bytes);
  pthread_mutex_unlock(&lock);
  fuse_remove_signal_handlers(fuse_get_session(fs));
  fuse_unmount(fs);
  fuse_destroy(fs);
  return res == 0 ? 0 : 1;
}
