// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtop - a top-like view of the kvmtrace debugfs files.
 *
 * Reads /sys/kernel/debug/kvmtrace/{summary,vms/<vm>/...,vms/<vm>/vcpu<id>/...}
 * (formats in Documentation/kvmtrace.rst, defined in uapi/kvmtrace.h and
 * uapi/kvmtrace_keys.h) and shows, per VM and per vCPU, exits by reason
 * with their share of exits and of time and their handling times, the
 * busiest MSRs, HLT and halt-polling behaviour and posted-interrupt
 * wakeups: as an interactive screen, text, JSON, Prometheus metrics or
 * histograms (Documentation/kvmtop.rst).
 *
 * The units, in the layers of kvm_stat:
 *   sample.c   reading the files into the data model (sample.h)
 *   names.c    guest names, from the VMM's command line
 *   rates.c    deltas between two samples
 *   stats.c    time from the histograms
 *   sort.c     the sort keys
 *   out.c      lines and tables that fit the terminal
 *   out_*.c    text, JSON, Prometheus, histograms
 *   screen.c   the interactive screen and its keys
 *   util.c     parsing, bounded arrays, whole-file reads
 *   main.c     options, checks, the main loop
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "output.h"
#include "rates.h"
#include "screen.h"

#define KVMTOP_DEBUGFS_MAGIC	0x64626720
#define KVMTOP_DEFAULT_TOP	5
#define KVMTOP_MAX_TOP		1000
#define KVMTOP_MAX_DELAY	86400.0

enum kvmtop_format {
	KVMTOP_FMT_TEXT,
	KVMTOP_FMT_JSON,
	KVMTOP_FMT_PROMETHEUS,
	KVMTOP_FMT_HIST,
};

struct kvmtop_opts {
	const char *root;
	const char *proc;
	const char *reason;		/* --hist REASON */
	enum kvmtop_prom_format prom;	/* --prometheus=FORMAT */
	const struct kvmtop_sort_key *sort;
	enum kvmtop_format format;
	double delay;
	long count;			/* 0: forever */
	long pid;			/* -1: all */
	unsigned int top;
	bool once;
	bool totals;
	bool batch;
	bool vcpus;
};

struct kvmtop_ctx {
	struct kvmtop_opts o;
	struct kvmtop_source src;
	struct kvmtop_screen sc;
	int sigfd;
	bool stdin_tty;
	bool stdout_tty;
	bool interactive;
};

/* ---- output ------------------------------------------------------------ */

static void kvmtop_opts_view(const struct kvmtop_ctx *c, struct kvmtop_view *v,
			     const struct kvmtop_sample *smp)
{
	memset(v, 0, sizeof(*v));
	v->rates = smp->has_delta && !c->o.totals;
	v->interval = smp->interval;
	v->sort = c->o.sort;
	v->top = c->o.top;
	v->vcpus = c->o.vcpus;
	v->pid = c->o.pid;
}

static unsigned int kvmtop_tty_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col)
		return 0;
	return ws.ws_col;
}

static int kvmtop_output(struct kvmtop_ctx *c, const struct kvmtop_sample *smp)
{
	struct kvmtop_out o = { .f = stdout };
	struct kvmtop_view v;
	int err = 0;

	kvmtop_opts_view(c, &v, smp);
	switch (c->o.format) {
	case KVMTOP_FMT_JSON:
		kvmtop_json(stdout, smp);
		break;
	case KVMTOP_FMT_PROMETHEUS:
		kvmtop_prometheus(stdout, smp, c->o.prom);
		break;
	case KVMTOP_FMT_HIST:
		err = kvmtop_hist(stdout, &v, smp, c->o.reason);
		break;
	case KVMTOP_FMT_TEXT:
		if (c->interactive) {
			v.rates = smp->has_delta && !c->sc.totals;
			err = kvmtop_screen_draw(&c->sc, &v, smp);
			break;
		}
		if (c->stdout_tty) {
			o.width = kvmtop_tty_width();
			if (!c->o.once)
				fputs("\033[H\033[2J", stdout);
		}
		err = kvmtop_text(&o, &v, smp);
		if (!c->stdout_tty && !c->o.once)
			putchar('\n');
		break;
	}
	if (err)
		return err;
	if (fflush(stdout) == EOF || ferror(stdout))
		return -EIO;
	return 0;
}

