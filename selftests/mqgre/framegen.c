// SPDX-License-Identifier: GPL-2.0
/*
 * framegen - known numbers of Ethernet frames on known queues, for the
 * mqgre tests and benchmark.
 *
 *   framegen tap DEV NQ [opts]   attach NQ queues to the multiqueue tap DEV
 *                                (ip tuntap add DEV mode tap multi_queue),
 *                                in order, so the fd of queue q is tun's
 *                                queue q, wait until DEV forwards, then
 *                                write frames from every queue, a thread
 *                                per queue: what tun does for a guest
 *                                (write(), as vhost-net without batching)
 *   framegen packet DEV [opts]   send frames on DEV with AF_PACKET, a
 *                                thread per CPU of --cpus (inside a guest:
 *                                its driver picks the TX queue by CPU)
 *
 * Options:
 *   --frames K       frames per queue (per CPU), default 100
 *   --seconds S      instead, send for S seconds (the benchmark)
 *   --use LIST       tap: the queues that send (default all NQ)
 *   --cpus LIST      the CPUs: tap, the writer of queue q runs on
 *                    LIST[q mod n]; packet, one writer per CPU
 *   --len N          frame length without FCS, 60..1514, default 64
 *   --len-step D     the frames of the i-th writer (queue i, without
 *                    --use) are D * i longer, so that counts by length
 *                    tell the writers apart
 *   --src-mac M, --dst-mac M, --src-ip A, --dst-ip A, --dport P
 *                    the frame: UDP from port 10000 + queue (or CPU)
 *
 * Prints "queue Q frames N" (or "cpu C frames N") per writer, "total N"
 * and "elapsed_ns T", from the writers' start to the last one's end;
 * exits 0 only if every frame was written whole.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_WRITERS	64
#define FORWARD_WAIT_S	20

struct writer {
	pthread_t thread;
	int fd;
	int id;			/* tap queue, or CPU */
	int cpu;		/* -1: not pinned */
	unsigned int len;
	unsigned char frame[ETH_FRAME_LEN];
	unsigned long long sent;
	int err;
};

static struct {
	bool tap;
	const char *dev;
	int ifindex;
	unsigned int nq;
	unsigned long long frames;
	double seconds;
	unsigned int len, len_step;
	unsigned char src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	struct in_addr src_ip, dst_ip;
	unsigned short dport;
	int use[MAX_WRITERS], nuse;
	int cpus[MAX_WRITERS], ncpus;
} opt = {
	.frames = 100,
	.len = 64,
	.src_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
	.dst_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
	.dport = 9,
};

static struct writer writers[MAX_WRITERS];
static unsigned int nwriters;
static pthread_barrier_t start;

static void die(const char *what)
{
	fprintf(stderr, "framegen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: framegen tap DEV NQ [opts] | framegen packet DEV [opts]\n"
		"opts: --frames K | --seconds S, --use LIST, --cpus LIST, --len N,\n"
		"      --src-mac M --dst-mac M --src-ip A --dst-ip A --dport P\n");
	exit(2);
}

static int parse_list(const char *s, int *out)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok && n < MAX_WRITERS;
	     tok = strtok_r(NULL, ",", &save))
		out[n++] = atoi(tok);
	free(copy);
	return n;
}

static void parse_mac(const char *s, unsigned char *mac)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
		bad_usage();
}

static unsigned short ip_csum(const void *data, size_t len)
{
	const unsigned short *p = data;
	unsigned int sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Ethernet, IPv4, UDP from port 10000 + @id, zero payload */
static void build_frame(unsigned char *f, unsigned int len, int id)
{
	struct ether_header *eth = (struct ether_header *)f;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	unsigned int ip_len = len - sizeof(*eth);

	memset(f, 0, len);
	memcpy(eth->ether_dhost, opt.dst_mac, ETH_ALEN);
	memcpy(eth->ether_shost, opt.src_mac, ETH_ALEN);
	eth->ether_type = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(ip_len);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = opt.src_ip.s_addr;
	ip->daddr = opt.dst_ip.s_addr;
	ip->check = ip_csum(ip, sizeof(*ip));
	udp->source = htons(10000 + id);
	udp->dest = htons(opt.dport);
	udp->len = htons(ip_len - sizeof(*ip));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	double end;

	if (w->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		w->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	pthread_barrier_wait(&start);
	if (w->err)
		return NULL;
	end = now() + opt.seconds;
	while (opt.seconds ? (w->sent & 63 || now() < end) :
			     w->sent < opt.frames) {
		ssize_t n = write(w->fd, w->frame, w->len);

		if (n != (ssize_t)w->len) {
			/* a full qdisc on the way is back-pressure, not loss */
			if (n < 0 && (errno == ENOBUFS || errno == EAGAIN))
				continue;
			w->err = n < 0 ? errno : EIO;
			break;
		}
		w->sent++;
	}
	return NULL;
}

static int attach_tap_queue(void)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR);

	if (fd < 0)
		die("/dev/net/tun");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", opt.dev);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr))
		die("TUNSETIFF (is the tap multi_queue?)");
	return fd;
}

static int packet_socket(void)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = opt.ifindex,
	};
	int fd = socket(AF_PACKET, SOCK_RAW, 0);

	if (fd < 0)
		die("AF_PACKET socket");
	/* protocol 0: send only */
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind");
	return fd;
}

static bool read_is(const char *path, const char *want)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return !strcmp(buf, want);
}

