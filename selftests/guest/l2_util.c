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
 *   l2_util rxlat DEV N           read N bytes from the tty DEV (raw, 115200
 *                                 baud); print "rxlat n N", then per byte
 *                                 the guest's TSC when its read returned
 *                                 (the reader's wakeup), one a line
 *   l2_util send FILE HZ N        (in the guest's host) write N bytes to
 *                                 FILE, HZ a second, and print per byte the
 *                                 TSC read just before its write, one a line
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

/*
 * The sender (in the host of this guest) writes one byte per event, so
 * that each takes one interrupt and a few port reads of the guest's UART,
 * and prints when it wrote each; the guest's TSC is the host's plus an
 * offset the host knows (KVM's tsc-offset), so the host matches the two
 * lists, byte for byte, into latencies.
 */
static int cmd_rxlat(const char *dev, unsigned long n)
{
	unsigned long long *t;
	unsigned long got = 0, i;
	struct termios tio;
	char buf[64];
	int fd;

	if (!n) {
		fprintf(stderr, "l2_util: rxlat: N must be above 0\n");
		return 2;
	}
	t = calloc(n, sizeof(*t));
	if (!t)
		die("calloc");

	fd = open(dev, O_RDONLY | O_NOCTTY);
	if (fd < 0)
		die(dev);
	if (tcgetattr(fd, &tio))
		die("tcgetattr");
	cfmakeraw(&tio);
	/* the UART's receive timeout is 4 characters long: at 115200 baud */
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	/* a byte at a time, or none for 10 s: the sender stopped */
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 100;
	if (tcsetattr(fd, TCSANOW, &tio))
		die("tcsetattr");
	tcflush(fd, TCIFLUSH);
	printf("rxlat ready\n");
	fflush(stdout);
	while (got < n) {
		ssize_t r = read(fd, buf, sizeof(buf));
		unsigned long long now = __rdtsc();

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read");
		if (r == 0)
			break;
		/* bytes that came together woke the reader together */
		for (i = 0; i < (unsigned long)r && got < n; i++)
			t[got++] = now;
	}
	printf("rxlat n %lu\n", got);
	for (i = 0; i < got; i++)
		printf("%llu\n", t[i]);
	free(t);
	if (got < n) {
		fprintf(stderr, "l2_util: rxlat: %lu of %lu bytes, then 10 s of nothing\n",
			got, n);
		return 1;
	}
	return 0;
}

static int cmd_send(const char *path, unsigned long hz, unsigned long n)
{
	unsigned long long period, *t;
	struct timespec next;
	unsigned long i;
	int fd;

	if (!hz || !n) {
		fprintf(stderr, "l2_util: send: HZ and N must be above 0\n");
		return 2;
	}
	period = 1000000000ull / hz;
	t = calloc(n, sizeof(*t));
	if (!t)
		die("calloc");
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
		t[i] = __rdtsc();
		if (write(fd, "x", 1) != 1)
			die("write");
	}
	close(fd);
	for (i = 0; i < n; i++)
		printf("%llu\n", t[i]);
	free(t);
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