/* ---- main loop -------------------------------------------------------------- */

enum {
	KVMTOP_WAIT_TIMEOUT,
	KVMTOP_WAIT_QUIT,
	KVMTOP_WAIT_KEYS,
	KVMTOP_WAIT_RESIZE,
};

/* Stopped by Ctrl-Z: give the terminal back while we are stopped. */
static void kvmtop_stop(struct kvmtop_ctx *c)
{
	bool raw = c->sc.raw;

	kvmtop_screen_stop(&c->sc);
	raise(SIGSTOP);
	if (raw && kvmtop_screen_start(&c->sc))
		c->interactive = false;
}

/*
 * Wait until @deadline (CLOCK_MONOTONIC) or an event: SIGINT, SIGTERM or
 * SIGHUP (quit), SIGWINCH (resize), input from a terminal.  Without the
 * interactive screen, "q" (with Enter) quits.
 */
static int kvmtop_wait(struct kvmtop_ctx *c, const struct timespec *deadline,
		       char *in, unsigned int size, unsigned int *nin)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	struct timespec now;
	double left;
	ssize_t n;
	int nfds, i;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (double)(deadline->tv_sec - now.tv_sec) +
		       (double)(deadline->tv_nsec - now.tv_nsec) / 1e9;
		if (left <= 0)
			return KVMTOP_WAIT_TIMEOUT;
		pfd[0].fd = c->sigfd;
		pfd[0].events = POLLIN;
		nfds = 1;
		if (c->stdin_tty) {
			pfd[1].fd = STDIN_FILENO;
			pfd[1].events = POLLIN;
			nfds = 2;
		}
		if (poll(pfd, nfds, (int)(left * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			return KVMTOP_WAIT_QUIT;
		}
		if (pfd[0].revents) {
			n = read(c->sigfd, &si, sizeof(si));
			if (n != sizeof(si))
				continue;
			if (si.ssi_signo == SIGWINCH)
				return KVMTOP_WAIT_RESIZE;
			if (si.ssi_signo == SIGTSTP) {
				kvmtop_stop(c);
				return KVMTOP_WAIT_RESIZE;
			}
			return KVMTOP_WAIT_QUIT;
		}
		if (nfds == 2 && pfd[1].revents) {
			n = read(STDIN_FILENO, in, size);
			if (n <= 0) {
				c->stdin_tty = false;	/* EOF: stop watching */
				continue;
			}
			if (c->interactive) {
				*nin = n;
				return KVMTOP_WAIT_KEYS;
			}
			for (i = 0; i < n; i++)
				if (in[i] == 'q' || in[i] == 'Q')
					return KVMTOP_WAIT_QUIT;
		}
	}
}

static void kvmtop_deadline(struct timespec *d, const struct kvmtop_sample *smp,
			    double delay)
{
	*d = smp->mono;
	d->tv_sec += (time_t)delay;
	d->tv_nsec += (long)((delay - (time_t)delay) * 1e9);
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
}

static int kvmtop_redraw(struct kvmtop_ctx *c, const struct kvmtop_sample *smp)
{
	struct kvmtop_view v = { 0 };

	if (smp) {
		kvmtop_opts_view(c, &v, smp);
		v.rates = smp->has_delta && !c->sc.totals;
	}
	if (kvmtop_screen_draw(&c->sc, &v, smp))
		return -ENOMEM;
	return fflush(stdout) == EOF ? -EIO : 0;
}

/*
 * Sample, compute rates, show; every interval until the count, q, or a
 * signal.  Returns a KVMTOP_EXIT_* code.  @shown is what is on the screen,
 * which keys redraw; @prev the base of the next rates (after "reset", a
 * newer sample than @shown).
 */
