// SPDX-License-Identifier: GPL-2.0
/*
 * l2_util - the static helper inside the nested guests of selftests/guest/
 * (the guest-kernel tests and benchmarks); see l2_init.sh.
 *
 *   l2_util cpuid LEAF            print "eax ebx ecx edx" of CPUID LEAF (hex)
 *   l2_util ticker CPU MS         on CPU, sleep MS ms in a loop, forever: a
 *                                 known wakeup every MS ms on that CPU
 *   l2_util clock N               N clock_gettime(CLOCK_MONOTONIC) calls:
 *                                 print "calls N ns TOTAL_NS"
 *   l2_util rxlat DEV N           read N stamped lines from the tty DEV; for
 *                                 each, RECV - SENT: the guest's TSC when
 *                                 the line's first byte woke the reader minus
 *                                 the TSC the line holds; print "rxlat n N
 *                                 min A p50 B p90 C p99 D max E" (cycles)
 *   l2_util send FILE HZ N        (in the guest's host) write N lines to
 *                                 FILE, HZ a second, each "<TSC>\n" with the
 *                                 TSC read just before the write
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static void die(const char *what)
{
	fprintf(stderr, "l2_util: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long parse_num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0') {
		fprintf(stderr, "l2_util: '%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

static int cmd_cpuid(unsigned int leaf)
{
	unsigned int a, b, c, d;

	__cpuid_count(leaf, 0, a, b, c, d);
	printf("0x%x 0x%x 0x%x 0x%x\n", a, b, c, d);
	return 0;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static int cmd_ticker(int cpu, unsigned long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	pin(cpu);
	for (;;)
		nanosleep(&ts, NULL);
	return 0;
}

static unsigned long long ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmd_clock(unsigned long n)
{
	unsigned long long t0, t1;
	unsigned long i;

	t0 = ns();
	for (i = 0; i < n; i++)
		ns();
	t1 = ns();
	printf("calls %lu ns %llu\n", n, t1 - t0);
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/*
 * The sender (in the host of this guest) writes lines "<its TSC>\n" to the
 * serial port; the guest's TSC is the host's plus an offset the host
 * knows (KVM's tsc-offset), so the host subtracts it from these figures.
 */
static int cmd_rxlat(const char *dev, unsigned long n)
{
	char line[64];
	size_t len = 0;
	struct termios t;
	unsigned long got = 0;
	unsigned long long first = 0;
	long long *d;
	int fd;

	if (!n) {
		fprintf(stderr, "l2_util: rxlat: N must be above 0\n");
		return 2;
	}
	d = calloc(n, sizeof(*d));
	if (!d)
		die("calloc");

	fd = open(dev, O_RDONLY | O_NOCTTY);
	if (fd < 0)
		die(dev);
	if (tcgetattr(fd, &t))
		die("tcgetattr");
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t))
		die("tcsetattr");
	printf("rxlat ready\n");
	fflush(stdout);
	while (got < n) {
		char c;
		ssize_t r = read(fd, &c, 1);
		unsigned long long now = __rdtsc();

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("read");
		/* a line's time is when its first byte woke the reader */
		if (len == 0)
			first = now;
		if (c != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			continue;
		}
		line[len] = '\0';
		len = 0;
		d[got++] = (long long)(first - strtoull(line, NULL, 10));
	}
	qsort(d, n, sizeof(*d), cmp_ll);
	printf("rxlat n %lu min %lld p50 %lld p90 %lld p99 %lld max %lld\n", n, d[0],
	       d[(n - 1) / 2], d[(n * 9 - 1) / 10], d[(n * 99 - 1) / 100], d[n - 1]);
	free(d);
	return 0;
}

static int cmd_send(const char *path, unsigned long hz, unsigned long n)
{
	struct timespec next;
	unsigned long i;
	unsigned long long period;
	char line[32];
	int fd, len;

	if (!hz) {
		fprintf(stderr, "l2_util: send: HZ must be above 0\n");
		return 2;
	}
	period = 1000000000ull / hz;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		die(path);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < n; i++) {
		next.tv_nsec += period;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		len = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)__rdtsc());
		if (write(fd, line, len) != len)
			die("write");
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "cpuid"))
		return cmd_cpuid(parse_num(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "ticker"))
		return cmd_ticker(parse_num(argv[2]), parse_num(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "clock"))
		return cmd_clock(parse_num(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "rxlat"))
		return cmd_rxlat(argv[2], parse_num(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "send"))
		return cmd_send(argv[2], parse_num(argv[3]), parse_num(argv[4]));
	fprintf(stderr, "usage: l2_util cpuid LEAF | ticker CPU MS | clock N | rxlat DEV N |\n"
		"               send FILE HZ N\n");
	return 2;
}
