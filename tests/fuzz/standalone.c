/* standalone.c - replay driver for the fuzz targets without libFuzzer.
 *
 * Usage: fuzz_X-replay PATH...  Each PATH is a file or a directory walked
 * recursively (entries in name order); every regular file is passed once to
 * LLVMFuzzerTestOneInput() in a buffer of exactly its size, so sanitizers
 * catch overreads. A PATH that does not exist is skipped (a target may have
 * no regressions yet); any other unreadable path or file is an error.
 * Prints the number of inputs replayed; exits 0, or 1 on an error.
 */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t replayed;

static int replay_file(const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0, alloc = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "standalone: cannot open '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len == alloc) {
			unsigned char *p;

			alloc = alloc ? 2 * alloc : 65536;
			p = realloc(buf, alloc);
			if (!p) {
				fprintf(stderr, "standalone: out of memory\n");
				err = -1;
				break;
			}
			buf = p;
		}
		n = read(fd, buf + len, alloc - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "standalone: cannot read '%s': %s\n",
				path, strerror(errno));
			err = -1;
			break;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!err) {
		/* an exact-size copy: reads past the end are caught */
		unsigned char *exact = malloc(len ? len : 1);

		if (!exact) {
			fprintf(stderr, "standalone: out of memory\n");
			err = -1;
		} else {
			memcpy(exact, buf, len);
			LLVMFuzzerTestOneInput(exact, len);
			free(exact);
			replayed++;
		}
	}
	free(buf);
	return err;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path, bool top)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i;
	int err = 0;

	if (stat(path, &st)) {
		if (top && errno == ENOENT)
			return 0;
		fprintf(stderr, "standalone: cannot stat '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return replay_file(path);
	if (!S_ISDIR(st.st_mode))
		return 0; /* FIFOs, sockets: never block on them */
	dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "standalone: cannot open directory '%s': %s\n",
			path, strerror(errno));
		return -1;
	}
	errno = 0;
	while ((de = readdir(dir))) {
		size_t n;
		char *full;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (nr == alloc) {
			char **p;

			alloc = alloc ? 2 * alloc : 64;
			p = realloc(names, alloc * sizeof(*names));
			if (!p) {
				err = -1;
				break;
			}
			names = p;
		}
		n = strlen(path) + strlen(de->d_name) + 2;
		full = malloc(n);
		if (!full) {
			err = -1;
			break;
		}
		snprintf(full, n, "%s/%s", path, de->d_name);
		names[nr++] = full;
	}
	if (!err && errno) {
		fprintf(stderr, "standalone: cannot read directory '%s': %s\n",
			path, strerror(errno));
		err = -1;
	}
	closedir(dir);
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_name);
	for (i = 0; i < nr; i++) {
		if (!err && replay_path(names[i], false))
			err = -1;
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	int i, err = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i], true))
			err = 1;
	printf("%s: %zu inputs replayed%s\n", argv[0], replayed,
	       err ? ", with errors" : "");
	return err;
}