static int kvmtop_loop(struct kvmtop_ctx *c)
{
	struct kvmtop_sample *prev = NULL, *cur = NULL, *shown = NULL;
	struct timespec deadline;
	unsigned int todo, nin = 0;
	char in[64];
	long done = 0;
	int ret, ev;

	/* Rates need a first sample one interval earlier. */
	if (!c->o.totals) {
		ret = kvmtop_sample_take(&c->src, &prev);
		if (ret)
			return ret;
		if (c->interactive && kvmtop_redraw(c, NULL))
			goto out_write;
	}
	for (;;) {
		if (prev)
			kvmtop_deadline(&deadline, prev, c->o.delay);
		while (prev) {
			ev = kvmtop_wait(c, &deadline, in, sizeof(in), &nin);
			if (ev == KVMTOP_WAIT_TIMEOUT)
				break;
			if (ev == KVMTOP_WAIT_QUIT) {
				ret = KVMTOP_EXIT_OK;
				goto out_free;
			}
			if (!c->interactive)
				continue;
			todo = KVMTOP_KEY_REDRAW;
			if (ev == KVMTOP_WAIT_RESIZE)
				kvmtop_screen_size(&c->sc);
			else
				todo = kvmtop_screen_keys(&c->sc, in, nin, shown);
			if (todo & KVMTOP_KEY_QUIT) {
				ret = KVMTOP_EXIT_OK;
				goto out_free;
			}
			if (todo & KVMTOP_KEY_RESET) {
				ret = kvmtop_sample_take(&c->src, &cur);
				if (ret)
					goto out_free;
				if (prev != shown)
					kvmtop_sample_free(prev);
				prev = cur;
				cur = NULL;
				kvmtop_deadline(&deadline, prev, c->o.delay);
			}
			if ((todo & KVMTOP_KEY_REDRAW) && kvmtop_redraw(c, shown))
				goto out_write;
		}
		ret = kvmtop_sample_take(&c->src, &cur);
		if (ret)
			goto out_free;
		if (prev && kvmtop_sample_delta(cur, prev)) {
			fprintf(stderr, "kvmtop: out of memory\n");
			ret = KVMTOP_EXIT_ERROR;
			goto out_free;
		}
		if (kvmtop_output(c, cur))
			goto out_write;
		if (shown != prev)
			kvmtop_sample_free(shown);
		kvmtop_sample_free(prev);
		prev = cur;
		shown = cur;
		cur = NULL;
		if (c->o.count && ++done >= c->o.count) {
			ret = KVMTOP_EXIT_OK;
			goto out_free;
		}
	}

out_write:
	kvmtop_screen_stop(&c->sc);
	fprintf(stderr, "kvmtop: cannot write output\n");
	ret = KVMTOP_EXIT_ERROR;
out_free:
	kvmtop_sample_free(cur);
	if (shown != prev)
		kvmtop_sample_free(shown);
	kvmtop_sample_free(prev);
	return ret;
}

/* ---- startup ------------------------------------------------------------ */

/*
 * Tell apart the usual reasons the files cannot be read, in the order a
 * user fixes them.  The mount check is only done for the default root.
 */
static int kvmtop_check_env(const struct kvmtop_opts *o)
{
	bool def = !strcmp(o->root, KVMTOP_DEFAULT_ROOT);
	struct statfs sfs;
	struct stat st;

	if (def && geteuid()) {
		fprintf(stderr,
			"kvmtop: must be run as root: %s is readable by root only\n",
			KVMTOP_DEBUGFS);
		return KVMTOP_EXIT_NOT_ROOT;
	}
	if (def && (statfs(KVMTOP_DEBUGFS, &sfs) ||
		    sfs.f_type != KVMTOP_DEBUGFS_MAGIC)) {
		fprintf(stderr,
			"kvmtop: debugfs is not mounted on %s (mount -t debugfs none %s)\n",
			KVMTOP_DEBUGFS, KVMTOP_DEBUGFS);
		return KVMTOP_EXIT_NO_DEBUGFS;
	}
	if (stat(o->root, &st)) {
		if (errno == EACCES || errno == EPERM) {
			fprintf(stderr,
				"kvmtop: %s: permission denied; run kvmtop as root\n",
				o->root);
			return KVMTOP_EXIT_NOT_ROOT;
		}
		if (errno == ENOENT) {
			fprintf(stderr,
				"kvmtop: %s does not exist: the kvmtrace module is not loaded (insmod kvmtrace.ko)\n",
				o->root);
			return KVMTOP_EXIT_NOT_LOADED;
		}
		fprintf(stderr, "kvmtop: %s: %s\n", o->root, strerror(errno));
		return KVMTOP_EXIT_ERROR;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "kvmtop: %s is not a directory\n", o->root);
		return KVMTOP_EXIT_NOT_LOADED;
	}
	return KVMTOP_EXIT_OK;
}