/* Until DEV is up and, as a bridge port, forwarding (linkwatch is async) */
static void wait_forwarding(void)
{
	char oper[128], brport[128];
	double end = now() + FORWARD_WAIT_S;

	snprintf(oper, sizeof(oper), "/sys/class/net/%s/operstate", opt.dev);
	snprintf(brport, sizeof(brport), "/sys/class/net/%s/brport/state",
		 opt.dev);
	while (!read_is(oper, "up") ||
	       (!access(brport, F_OK) && !read_is(brport, "3"))) {
		if (now() > end) {
			fprintf(stderr, "framegen: %s does not forward after %d s\n",
				opt.dev, FORWARD_WAIT_S);
			exit(1);
		}
		usleep(20000);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "frames", required_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 's' },
		{ "use", required_argument, NULL, 'u' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "len", required_argument, NULL, 'l' },
		{ "len-step", required_argument, NULL, 'L' },
		{ "src-mac", required_argument, NULL, 'M' },
		{ "dst-mac", required_argument, NULL, 'D' },
		{ "src-ip", required_argument, NULL, 'S' },
		{ "dst-ip", required_argument, NULL, 'T' },
		{ "dport", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long total = 0;
	int fds[MAX_WRITERS];
	double t0, t1;
	unsigned int i;
	int o, ret = 0;

	if (argc < 3)
		bad_usage();
	opt.tap = !strcmp(argv[1], "tap");
	if (!opt.tap && strcmp(argv[1], "packet"))
		bad_usage();
	opt.dev = argv[2];
	if (opt.tap) {
		if (argc < 4)
			bad_usage();
		opt.nq = atoi(argv[3]);
		if (!opt.nq || opt.nq > MAX_WRITERS)
			bad_usage();
	}
	inet_pton(AF_INET, "192.168.200.1", &opt.src_ip);
	inet_pton(AF_INET, "192.168.200.2", &opt.dst_ip);
	optind = opt.tap ? 4 : 3;
	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case 'f':
			opt.frames = strtoull(optarg, NULL, 0);
			break;
		case 's':
			opt.seconds = atof(optarg);
			break;
		case 'u':
			opt.nuse = parse_list(optarg, opt.use);
			break;
		case 'c':
			opt.ncpus = parse_list(optarg, opt.cpus);
			break;
		case 'l':
			opt.len = atoi(optarg);
			break;
		case 'L':
			opt.len_step = atoi(optarg);
			break;
		case 'M':
			parse_mac(optarg, opt.src_mac);
			break;
		case 'D':
			parse_mac(optarg, opt.dst_mac);
			break;
		case 'S':
			if (inet_pton(AF_INET, optarg, &opt.src_ip) != 1)
				bad_usage();
			break;
		case 'T':
			if (inet_pton(AF_INET, optarg, &opt.dst_ip) != 1)
				bad_usage();
			break;
		case 'p':
			opt.dport = atoi(optarg);
			break;
		default:
			bad_usage();
		}
	}
	if (opt.len < 60 || opt.len > ETH_FRAME_LEN)
		bad_usage();

	if (opt.tap) {
		for (i = 0; i < opt.nq; i++)
			fds[i] = attach_tap_queue();
		wait_forwarding();
		if (!opt.nuse)
			for (opt.nuse = 0; opt.nuse < (int)opt.nq; opt.nuse++)
				opt.use[opt.nuse] = opt.nuse;
		for (i = 0; i < (unsigned int)opt.nuse; i++) {
			struct writer *w = &writers[nwriters++];

			if (opt.use[i] < 0 || opt.use[i] >= (int)opt.nq)
				bad_usage();
			w->id = opt.use[i];
			w->fd = fds[w->id];
			w->cpu = opt.ncpus ? opt.cpus[w->id % opt.ncpus] : -1;
		}
	} else {
		struct ifreq ifr = { 0 };
		int s = socket(AF_PACKET, SOCK_RAW, 0);

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", opt.dev);
		if (s < 0 || ioctl(s, SIOCGIFINDEX, &ifr))
			die(opt.dev);
		close(s);
		opt.ifindex = ifr.ifr_ifindex;
		if (!opt.ncpus)
			bad_usage();
		for (i = 0; i < (unsigned int)opt.ncpus; i++) {
			struct writer *w = &writers[nwriters++];

			w->id = opt.cpus[i];
			w->cpu = opt.cpus[i];
			w->fd = packet_socket();
		}
	}

	pthread_barrier_init(&start, NULL, nwriters + 1);
	for (i = 0; i < nwriters; i++) {
		writers[i].len = opt.len + opt.len_step * i;
		if (writers[i].len > ETH_FRAME_LEN)
			bad_usage();
		build_frame(writers[i].frame, writers[i].len, writers[i].id);
		if (pthread_create(&writers[i].thread, NULL, writer_main,
				   &writers[i]))
			die("pthread_create");
	}
	pthread_barrier_wait(&start);
	t0 = now();
	for (i = 0; i < nwriters; i++)
		pthread_join(writers[i].thread, NULL);
	t1 = now();
	for (i = 0; i < nwriters; i++) {
		struct writer *w = &writers[i];

		printf("%s %d frames %llu\n", opt.tap ? "queue" : "cpu", w->id,
		       w->sent);
		if (w->err) {
			fprintf(stderr, "framegen: writer %d: %s\n", w->id,
				strerror(w->err));
			ret = 1;
		}
		total += w->sent;
	}
	printf("total %llu\n", total);
	printf("elapsed_ns %.0f\n", (t1 - t0) * 1e9);
	return ret;
}