static const char kvmtop_synopsis[] =
	"  kvmtop [-d SECS] [-n N] [-p PID] [-t N] [-s KEY] [-V] [-b] [--once] [--totals]\n"
	"  kvmtop --json [-d SECS] [-n N] [-p PID] [--once] [--totals]\n"
	"  kvmtop --prometheus[=openmetrics|text] [-p PID]\n"
	"  kvmtop --hist [-d SECS] [-n N] [-p PID] [-V] [--once] [--totals] [REASON]\n";

/* On bad arguments: the synopsis, on stderr. */
static void kvmtop_short_usage(void)
{
	fprintf(stderr, "usage:\n%sTry 'kvmtop --help' for more.\n",
		kvmtop_synopsis);
}

/* --help: a manual page, on stdout. */
static void kvmtop_help(void)
{
	unsigned int i;

	printf("NAME\n"
	       "  kvmtop - KVM exits, their handling times, MSRs, halts and wakeups, per VM\n"
	       "  and per vCPU, from the kvmtrace module\n"
	       "\n"
	       "SYNOPSIS\n");
	fputs(kvmtop_synopsis, stdout);
	printf("\n"
	       "DESCRIPTION\n"
	       "  kvmtop reads the debugfs files of the kvmtrace module and shows, for every\n"
	       "  VM and every vCPU: exits by reason, with their share of all exits and of\n"
	       "  the time KVM spent handling them, and their average, p50, p99 and maximum\n"
	       "  handling time; the exits completed in userspace (the VMM) apart; the MSRs\n"
	       "  behind WRMSR and RDMSR exits; halts and halt polling; posted-interrupt\n"
	       "  wakeups (PIW). Counts are rates per second over each interval, or totals\n"
	       "  since the module was loaded or the counters were reset.\n"
	       "\n"
	       "  Times come from log2 histograms: AVG counts each exit at its bucket's\n"
	       "  middle, P50 and P99 are interpolated inside a bucket, MAX is the upper\n"
	       "  bound of the highest bucket. HLT time is halted time, not work: it is\n"
	       "  shown but left out of TIME%%.\n"
	       "\n"
	       "VIEWS\n"
	       "  screen        on a terminal, interactive (KEYS below), redrawn every\n"
	       "                interval and fitted to the terminal's width; otherwise\n"
	       "                (or with -b) one screen per interval on stdout. Per VM:\n"
	       "                exit reasons (REASON), exits completed in userspace\n"
	       "                (USER_REASON), MSRs, the hlt:, wakeups: and npf: lines and\n"
	       "                the vCPU table; with -V a block per vCPU instead\n"
	       "  --json        one JSON document per sample, one per line, every row\n"
	       "  --prometheus  the counters once, for Prometheus: FORMAT openmetrics\n"
	       "                (OpenMetrics 1.0, the default) or text (the text format\n"
	       "                0.0.4 that node_exporter's textfile collector reads)\n"
	       "  --hist        log2 histograms drawn as bars, as bpftrace prints hist():\n"
	       "                latency and user_latency by reason, HLT exit and halt\n"
	       "                times; REASON (a name, any case, or a 0x code) keeps that\n"
	       "                reason's, HLT keeps hlt's\n"
	       "\n"
	       "OPTIONS\n"
	       "  -d, --delay SECS    seconds between samples, 0.01 to %.0f (default 1)\n"
	       "  -n, --iterations N  stop after N screens or documents (default: until q)\n"
	       "  -p, --pid PID       only the VMs that process PID created\n"
	       "  -t, --top N         rows per table: reasons, MSRs, vCPUs, 1 to %d\n"
	       "                      (default %d; --json has every row)\n"
	       "  -s, --sort KEY      order of VMs, vCPUs and reasons (SORT KEYS below)\n"
	       "  -V, --vcpus         a block per vCPU (screen), histograms per vCPU (--hist)\n"
	       "  -b, --batch         no interactive screen, even on a terminal\n"
	       "      --once          one sample of rates over one interval, then exit\n"
	       "      --totals        counts since load or reset instead of rates; with\n"
	       "                      --once, at once\n"
	       "      --json          JSON instead of the screen\n"
	       "      --prometheus[=FORMAT]\n"
	       "                      Prometheus instead of the screen; implies --once\n"
	       "                      --totals\n"
	       "      --hist          histograms instead of the screen\n"
	       "      --root DIR      the kvmtrace directory (default: FILES below);\n"
	       "                      another one skips the root and debugfs checks\n"
	       "      --proc DIR      where guest names are read (default /proc)\n"
	       "  -h, --help          this text\n"
	       "\n"
	       "SORT KEYS (-s, and s on the screen; largest first)\n",
	       KVMTOP_MAX_DELAY, KVMTOP_MAX_TOP, KVMTOP_DEFAULT_TOP);
	for (i = 0; i < kvmtop_nr_sort_keys; i++)
		printf("  %-8s %s\n", kvmtop_sort_keys[i].name,
		       kvmtop_sort_keys[i].help);
	printf("\n"
	       "KEYS (the interactive screen; no Enter needed)\n");
	for (i = 0; i < kvmtop_nr_screen_keys; i++)
		printf("  %-12s %s\n", kvmtop_screen_keys_help[i].keys,
		       kvmtop_screen_keys_help[i].what);
	printf("\n"
	       "  Without the interactive screen, q then Enter quits.\n"
	       "\n"
	       "EXIT STATUS\n"
	       "  %d  success, also when quit with q, Ctrl-C, SIGTERM or SIGHUP\n"
	       "  %d  an error: reading or writing failed, out of memory\n"
	       "  %d  bad arguments\n"
	       "  %d  not root, or a kvmtrace file is not readable (EACCES)\n"
	       "  %d  debugfs is not mounted on %s\n"
	       "  %d  kvmtrace is not loaded: no kvmtrace directory, or no summary in it\n"
	       "\n"
	       "FILES\n"
	       "  %s\n"
	       "      summary, control       host-wide\n"
	       "      vms/PID-FD/            a VM that process PID created (FD: its fd,\n"
	       "                             or kvmN when KVM has no directory for it)\n"
	       "      vms/PID-FD/vcpuID/     one of its vCPUs\n"
	       "         ",
	       KVMTOP_EXIT_OK, KVMTOP_EXIT_ERROR, KVMTOP_EXIT_USAGE,
	       KVMTOP_EXIT_NOT_ROOT, KVMTOP_EXIT_NO_DEBUGFS, KVMTOP_DEBUGFS,
	       KVMTOP_EXIT_NOT_LOADED, KVMTOP_DEFAULT_ROOT);
	for (i = 0; i < KVMTOP_FILE_NR; i++)
		printf(" %s", kvmtop_file_name(i));
	printf("\n"
	       "  /proc/PID/cmdline          QEMU's -name NAME or -name guest=NAME\n"
	       "\n"
	       "EXAMPLES\n"
	       "  kvmtop                             interactive, every second\n"
	       "  kvmtop -d 5 -t 10 -p 4242          VMs of pid 4242, 10 rows, every 5 s\n"
	       "  kvmtop -s p99 --once               one second of rates, by p99\n"
	       "  kvmtop --once --totals --json      all counters as JSON, at once\n"
	       "  kvmtop --json -n 60 >log.jsonl     a JSON line a second for a minute\n"
	       "  kvmtop --hist MSR_WRITE --once     MSR_WRITE handling times, one second\n"
	       "  cd /var/lib/prometheus/node-exporter &&\n"
	       "    kvmtop --prometheus=text >kvm.new && mv kvm.new kvm.prom\n"
	       "                                     for node_exporter's textfile collector\n"
	       "\n"
	       "SEE ALSO\n"
	       "  Documentation/kvmtop.rst and Documentation/kvmtrace.rst in kvmtune,\n"
	       "  kvm_stat(1), perf-kvm(1)\n");
}

enum {
	KVMTOP_OPT_ONCE = 256,
	KVMTOP_OPT_TOTALS,
	KVMTOP_OPT_JSON,
	KVMTOP_OPT_PROMETHEUS,
	KVMTOP_OPT_HIST,
	KVMTOP_OPT_ROOT,
	KVMTOP_OPT_PROC,
};

static const struct option kvmtop_long_opts[] = {
	{ "delay",	required_argument,	NULL, 'd' },
	{ "iterations",	required_argument,	NULL, 'n' },
	{ "pid",	required_argument,	NULL, 'p' },
	{ "top",	required_argument,	NULL, 't' },
	{ "sort",	required_argument,	NULL, 's' },
	{ "vcpus",	no_argument,		NULL, 'V' },
	{ "batch",	no_argument,		NULL, 'b' },
	{ "once",	no_argument,		NULL, KVMTOP_OPT_ONCE },
	{ "totals",	no_argument,		NULL, KVMTOP_OPT_TOTALS },
	{ "json",	no_argument,		NULL, KVMTOP_OPT_JSON },
	{ "prometheus",	optional_argument,	NULL, KVMTOP_OPT_PROMETHEUS },
	{ "hist",	no_argument,		NULL, KVMTOP_OPT_HIST },
	{ "root",	required_argument,	NULL, KVMTOP_OPT_ROOT },
	{ "proc",	required_argument,	NULL, KVMTOP_OPT_PROC },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 },
};

static bool kvmtop_arg_long(const char *s, long min, long max, long *v)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || end == s || *end || x < min || x > max)
		return false;
	*v = x;
	return true;
}

static bool kvmtop_arg_dir(const char *s)
{
	return *s && strlen(s) < PATH_MAX;
}

static int kvmtop_set_format(struct kvmtop_opts *o, enum kvmtop_format f)
{
	if (o->format != KVMTOP_FMT_TEXT && o->format != f) {
		fprintf(stderr, "kvmtop: --json, --prometheus and --hist exclude each other\n");
		return -EINVAL;
	}
	o->format = f;
	return 0;
}

static void kvmtop_sort_keys_list(FILE *f)
{
	unsigned int i;

	for (i = 0; i < kvmtop_nr_sort_keys; i++)
		fprintf(f, "%s%s", i ? ", " : "", kvmtop_sort_keys[i].name);
}

static int kvmtop_parse_args(int argc, char **argv, struct kvmtop_opts *o)
{
	char *end;
	long v;
	int opt;

	o->root = KVMTOP_DEFAULT_ROOT;
	o->proc = "/proc";
	o->sort = &kvmtop_sort_keys[0];
	o->delay = 1.0;
	o->pid = -1;
	o->top = KVMTOP_DEFAULT_TOP;
	while ((opt = getopt_long(argc, argv, "d:n:p:t:s:Vbh", kvmtop_long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'd':
			errno = 0;
			o->delay = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(o->delay >= 0.01 && o->delay <= KVMTOP_MAX_DELAY)) {
				fprintf(stderr, "kvmtop: bad delay '%s' (0.01 to %.0f seconds)\n",
					optarg, KVMTOP_MAX_DELAY);
				goto out_usage;
			}
			break;
		case 'n':
			if (!kvmtop_arg_long(optarg, 1, LONG_MAX, &o->count)) {
				fprintf(stderr, "kvmtop: bad count '%s'\n", optarg);
				goto out_usage;
			}
			break;
		case 'p':
			if (!kvmtop_arg_long(optarg, 1, INT_MAX, &o->pid)) {
				fprintf(stderr, "kvmtop: bad pid '%s'\n", optarg);
				goto out_usage;
			}
			break;
		case 't':
			if (!kvmtop_arg_long(optarg, 1, KVMTOP_MAX_TOP, &v)) {
				fprintf(stderr, "kvmtop: bad row count '%s' (1 to %d)\n",
					optarg, KVMTOP_MAX_TOP);
				goto out_usage;
			}
			o->top = v;
			break;
		case 's':
			o->sort = kvmtop_sort_key(optarg);
			if (!o->sort) {
				fprintf(stderr, "kvmtop: bad sort key '%s' (", optarg);
				kvmtop_sort_keys_list(stderr);
				fprintf(stderr, ")\n");
				goto out_usage;
			}
			break;
		case 'V':
			o->vcpus = true;
			break;
		case 'b':
			o->batch = true;
			break;
		case KVMTOP_OPT_ONCE:
			o->once = true;
			break;
		case KVMTOP_OPT_TOTALS:
			o->totals = true;
			break;
		case KVMTOP_OPT_JSON:
			if (kvmtop_set_format(o, KVMTOP_FMT_JSON))
				goto out_usage;
			break;
		case KVMTOP_OPT_PROMETHEUS:
			if (kvmtop_set_format(o, KVMTOP_FMT_PROMETHEUS))
				goto out_usage;
			if (!optarg || !strcmp(optarg, "openmetrics")) {
				o->prom = KVMTOP_PROM_OPENMETRICS;
			} else if (!strcmp(optarg, "text")) {
				o->prom = KVMTOP_PROM_TEXT;
			} else {
				fprintf(stderr,
					"kvmtop: bad --prometheus format '%s' (openmetrics, text)\n",
					optarg);
				goto out_usage;
			}
			break;
		case KVMTOP_OPT_HIST:
			if (kvmtop_set_format(o, KVMTOP_FMT_HIST))
				goto out_usage;
			break;
		case KVMTOP_OPT_ROOT:
			if (!kvmtop_arg_dir(optarg)) {
				fprintf(stderr, "kvmtop: bad --root\n");
				goto out_usage;
			}
			o->root = optarg;
			break;
		case KVMTOP_OPT_PROC:
			if (!kvmtop_arg_dir(optarg)) {
				fprintf(stderr, "kvmtop: bad --proc\n");
				goto out_usage;
			}
			o->proc = optarg;
			break;
		case 'h':
			kvmtop_help();
			exit(KVMTOP_EXIT_OK);
		default:
			goto out_usage;
		}
	}
	if (o->format == KVMTOP_FMT_HIST && optind < argc)
		o->reason = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "kvmtop: unexpected argument '%s'\n", argv[optind]);
		goto out_usage;
	}
	/* A file for the textfile collector: the counters, now. */
	if (o->format == KVMTOP_FMT_PROMETHEUS) {
		o->once = true;
		o->totals = true;
	}
	if (o->once)
		o->count = 1;
	return 0;

out_usage:
	kvmtop_short_usage();
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct kvmtop_ctx c = { .sigfd = -1 };
	sigset_t mask;
	int ret;

	if (kvmtop_parse_args(argc, argv, &c.o))
		return KVMTOP_EXIT_USAGE;
	ret = kvmtop_check_env(&c.o);
	if (ret)
		return ret;
	c.src.root = c.o.root;
	c.src.proc = c.o.proc;
	c.src.pid = c.o.pid;

	/* Signals are taken from a signalfd in kvmtop_wait(): no handlers. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGTSTP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL)) {
		perror("kvmtop: sigprocmask");
		return KVMTOP_EXIT_ERROR;
	}
	c.sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (c.sigfd < 0) {
		perror("kvmtop: signalfd");
		return KVMTOP_EXIT_ERROR;
	}
	c.stdin_tty = isatty(STDIN_FILENO);
	c.stdout_tty = isatty(STDOUT_FILENO);
	c.interactive = c.stdin_tty && c.stdout_tty && !c.o.once &&
			!c.o.batch && c.o.format == KVMTOP_FMT_TEXT;
	c.sc.sort = c.o.sort - kvmtop_sort_keys;
	c.sc.top = c.o.top;
	c.sc.totals = c.o.totals;
	c.sc.root = c.o.root;
	if (c.interactive && kvmtop_screen_start(&c.sc))
		c.interactive = false;

	ret = kvmtop_loop(&c);

	kvmtop_screen_stop(&c.sc);
	close(c.sigfd);
	free(c.src.buf.p);
	return ret;
}
